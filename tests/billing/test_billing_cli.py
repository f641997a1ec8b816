"""flask bill-usage YYYY-MM and flask suspend-overdue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.models import Entitlement
from marketplace.models.billing import UsageBill
from tests.billing.conftest import PERIOD, add_events, count

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


def test_bill_usage_prints_one_line_per_bill_and_is_idempotent(runner, session, api):
    a, b = api(FLAT), api({"form": "per_record", "unit_price_fen": "10"})
    add_events(session, a.ent, ["2026-10-01"] * 3)
    add_events(session, b.ent, ["2026-10-31"], records=5)
    result = runner.invoke(args=["bill-usage", PERIOD])
    assert result.exit_code == 0, result.output
    bills = session.execute(select(UsageBill).order_by(UsageBill.id)).scalars().all()
    assert result.output.splitlines() == [f"{bills[0].number} {a.buyer.uscc} 150",
                                          f"{bills[1].number} {b.buyer.uscc} 50"]
    again = runner.invoke(args=["bill-usage", PERIOD])
    assert (again.exit_code, again.output) == (0, "") and count(session, UsageBill) == 2


def test_bill_usage_refuses_a_bad_month_with_exit_2(runner, session):
    for bad in ("2026-13", "202610", "next month", "2999-01"):
        result = runner.invoke(args=["bill-usage", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "账期" in result.output
    assert count(session, UsageBill) == 0


def test_suspend_overdue_suspends_entitlements_of_overdue_bills(runner, session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-01"])
    assert runner.invoke(args=["bill-usage", PERIOD]).exit_code == 0
    bill = session.execute(select(UsageBill)).scalar_one()
    bill.due_date = date(2026, 11, 1)  # arrange: a bill already past its due date
    session.commit()
    result = runner.invoke(args=["suspend-overdue"])
    assert result.exit_code == 0 and result.output == f"entitlement #{a.ent.id} suspended by bill {bill.number}\n"
    session.expire_all()
    assert session.get(Entitlement, a.ent.id).overdue_bill == bill.number
    assert runner.invoke(args=["suspend-overdue"]).output == ""
