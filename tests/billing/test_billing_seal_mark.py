"""The seal mark: billing checks sealed days only for events above it, so it must never pass an event it missed.

The nightly seal raises the mark to the highest event id handed out, after every transaction that may still
insert a lower id has ended (PostgreSQL takes ids from a sequence before commit), and rechecks the sealed days'
events below the new mark first. A late call then either lies above the mark or has been sealed already.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.billing import receipts
from marketplace.billing.receipts import seal_day, seal_mark
from marketplace.billing.run import bill_usage
from marketplace.gateway.usage import receipt_digest
from marketplace.models.billing import UsageReceipt
from marketplace.models.metering import UsageEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


def _seal(session, day: str) -> None:
    seal_day(session, day=date.fromisoformat(day), today=TODAY)
    session.commit()


def _last_event_id(session) -> int:
    return session.execute(select(func.max(UsageEvent.id))).scalar_one()


def _receipt(session, ent, day: str) -> tuple[int, str]:
    session.expire_all()
    row = session.execute(
        select(UsageReceipt).where(UsageReceipt.entitlement_id == ent.id, UsageReceipt.day == day)
    ).scalar_one()
    return row.calls, row.sha256


def _digest(session, ent, day: str) -> str:
    ids = session.execute(
        select(UsageEvent.request_id).where(UsageEvent.entitlement_id == ent.id, UsageEvent.day == day)
    ).scalars()
    return receipt_digest(list(ids))


def test_the_nightly_seal_raises_the_mark_and_first_reseals_late_calls_below_it(session, api):
    a, b = api(FLAT), api(FLAT)
    add_events(session, a.ent, ["2026-10-02"] * 2)
    assert seal_mark(session) == 0
    _seal(session, "2026-10-02")
    assert seal_mark(session) == _last_event_id(session)
    add_events(session, a.ent, ["2026-10-02"])  # late for a sealed day
    add_events(session, b.ent, ["2026-10-02"])  # late, and b had no receipt that day
    add_events(session, a.ent, ["2026-10-03"] * 4)
    _seal(session, "2026-10-03")  # the next night: the late calls lie below the new mark, so they are sealed now
    assert seal_mark(session) == _last_event_id(session)
    assert _receipt(session, a.ent, "2026-10-02") == (3, _digest(session, a.ent, "2026-10-02"))
    assert _receipt(session, b.ent, "2026-10-02") == (1, _digest(session, b.ent, "2026-10-02"))
    add_events(session, b.ent, ["2026-10-03"])  # late again, above the mark: billing finds it
    bills = {bill.entitlement_id: bill for bill in bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)}
    assert (bills[a.ent.id].calls, bills[a.ent.id].amount_fen) == (7, 350)
    assert (bills[b.ent.id].calls, bills[b.ent.id].amount_fen) == (2, 100)
    assert json.loads(bills[b.ent.id].receipts)[1] == {
        "day": "2026-10-03", "calls": 1, "sha256": _digest(session, b.ent, "2026-10-03")}


def test_sealing_a_day_again_keeps_the_mark_where_it_is_when_nothing_arrived(session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-02"])
    _seal(session, "2026-10-02")
    mark = seal_mark(session)
    _seal(session, "2026-10-02")
    assert seal_mark(session) == mark


@pytest.fixture
def pg_only(backend):
    if backend != "postgresql":
        pytest.skip("SQLite hands out ids under its single write lock: no id is taken before another commits")


def _hold_an_event(engine, ent, key_id: int, day: str, *, seconds: float, inserted: threading.Event,
                   errors: list) -> None:
    """Insert one billable event for the day and commit it only `seconds` later (a slow gateway transaction)."""
    try:
        with Session(engine) as s:
            add = UsageEvent(request_id=f"req_slow_{day}_{seconds}", api_key_id=key_id, entitlement_id=ent.id,
                             product_id=ent.product_id, buyer_org_id=ent.buyer_org_id, plan_id=ent.plan_id, day=day,
                             status=200, billable=True, records=1)
            s.add(add)
            s.flush()  # its id is taken now
            inserted.set()
            time.sleep(seconds)
            s.commit()
    except Exception as e:  # noqa: BLE001  (reported by the test)
        errors.append(e)


@pytest.mark.parametrize("hold", [0.4, receipts.SETTLE_WAIT_SECONDS + 1.0], ids=["commits-while-waiting", "too-slow"])
def test_an_event_committed_while_the_seal_runs_is_never_passed_by_the_mark(app, session, api, pg_only, hold):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-02"] * 2)
    _seal(session, "2026-10-02")
    key_id = session.execute(select(UsageEvent.api_key_id).limit(1)).scalar_one()
    inserted, errors = threading.Event(), []
    slow = threading.Thread(target=_hold_an_event, args=(app.extensions["engine"], a.ent, key_id, "2026-10-02"),
                            kwargs=dict(seconds=hold, inserted=inserted, errors=errors))
    slow.start()
    assert inserted.wait(10)
    add_events(session, a.ent, ["2026-10-03"])  # a higher id, committed before the slow one
    started = time.monotonic()
    _seal(session, "2026-10-03")
    waited = time.monotonic() - started
    slow.join(10)
    assert errors == []
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    assert (bill.calls, bill.amount_fen) == (4, 200)  # the slow call is billed
    if hold < receipts.SETTLE_WAIT_SECONDS:  # the seal waited for it, so it is sealed below the new mark
        assert waited >= hold * 0.5
        assert seal_mark(session) == _last_event_id(session)
        assert _receipt(session, a.ent, "2026-10-02")[0] == 3
    else:  # the seal gave up waiting and left the mark below the slow event
        assert seal_mark(session) < _last_event_id(session)


def test_the_seal_raises_the_mark_while_the_gateway_keeps_committing_calls(app, session, api, pg_only):
    # Only the transactions open when the seal read the sequence are waited for, so a steady stream of short ones
    # does not hold it up; every call committed meanwhile (late calls for a sealed day) is still billed.
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-02"])
    _seal(session, "2026-10-02")
    key_id = session.execute(select(UsageEvent.api_key_id).limit(1)).scalar_one()
    engine, stop, errors, written = app.extensions["engine"], threading.Event(), [], []

    def gateway(worker: int) -> None:
        try:
            with Session(engine) as s:
                n = 0
                while not stop.is_set():
                    s.add(UsageEvent(request_id=f"req_load_{worker}_{n}", api_key_id=key_id, entitlement_id=a.ent.id,
                                     product_id=a.ent.product_id, buyer_org_id=a.ent.buyer_org_id,
                                     plan_id=a.ent.plan_id, day="2026-10-02", status=200, billable=True, records=1))
                    s.commit()
                    n += 1
                written.append(n)
        except Exception as e:  # noqa: BLE001  (reported by the test)
            errors.append(e)

    threads = [threading.Thread(target=gateway, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    before = seal_mark(session)  # the first seal's, below every call the writers commit
    started = time.monotonic()
    _seal(session, "2026-10-03")
    waited = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join(10)
    assert errors == [] and sum(written) > 0
    assert waited < receipts.SETTLE_WAIT_SECONDS
    assert seal_mark(session) > before  # raised past calls committed during the load (a timeout leaves it)
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    assert bill.calls == 1 + sum(written)
