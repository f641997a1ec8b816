"""Run the real app under gunicorn (several worker processes) against a test database."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_AUDIT_KEY = "testing-audit-key"  # the test app's (TESTING): verify-audit checks what the workers wrote


class Gunicorn:
    """gunicorn app:app with AUTO_MIGRATE=0 (the test already built the schema)."""

    def __init__(self, db_url: str, *, workers: int = 2, threads: int = 4, env: dict | None = None):
        self.port = free_port()
        self.db_url, self.workers, self.threads = db_url, workers, threads
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        # The server's log goes to a file: a pipe nobody reads fills up (64 KiB of 503 warnings while a database
        # is down) and then blocks every worker thread that logs.
        self.log = tempfile.TemporaryFile()

    def __enter__(self) -> Gunicorn:
        env = {**os.environ, "DATABASE_URL": self.db_url, "AUTO_MIGRATE": "0", "DEMO_DATA": "0",
               "SECRET_KEY": "gunicorn-test", "GATEWAY_RATE_PER_SECOND": "0", "PYTHONPATH": str(ROOT),
               "AUDIT_KEY": TEST_AUDIT_KEY,
               **self.extra_env}
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-k", "gthread", "--threads",
               str(self.threads), "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "--log-level",
               "warning", "app:app"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()[-2000:]}")
            try:
                status, _h, _b = self.get("/healthz")
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready")

    def get(self, path: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
        """One request on a fresh connection: (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def log_text(self) -> str:
        """What the server and its workers wrote to stderr so far."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def worker_pids(self) -> list[int]:
        """The master's current worker processes."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
