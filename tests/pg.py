"""A throwaway PostgreSQL server for the test session (Debian `postgresql`: initdb + pg_ctl)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """initdb/pg_ctl are missing or the server would not start."""


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if found:
        return found[0]
    path = shutil.which(name)
    if path:
        return path
    raise PostgresUnavailable(f"{name} not found (apt-get install -y postgresql)")


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb into a temp dir, start on a loopback port, stop and delete on close."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="exchange-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self._prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._prefix, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")

    def start(self) -> str:
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            self.dir.chmod(0o700)
        self._run(_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(_pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "-t", "60",
                  "start")
        self._run(_pg_bin("createdb") if _has("createdb") else "createdb", "-h", "127.0.0.1", "-p",
                  str(self.port), "-U", "postgres", "exchange_test")
        return self.url("exchange_test")

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A further empty database (for tests that need their own)."""
        self._run(_pg_bin("createdb") if _has("createdb") else "createdb", "-h", "127.0.0.1", "-p",
                  str(self.port), "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        except PostgresUnavailable:
            pass
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.dir, ignore_errors=True)


def _has(name: str) -> bool:
    try:
        _pg_bin(name)
        return True
    except PostgresUnavailable:
        return False


def _has_c_utf8() -> bool:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    return "c.utf8" in out or "c.utf-8" in out
