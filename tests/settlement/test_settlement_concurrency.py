"""Two finance staff closing at once give one result; a SIGKILL halfway through a close leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import AuditRecord
from marketplace.models.settlement import BilledLine, LedgerTransaction, SettlementPeriod, Statement, StatementLine
from marketplace.pause import PAUSE_ENV
from marketplace.settlement.close import close_period
from marketplace.settlement.verify import verify_ledger
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


def test_sigkill_halfway_leaves_nothing_and_a_rerun_finishes(app, session, books, db_url):
    _arrange(books)
    before = _counts(session)
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
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert len(out.strip().splitlines()) == 4
    check = _flask(db_url, "verify-ledger")
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, err
    assert _counts(session)[1:] == [10, 17, 4, 33]
