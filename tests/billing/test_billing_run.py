"""bill-usage as a use case: one bill per postpaid entitlement and month, idempotent, supplementary bills."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.billing.errors import BillingError
from marketplace.billing.run import bill_usage
from marketplace.gateway.usage import daily_receipts, receipt_digest
from marketplace.models import AuditRecord, CapPrice, Organization, UseType
from marketplace.models.accounts import TaxpayerKind
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.metering import UsageEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events, count

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}
TIERS = [{"up_to": 10, "unit_price_fen": "100"}, {"up_to": None, "unit_price_fen": "50"}]


def _bill(session, **kw) -> list[UsageBill]:
    bills = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY, **kw)
    session.commit()
    return bills


def test_a_month_of_flat_calls_gets_one_bill_with_vat_due_date_and_receipts(session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-01"] * 3 + ["2026-10-31"] * 2)
    add_events(session, a.ent, ["2026-10-02"], billable=False)  # a 404: not billed (R9)
    add_events(session, a.ent, ["2026-09-30", "2026-11-01"])  # other months
    [bill] = _bill(session)
    assert (bill.period, bill.sequence, bill.calls, bill.amount_fen) == (PERIOD, 1, 5, 250)
    assert bill.vat_rate_bps == 600 and bill.vat_fen == 14  # 250 − round(250 / 1.06) = 250 − 236
    assert bill.due_date == date(2026, 11, 16) and bill.status == BillStatus.ISSUED
    assert bill.number == "ZD202610-000001" and bill.bank_reference.startswith("ZD")
    assert (bill.buyer_org_id, bill.product_id, bill.plan_id) == (a.buyer.id, a.product.id, a.ent.plan_id)
    ids = session.execute(select(UsageEvent.request_id).where(UsageEvent.day == "2026-10-01")).scalars().all()
    receipts = json.loads(bill.receipts)
    assert [(r["day"], r["calls"]) for r in receipts] == [("2026-10-01", 3), ("2026-10-31", 2)]
    assert receipts[0]["sha256"] == receipt_digest(list(ids))
    audit = session.execute(select(AuditRecord).where(AuditRecord.action == "bill.issue")).scalars().all()
    assert [r.object_id for r in audit] == [str(bill.id)]


def test_bill_receipts_are_the_usage_pages_receipts(session, api):
    a = api(FLAT)  # the buyer's only entitlement: its receipts on the usage page are the bill's
    add_events(session, a.ent, ["2026-10-01"] * 4 + ["2026-10-17"] * 2)
    [bill] = _bill(session)
    page = daily_receipts(session, buyer_org_id=a.buyer.id, since=date(2026, 10, 1), until=date(2026, 10, 31))
    assert [(r["day"], r["calls"], r["sha256"]) for r in json.loads(bill.receipts)] == [
        (r.day, r.count, r.digest) for r in reversed(page)]


def test_vat_is_at_the_sellers_rate(session, api):
    a = api(FLAT)
    operator = session.get(Organization, a.product.operator_id)
    operator.taxpayer_kind = TaxpayerKind.SMALL
    session.commit()
    add_events(session, a.ent, ["2026-10-05"] * 4)
    [bill] = _bill(session)
    assert (bill.amount_fen, bill.vat_rate_bps, bill.vat_fen) == (200, 100, 2)  # 200 − round(200 / 1.01)


def test_billing_twice_changes_nothing(session, api):
    a = api({"form": "per_call_graduated", "tiers": TIERS})
    add_events(session, a.ent, ["2026-10-03"] * 12)
    [bill] = _bill(session)
    assert bill.amount_fen == 10 * 100 + 2 * 50
    assert _bill(session) == [] and _bill(session, due_days=30) == []
    assert count(session, UsageBill) == 1 and count(session, AuditRecord) > 0
    assert session.get(UsageBill, bill.id).due_date == bill.due_date


def test_late_usage_gets_a_supplementary_bill_and_the_first_stays_as_issued(session, api):
    a = api({"form": "per_call_graduated", "tiers": TIERS})
    add_events(session, a.ent, ["2026-10-03"] * 8)
    [first] = _bill(session)
    assert first.amount_fen == 800
    add_events(session, a.ent, ["2026-10-30"] * 4)  # arrives after the bill: calls 9–12, crossing into band 2
    [late] = _bill(session)
    assert (late.sequence, late.adjusts_bill_id, late.calls) == (2, first.id, 4)
    assert late.amount_fen == (10 * 100 + 2 * 50) - 800  # the month re-rated, minus what was billed
    assert json.loads(late.lines)[-1] == {"description": f"减：已出账单 {first.number}", "units": 0,
                                          "unit_price_fen": "0", "exact_fen": "-800", "amount_fen": -800}
    session.expire_all()
    again = session.get(UsageBill, first.id)
    assert (again.amount_fen, again.calls, again.lines) == (800, 8, first.lines)
    assert _bill(session) == []


def test_late_usage_that_lowers_a_volume_tier_is_a_credit_with_nothing_to_pay(session, api):
    a = api({"form": "per_call_volume", "tiers": TIERS})
    add_events(session, a.ent, ["2026-10-03"] * 10)
    [first] = _bill(session)
    add_events(session, a.ent, ["2026-10-04"])  # 11 calls: all at ¥0.50 = 550 < 1000 billed
    [late] = _bill(session)
    assert late.amount_fen == 550 - 1000 and late.status == BillStatus.PAID


def test_only_postpaid_industry_entitlements_are_billed(session, api):
    prepaid = api({"form": "prepaid_calls", "price_fen": 1000, "package_calls": 100})
    sub = api({"form": "subscription_month", "price_fen": 9900, "period_months": 1})
    public = api(FLAT, use=UseType.PUBLIC)
    record = api({"form": "per_record", "unit_price_fen": "10"})
    for x in (prepaid, sub, public):
        add_events(session, x.ent, ["2026-10-01"] * 2)
    add_events(session, record.ent, ["2026-10-01"] * 2, records=7)
    [bill] = _bill(session)
    assert (bill.entitlement_id, bill.calls, bill.records, bill.amount_fen) == (record.ent.id, 2, 14, 140)


def test_subscription_overage_is_billed_beyond_the_included_calls(session, api):
    a = api({"form": "subscription_month", "price_fen": 9900, "period_months": 1, "free_quota": 3,
             "unit_price_fen": "5"})
    add_events(session, a.ent, ["2026-10-01"] * 2 + ["2026-10-02"] * 3)
    [bill] = _bill(session)
    assert (bill.calls, bill.amount_fen) == (5, 2 * 5)
    assert [ln["description"] for ln in json.loads(bill.lines)] == ["订阅包含次数", "超出订阅包含次数"]


def test_free_quota_only_usage_gives_a_zero_bill_with_nothing_to_pay(session, api):
    a = api({**FLAT, "free_quota": 100})
    add_events(session, a.ent, ["2026-10-01"] * 3)
    [bill] = _bill(session)
    assert (bill.amount_fen, bill.status) == (0, BillStatus.PAID)


def test_a_cap_lowered_mid_month_prices_the_later_days_at_it(session, api):
    a = api(FLAT)  # ¥0.50 per call
    session.add(CapPrice(product_id=a.product.id, charge_form="per_call_flat", cap_fen=Decimal(80),
                         effective_from=datetime(2026, 9, 1, tzinfo=UTC)))
    # lowered to ¥0.30, in force from 2026-10-16 Shanghai (16:00 UTC on the 15th is midnight in Shanghai)
    session.add(CapPrice(product_id=a.product.id, charge_form="per_call_flat", cap_fen=Decimal(30),
                         effective_from=datetime(2026, 10, 15, 16, 0, tzinfo=UTC)))
    session.commit()
    add_events(session, a.ent, ["2026-10-15"] * 2 + ["2026-10-16"] * 3)
    [bill] = _bill(session)
    assert bill.amount_fen == 2 * 50 + 3 * 30


def test_an_expired_trial_cap_no_longer_holds(session, api):
    a = api(FLAT)
    session.add(CapPrice(product_id=a.product.id, charge_form="per_call_flat", cap_fen=Decimal(20), trial=True,
                         trial_expires=date(2026, 10, 10), effective_from=datetime(2026, 9, 1, tzinfo=UTC)))
    session.commit()
    add_events(session, a.ent, ["2026-10-10", "2026-10-11"])
    [bill] = _bill(session)
    assert bill.amount_fen == 20 + 50


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_events_stored_in_another_order_give_the_same_bill(session, api, seed):
    events = ["2026-10-01"] * 6 + ["2026-10-02"] * 9 + ["2026-10-20"] * 5
    results = []
    for order in (events, random.Random(seed).sample(events, len(events))):
        a = api({"form": "per_call_graduated", "tiers": TIERS, "free_quota": 3})
        for day in order:
            add_events(session, a.ent, [day])
        [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
        session.commit()
        results.append((bill.amount_fen, bill.calls, bill.lines, [(r["day"], r["calls"]) for r in
                                                                  json.loads(bill.receipts)]))
    assert results[0] == results[1]
    assert results[0][0] == 10 * 100 + 7 * 50


@pytest.mark.parametrize(("period", "message"), [
    ("2026-13", "账期格式"), ("2026/10", "账期格式"), ("", "账期格式"), ("2026-11", "尚未结束"),
    ("2027-01", "尚未结束"),
])
def test_a_bad_or_unfinished_month_is_refused(session, api, period, message):
    with pytest.raises(BillingError) as e:
        bill_usage(session, period=period, actor=ACTOR, today=TODAY)
    assert message in e.value.text and count(session, UsageBill) == 0
