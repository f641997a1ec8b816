"""Sealed daily usage receipts: sealing is idempotent, a late call reseals its day, bills are the same either way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from marketplace.billing.errors import BillingError
from marketplace.billing.receipts import day_usage, seal_day
from marketplace.billing.run import bill_usage
from marketplace.clock import FixedClock, use_clock
from marketplace.gateway.usage import receipt_digest
from marketplace.models.billing import UsageBill, UsageReceipt
from marketplace.models.metering import UsageEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events, count

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}
GRADUATED = {
    "form": "per_call_graduated",
    "tiers": [{"up_to": 3, "unit_price_fen": "100"}, {"up_to": None, "unit_price_fen": "10"}],
}


def _ids(session, ent, day: str) -> list[str]:
    query = select(UsageEvent.request_id).where(
        UsageEvent.entitlement_id == ent.id, UsageEvent.day == day, UsageEvent.billable.is_(True)
    )
    return list(session.execute(query).scalars())


def _receipts(session) -> dict[tuple[int, str], tuple[int, str, datetime]]:
    session.expire_all()
    rows = session.execute(select(UsageReceipt)).scalars()
    return {(r.entitlement_id, r.day): (r.calls, r.sha256, r.sealed_at) for r in rows}


def _seal(session, day: str) -> int:
    n = seal_day(session, day=date.fromisoformat(day), today=TODAY)
    session.commit()
    return n


def test_sealing_a_day_stores_each_entitlements_receipt_once(session, api):
    a, b = api(FLAT), api(FLAT)
    add_events(session, a.ent, ["2026-10-02"] * 3 + ["2026-10-03"])
    add_events(session, b.ent, ["2026-10-02"] * 2)
    add_events(session, b.ent, ["2026-10-02"], billable=False)  # not billable: not in the receipt
    assert _seal(session, "2026-10-02") == 2
    first = _receipts(session)
    assert {k: v[:2] for k, v in first.items()} == {
        (a.ent.id, "2026-10-02"): (3, receipt_digest(_ids(session, a.ent, "2026-10-02"))),
        (b.ent.id, "2026-10-02"): (2, receipt_digest(_ids(session, b.ent, "2026-10-02"))),
    }
    assert _seal(session, "2026-10-02") == 2
    assert _receipts(session) == first  # sealing again changes nothing, not even the time sealed


def test_a_day_that_has_not_ended_is_not_sealed(session, api):
    add_events(session, api(FLAT).ent, ["2026-10-31"])
    with pytest.raises(BillingError):
        seal_day(session, day=date(2026, 11, 1), today=TODAY)
    assert count(session, UsageReceipt) == 0


def test_a_late_call_reseals_only_its_day_and_entitlement(session, api):
    a, b = api(FLAT), api(FLAT)
    add_events(session, a.ent, ["2026-10-02", "2026-10-03"])
    add_events(session, b.ent, ["2026-10-02"])
    _seal(session, "2026-10-02")
    _seal(session, "2026-10-03")
    before = _receipts(session)
    add_events(session, a.ent, ["2026-10-02"])  # arrives after the day was sealed
    usage = day_usage(session, first=date(2026, 10, 1), last=date(2026, 10, 31))
    session.commit()
    after = _receipts(session)
    assert after[(a.ent.id, "2026-10-02")][:2] == (2, receipt_digest(_ids(session, a.ent, "2026-10-02")))
    assert after[(a.ent.id, "2026-10-02")][1] != before[(a.ent.id, "2026-10-02")][1]
    assert after[(a.ent.id, "2026-10-03")] == before[(a.ent.id, "2026-10-03")]  # untouched
    assert after[(b.ent.id, "2026-10-02")] == before[(b.ent.id, "2026-10-02")]
    assert (
        usage[a.ent.id]["2026-10-02"].calls == 2
        and usage[a.ent.id]["2026-10-02"].digest == after[(a.ent.id, "2026-10-02")][1]
    )


def _bills(session) -> list[tuple]:
    session.expire_all()
    rows = session.execute(select(UsageBill).order_by(UsageBill.entitlement_id, UsageBill.sequence)).scalars()
    return [(b.entitlement_id, b.sequence, b.calls, b.amount_fen, json.loads(b.receipts)) for b in rows]


def _month(session, api):
    a, b = api(GRADUATED), api(FLAT)
    add_events(session, a.ent, ["2026-10-01"] * 2 + ["2026-10-15"] * 3 + ["2026-10-31"])
    add_events(session, b.ent, ["2026-10-15"] * 4)
    return a, b


def test_bills_from_sealed_days_equal_bills_from_the_request_ids(session, api):
    a, b = _month(session, api)
    expected = [
        (
            a.ent.id,
            1,
            6,
            3 * 100 + 3 * 10,
            [
                {"day": d, "calls": n, "sha256": receipt_digest(_ids(session, a.ent, d))}
                for d, n in (("2026-10-01", 2), ("2026-10-15", 3), ("2026-10-31", 1))
            ],
        ),
        (
            b.ent.id,
            1,
            4,
            200,
            [{"day": "2026-10-15", "calls": 4, "sha256": receipt_digest(_ids(session, b.ent, "2026-10-15"))}],
        ),
    ]
    bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)  # nothing sealed before: billing seals
    session.commit()
    assert _bills(session) == expected
    assert count(session, UsageReceipt) == 4
    session.execute(UsageBill.__table__.delete())
    session.commit()
    bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)  # every day sealed now: reused
    session.commit()
    assert _bills(session) == expected
    # PostgreSQL writes the list in SQL: byte for byte json.dumps's form, as SQLite's Python writes it
    texts = session.execute(select(UsageBill.receipts).order_by(UsageBill.entitlement_id)).scalars().all()
    assert texts == [json.dumps(bill[4]) for bill in expected]


def test_days_sealed_nightly_and_days_not_sealed_bill_alike(session, api):
    a, b = _month(session, api)
    _seal(session, "2026-10-01")  # the nightly run sealed some days only
    _seal(session, "2026-10-15")
    bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    [bill_a, bill_b] = _bills(session)
    assert bill_a[:4] == (a.ent.id, 1, 6, 330) and bill_b[:4] == (b.ent.id, 1, 4, 200)
    assert [r["day"] for r in bill_a[4]] == ["2026-10-01", "2026-10-15", "2026-10-31"]
    assert bill_a[4][2]["sha256"] == receipt_digest(_ids(session, a.ent, "2026-10-31"))
    assert count(session, UsageReceipt) == 4


def test_a_late_call_on_a_sealed_day_gets_a_supplementary_bill_with_the_resealed_receipt(session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-05"] * 2)
    _seal(session, "2026-10-05")
    [first] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    add_events(session, a.ent, ["2026-10-05"])  # late: the day was sealed and billed
    [late] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    digest = receipt_digest(_ids(session, a.ent, "2026-10-05"))
    assert (late.sequence, late.adjusts_bill_id, late.calls, late.amount_fen) == (2, first.id, 1, 50)
    assert json.loads(late.receipts) == [{"day": "2026-10-05", "calls": 3, "sha256": digest}]
    assert json.loads(first.receipts)[0]["sha256"] != digest  # the issued bill keeps what it was issued with
    assert _receipts(session)[(a.ent.id, "2026-10-05")][:2] == (3, digest)
    assert bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY) == []


def test_calls_under_two_plan_versions_on_sealed_days_are_refused(session, api):
    a, other = api(FLAT), api(FLAT)
    add_events(session, a.ent, ["2026-10-05"])
    _seal(session, "2026-10-05")
    add_events(session, a.ent, ["2026-10-05"])
    late = session.execute(select(UsageEvent).order_by(UsageEvent.id.desc()).limit(1)).scalar_one()
    late.plan_id = other.ent.plan_id  # arrange: a call carrying another plan version
    session.commit()
    with pytest.raises(BillingError):
        bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.rollback()
    assert count(session, UsageBill) == 0


def test_seal_usage_cli_seals_yesterday_or_a_given_day(runner, session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-02"] * 2 + ["2026-10-30"])
    result = runner.invoke(args=["seal-usage", "2026-10-02"])
    assert (result.exit_code, result.output) == (0, "2026-10-02 1\n")
    with use_clock(FixedClock(datetime(2026, 10, 31, 1, tzinfo=UTC))):  # 31 October in Shanghai
        result = runner.invoke(args=["seal-usage"])
        assert (result.exit_code, result.output) == (0, "2026-10-30 1\n")
        for bad in ("2026-10-31", "31/10/2026"):  # not ended yet; not a date
            assert runner.invoke(args=["seal-usage", bad]).exit_code == 2
    assert sorted(_receipts(session)) == [(a.ent.id, "2026-10-02"), (a.ent.id, "2026-10-30")]
