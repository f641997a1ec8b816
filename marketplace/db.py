"""Engine and session factory for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import select
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 15000


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and IMMEDIATE transactions.

    A request that finds the database busy waits `busy_timeout_ms` for it (SQLite's write lock), then fails
    with OperationalError, which the web layer answers with 503 (see `database_trouble`). PostgreSQL
    connections are pinged when taken from the pool, so a restarted server costs no failed request (the
    gateway's own connections, out of the pool, are checked with `server_closed`).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _tune_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Take the write lock at BEGIN: WAL readers never block, and writers never deadlock on upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode != "NONE":  # NONE: autocommit each statement (test inspection, read-only tools)
            conn.exec_driver_sql(f"BEGIN {mode}")


_BUSY = ("database is locked", "database table is locked", "database is busy", "lock timeout",
         "could not obtain lock", "deadlock detected")
# The database refuses to write: SQLite's file opened read-only (or query_only) or its disk full; PostgreSQL in a
# read-only transaction (a standby, default_transaction_read_only) or out of disk space.
_SQLITE_UNWRITABLE = ("attempt to write a readonly database", "database or disk is full")
_PG_UNWRITABLE = {"25006", "53100"}  # read_only_sql_transaction, disk_full


def database_trouble(exc: BaseException) -> str | None:
    """'busy', 'unavailable' (no connection), 'unwritable' (read-only or disk full), or None.

    busy: the database stayed locked past the busy timeout. Every kind means the request's transaction was
    rolled back and nothing of it was saved: the web layer answers 503 saying so (web/errors.py).
    Takes SQLAlchemy's wrapped errors and the raw DB-API errors of the gateway's driver-level writes alike, and
    looks behind a database error raised while handling one: SQLite rolls the whole transaction back itself when
    its disk is full, so leaving a savepoint then fails with "no such savepoint", which hides the cause.
    Any other database error (a wrong query, a missing table) is a bug: None, so it stays a 500.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        orig = getattr(exc, "orig", None) or exc
        module = type(orig).__module__.split(".", 1)[0]
        if module not in ("sqlite3", "psycopg", "psycopg2"):
            return None
        kind = _trouble(orig, module)
        if kind is not None:
            return kind
        exc = exc.__cause__ or exc.__context__
    return None


def _trouble(orig: BaseException, module: str) -> str | None:
    if module != "sqlite3" and getattr(orig, "sqlstate", None) in _PG_UNWRITABLE:
        return "unwritable"
    if not _is_operational(orig):
        return None
    text = str(orig).lower()
    if any(marker in text for marker in _BUSY):
        return "busy"
    if module == "sqlite3":
        if any(marker in text for marker in _SQLITE_UNWRITABLE):
            return "unwritable"
        return "unavailable" if "unable to open" in text or "disk i/o" in text else None
    return "unavailable"  # psycopg: connection refused, server closed the connection, too many clients, ...


def _is_operational(orig: BaseException) -> bool:
    """An OperationalError or one of its subclasses (psycopg's AdminShutdown when the server shuts down, ...)."""
    return any(cls.__name__ == "OperationalError" for cls in type(orig).__mro__)


def server_closed(dbapi_conn) -> bool:
    """True when the server has ended this idle PostgreSQL connection (it restarted); costs no round trip.

    The pool pings its connections when they are taken (pool_pre_ping); the gateway keeps its own connections out
    of the pool (one per thread, and the group committer's), and pinging them before every call would cost a
    round trip per call. Between two queries the server sends an idle connection nothing, unless it ends the
    session (a shutdown's FATAL message, then end of file), so one non-blocking poll of the socket tells: readable
    means gone (at worst a needless reconnect). SQLite connections: always False.
    """
    if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        return True
    pgconn = getattr(dbapi_conn, "pgconn", None)
    if pgconn is None:
        return False
    try:
        readable, _w, _x = select.select([pgconn.socket], [], [], 0)
    except Exception:  # noqa: BLE001 - no socket: the connection is bad
        return True
    return bool(readable)


def is_sqlite(session: Session) -> bool:
    """True when the session talks to SQLite."""
    return session.get_bind().dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine):
    """A session for CLI commands and scripts, closed at the end."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
