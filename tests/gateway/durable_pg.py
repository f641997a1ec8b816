"""A throwaway PostgreSQL server as deployed: fsync, synchronous_commit and full_page_writes on.

tests/pg.py starts the test server with fsync off (fast, and a crash there loses nothing the tests need); the
metering benchmark and the restart-under-load test need the durable settings, so this server is started like
that one and then restarted with PostgreSQL's defaults plus `settings`.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.pg import PostgresServer, _pg_bin

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "max_connections": "200"}


class DurablePostgres(PostgresServer):
    """start() → URL of an empty database on a server with durable commits; restart() kills and restarts it."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        super().__init__()
        self.settings = {**DURABLE, **(settings or {})}

    def start(self) -> str:
        url = super().start()
        self._pg_ctl("-m", "fast", "-w", "stop")
        self._pg_ctl("-o", self._options(), "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        return url

    def restart(self) -> None:
        """Stop as a crash would (immediate: no checkpoint, recovery replays the WAL), then start again."""
        self.stop_now()
        self.start_again()

    def stop_now(self) -> None:
        """Stop as a crash would: immediate, no checkpoint."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def start_again(self) -> None:
        """Start after stop_now(); returns once the server accepts connections (recovery done)."""
        self._pg_ctl("-o", self._options(), "-l", str(self.dir / "log"), "-w", "-t", "60", "start")

    def show(self, url: str, *names: str) -> dict[str, str]:
        """The server's current value of each setting (read back, not assumed)."""
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return {n: conn.execute(text(f"SHOW {n}")).scalar() for n in names}
        finally:
            engine.dispose()

    def _options(self) -> str:
        opts = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        return f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {opts}"

    def _pg_ctl(self, *args: str) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), *args)
