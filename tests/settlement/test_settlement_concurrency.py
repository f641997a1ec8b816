"""Two finance staff closing at once give one result; a SIGKILL halfway through a close leaves nothing, and the
rerun's books equal those of an uninterrupted close of an identical copy; verify-audit and verify-ledger pass."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, make_url, select
from sqlmodel import Session

from marketplace.db import make_engine
from marketplace.models import AuditRecord
from marketplace.models.settlement import (
    BilledLine,
    LedgerPosting,
    LedgerTransaction,
    SettlementPeriod,
    Statement,
    StatementLine,
)
from marketplace.pause import PAUSE_ENV
from marketplace.settlement.close import close_period
from marketplace.settlement.verify import verify_ledger
from tests.faults.books import assert_books_verify, checkpoint
from tests.pg import _pg_bin
from tests.settlement.conftest import ACTOR

ROOT = Path(__file__).resolve().parents[2]


def _counts(session):
    session.expire_all()
    return [
        session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (SettlementPeriod, BilledLine, LedgerTransaction, Statement, StatementLine)
    ]


def _arrange(books):
    for i in range(5):
        books.order(1000 + i, paid="2026-10-05", broker=i % 2 == 0, commission_bps=800)
        books.bill(700 + i, period="2026-10", issued="2026-11-01", paid=i % 2 == 1)


def test_two_concurrent_closes_give_one_result(app, session, books):
    _arrange(books)
    barrier, results, errors = threading.Barrier(2), [], []

    def close():
        try:
            with Session(app.extensions["engine"], expire_on_commit=False) as s:
                barrier.wait()
                statements = close_period(s, period="2026-10", actor=ACTOR)
                s.commit()
                results.append(sorted((st.number, st.total_fen, st.content_hash) for st in statements))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results[0] == results[1] and len(results[0]) == 4
    # 10 accruals + 5 order receipts + 2 paid bills; lines: 10 each for operator, authority, exchange + 3 broker
    assert _counts(session) == [1, 10, 17, 4, 33]
    closes = session.execute(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "settlement.close")
    ).scalar_one()
    assert closes == 1
    assert verify_ledger(session).ok


def _flask(db_url, *args, pause=None):
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "AUTO_MIGRATE": "0",
        "DEMO_DATA": "0",
        "SECRET_KEY": "test",
        "APP_ENV": "testing",
    }
    env.pop(PAUSE_ENV, None)
    if pause:
        env[PAUSE_ENV] = pause
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def _copy_of(db_url, app, session):
    """An identical copy of the test database (SQLite: the backup API; PostgreSQL: pg_dump into a new database,
    which, unlike CREATE DATABASE … TEMPLATE, works while other sessions of the test run are still connected)."""
    session.close()
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[1]
        src, dst = sqlite3.connect(path), sqlite3.connect(path + ".copy")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        yield f"sqlite:///{path}.copy"
        return
    url = make_url(db_url)
    name = f"close_copy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    client = ["-h", url.host, "-p", str(url.port), "-U", url.username]
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        dump = subprocess.run([_pg_bin("pg_dump"), *client, "--no-owner", url.database], capture_output=True,
                              check=True, timeout=120)
        subprocess.run([_pg_bin("psql"), *client, "-q", "-v", "ON_ERROR_STOP=1", "-d", name], input=dump.stdout,
                       capture_output=True, check=True, timeout=120)
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _books(url):
    """What a close produced, free of row ids (PostgreSQL's sequences advance in a killed transaction too)."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            lines = {b.id: b for b in s.execute(select(BilledLine)).scalars()}
            billed = sorted((b.source_key, b.source.value, b.occurred_on, b.is_adjustment, b.gross_fen, b.vat_fen,
                             b.net_fen, b.platform_fen, b.broker_fen, b.authority_fen, b.operator_fen)
                            for b in lines.values())
            postings = {}
            for p in s.execute(select(LedgerPosting)).scalars():
                postings.setdefault(p.transaction_id, []).append((p.account.value, p.org_id, p.amount_fen))
            ledger = sorted((lines[t.billed_line_id].source_key if t.billed_line_id else t.key,
                             t.key.split(":", 1)[0], sorted(postings.get(t.id, [])))
                            for t in s.execute(select(LedgerTransaction)).scalars())
            statements = {st.id: st for st in s.execute(select(Statement)).scalars()}
            heads = sorted((st.number, st.party_kind.value, st.status.value, st.line_count, st.gross_fen, st.vat_fen,
                            st.net_fen, st.total_fen, st.content_hash) for st in statements.values())
            rows = sorted((statements[sl.statement_id].number, lines[sl.billed_line_id].source_key, sl.share_fen,
                           sl.detail) for sl in s.execute(select(StatementLine)).scalars())
            periods = sorted((p.period, p.status.value) for p in s.execute(select(SettlementPeriod)).scalars())
            closes = s.execute(select(func.count()).select_from(AuditRecord)
                               .where(AuditRecord.action == "settlement.close")).scalar_one()
    finally:
        engine.dispose()
    return {"billed": billed, "ledger": ledger, "statements": heads, "statement_lines": rows, "periods": periods,
            "closes": closes}


def test_sigkill_halfway_leaves_nothing_and_a_rerun_finishes(app, session, books, db_url, runner, tmp_path):
    """A close SIGKILLed halfway leaves nothing; the rerun gives what an uninterrupted close of a copy gives."""
    _arrange(books)
    before = _counts(session)
    mark = checkpoint(runner, tmp_path / "before.json")
    with _copy_of(db_url, app, session) as copy_url:
        proc = _flask(db_url, "close-period", "2026-10", pause="lines_posted")
        try:
            for line in proc.stderr:  # wait until the close has written its lines inside its transaction
                if "paused at lines_posted" in line:
                    break
            else:
                raise AssertionError(f"close-period never paused: {proc.wait()}")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        assert _counts(session) == before  # nothing of the half-done close is left
        rerun = _flask(db_url, "close-period", "2026-10")
        uninterrupted = _flask(copy_url, "close-period", "2026-10")
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
        assert len(out.strip().splitlines()) == 4
        copy_out, copy_err = uninterrupted.communicate(timeout=120)
        assert uninterrupted.returncode == 0, copy_err
        assert sorted(out.splitlines()) == sorted(copy_out.splitlines()), "the same statements and totals"
        assert _books(db_url) == _books(copy_url), "the rerun's books equal an uninterrupted close's"
    assert _counts(session)[1:] == [10, 17, 4, 33]
    assert_books_verify(runner, mark)  # flask verify-audit --checkpoint, flask verify-ledger
