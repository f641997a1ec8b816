"""The group committer: concurrent writes share one transaction, each answered only after it committed."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import text

from marketplace.db import make_engine
from marketplace.gateway.group_commit import GroupCommitter

INSERT = "INSERT INTO gc_probe (id) VALUES (%(id)s) RETURNING txid_current()"


@pytest.fixture
def committer(db_url, backend):
    if backend != "postgresql":
        pytest.skip("group commit is PostgreSQL's")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE gc_probe (id integer PRIMARY KEY)"))
    kept = []

    def connect():
        conn = engine.raw_connection()
        kept.append(conn)
        return conn.dbapi_connection

    yield GroupCommitter(connect), engine
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE gc_probe"))
    engine.dispose()


def _burst(gc, engine, ids: list[int]) -> list[tuple]:
    """Write `ids` concurrently while the writer is held busy, so they queue up and go in one batch."""
    results, lock = [], threading.Lock()

    def write(i: int) -> None:
        try:
            row, count = gc.submit(INSERT, {"id": i})
            with engine.connect() as other:  # answered only once another connection sees it
                seen = other.execute(text("SELECT count(*) FROM gc_probe WHERE id = :i"), {"i": i}).scalar()
            out = ("ok", row[0], count, seen)
        except psycopg.IntegrityError:
            out = ("duplicate", i)
        with lock:
            results.append(out)

    slow = threading.Thread(target=gc.submit, args=("SELECT pg_sleep(0.5)", {}))
    slow.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in [slow, *threads]:
        t.join(30)
    return results


def test_waiting_writes_commit_together(committer):
    gc, engine = committer
    results = _burst(gc, engine, list(range(10)))
    assert len(results) == 10 and all(r[0] == "ok" and r[2] == 1 and r[3] == 1 for r in results)
    assert len({r[1] for r in results}) < 10, "several calls in one transaction"


def test_an_error_stays_with_its_call(committer):
    gc, engine = committer
    _burst(gc, engine, [0])
    results = _burst(gc, engine, [0, 1, 2, 3, 4])  # 0 is there already: its call fails, the others commit
    assert sorted(r for r in results if r[0] == "duplicate") == [("duplicate", 0)]
    assert len([r for r in results if r[0] == "ok" and r[3] == 1]) == 4
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM gc_probe")).scalar() == 5
