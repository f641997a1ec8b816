"""Group commit (PostgreSQL, GATEWAY_GROUP_COMMIT=1; off by default, measured slower: README, production section):
one writer thread per process commits the usage writes of concurrent calls together.

A request hands its write (the same one statement meter.py runs in autocommit) to the writer and waits. The
writer takes every write waiting, runs them in ONE transaction on its own connection, commits, and only then
wakes each request with its statement's result: every answer still follows the durable commit of its event (R9),
but N calls pay one WAL flush instead of N. A write that fails aborts the batch; the writer then runs each write
of that batch in its own transaction, so one call's error (a duplicate Idempotency-Key) is that call's alone.
Quota rows are taken in entitlement order, so two processes' batches never deadlock on each other's counters.
A killed worker leaves an uncommitted batch, which PostgreSQL rolls back: no request of it was answered.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from marketplace.db import server_closed

MAX_BATCH = 64


@dataclass
class _Write:
    sql: str
    params: dict
    done: threading.Event = field(default_factory=threading.Event)
    row: tuple | None = None
    rowcount: int = 0
    error: BaseException | None = None
    committed: bool = False


class GroupCommitter:
    """submit(sql, params) → (first row, rowcount) once committed; raises the statement's or the commit's error."""

    def __init__(self, connect: Callable[[], object], *, max_batch: int = MAX_BATCH):
        self.connect, self.max_batch = connect, max_batch
        self._queue: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, sql: str, params: dict) -> tuple[tuple | None, int]:
        self._ensure_writer()
        write = _Write(sql, params)
        self._queue.put(write)
        write.done.wait()
        if write.error is not None:
            raise write.error
        return write.row, write.rowcount

    def _ensure_writer(self) -> None:
        """Start the writer in this process (gunicorn forks after the app is built: threads do not survive it)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._run, name="usage-group-commit", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        dbc = None
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batch.sort(key=lambda w: w.params.get("entitlement_id", 0))  # one lock order in every process
            try:
                if dbc is not None and server_closed(dbc):  # the server restarted while the writer waited
                    dbc = _discard(dbc)
                if dbc is None:
                    dbc = self.connect()
                self._commit(dbc, batch)
            except BaseException as e:  # the connection is gone: every call not yet committed gets the error
                dbc = _discard(dbc)
                for w in batch:
                    if not w.committed:
                        w.error = w.error or e
            for w in batch:
                w.done.set()

    def _commit(self, dbc, batch: list[_Write]) -> None:
        try:
            self._execute(dbc, batch)
            dbc.commit()
            for w in batch:
                w.committed = True
            return
        except Exception as e:
            if not _statement_error(e):
                raise
            dbc.rollback()
        for w in batch:  # one write failed and aborted the others: each in its own transaction
            w.row, w.rowcount, w.error = None, 0, None
            try:
                self._execute(dbc, [w])
                dbc.commit()
                w.committed = True
            except Exception as e:
                if not _statement_error(e):
                    raise
                dbc.rollback()
                w.error = e

    @staticmethod
    def _execute(dbc, batch: list[_Write]) -> None:
        with dbc.cursor() as cur:
            for w in batch:
                cur.execute(w.sql, w.params)
                w.rowcount = cur.rowcount
                w.row = cur.fetchone() if cur.description else None


def _statement_error(e: BaseException) -> bool:
    """An error of one statement (constraint, deadlock), not of the connection."""
    name = type(e).__module__.split(".", 1)[0]
    return name == "psycopg" and type(e).__name__ != "OperationalError" or "deadlock" in str(e)


def _discard(dbc) -> None:
    if dbc is not None:
        try:
            dbc.close()
        except Exception:  # noqa: BLE001 - already broken
            pass
    return None
