"""The report's figures computed by hand: costs, corrections, taxes, carry-over, actual revenue, forecast."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.models import AuditRecord
from marketplace.models.returns import CostEntry
from marketplace.returns.costs import CostIn, add_cost, correct_cost
from marketplace.returns.errors import ReturnError
from marketplace.returns.report import compute_report
from tests.factories import make_product
from tests.returns.conftest import TODAY

# A sale of ¥106.00 (VAT ¥6.00): platform fee 5% of ¥100.00 = ¥5.00; the operator gets ¥95.00 + ¥6.00 VAT.
SALE, OPERATOR_SHARE = 10600, 10100


def _report(session, books, year=2026):
    return compute_report(session, operator_id=books.operator.id, year=year, on=TODAY)


def test_costs_taxes_and_actual_revenue(session, books):
    books.cost(1_000_000, category="labour")
    books.cost(200_000, category="compute_storage", product=books.product)
    books.cost(50_000, category="taxes")
    books.order(SALE, paid="2026-03-10")
    books.order(SALE, paid="2026-05-10")
    books.settle("2026-03", "2026-05")
    r = _report(session, books)
    assert r.cost_fen == 1_200_000 and r.taxes_fen == 50_000
    assert r.profit_fen == 96_000  # 1,200,000 × 8%
    assert r.allowed_fen == 1_200_000 + 96_000 + 50_000
    assert r.actual_fen == 2 * OPERATOR_SHARE
    assert r.headroom_fen == 1_346_000 - 2 * OPERATOR_SHARE and r.excess_fen == 0
    assert r.costs["labour"] == 1_000_000 and r.costs["compute_storage"] == 200_000
    assert [m[1] for m in r.months[:5]] == [0, 0, OPERATOR_SHARE, 0, OPERATOR_SHARE]
    assert r.months[-1][2] == 2 * OPERATOR_SHARE  # cumulative
    row = next(p for p in r.products if p.product_id == books.product.id)
    assert (row.units, row.revenue_fen, row.attributed_cost_fen) == (1 + 1, 2 * OPERATOR_SHARE, 200_000)
    assert row.caps and row.prices[0][0] == "per_call_flat"
    # the year runs: 5 months confirmed → forecast 20,200 + 20,200 × 7 / 5 = 48,480
    assert r.running and r.months_covered == 5 and r.forecast_fen == 48_480 and not r.forecast_passes


def test_forecast_passes_allowed_revenue(session, books):
    books.cost(10_000)  # allowed 10,800
    books.order(SALE, paid="2026-02-10")
    books.settle("2026-01", "2026-02")
    r = _report(session, books)
    assert r.actual_fen == OPERATOR_SHARE and r.headroom_fen == 700
    assert r.forecast_fen == OPERATOR_SHARE * 6 and r.forecast_passes


def test_forecast_of_an_operator_that_started_mid_year_counts_its_months_only(session, books):
    """Agreement from 1 September: September and October confirmed are 2 months of operation, 2 remain (Nov, Dec)."""
    books.agreement.start_date = date(2026, 9, 1)
    session.commit()
    books.cost(10_000_000)
    books.order(SALE, paid="2026-10-10")
    books.settle("2026-09", "2026-10")
    r = _report(session, books)
    assert r.months_covered == 10  # the cumulative line runs to October
    assert (r.months_operated, r.months_remaining) == (2, 2)
    # run rate 10,100 ÷ 2 = 5,050 a month; forecast 10,100 + 10,100 × 2 / 2 = 20,200 (not × 2 / 10 = 12,120)
    assert r.run_rate_fen == 5_050 and r.forecast_fen == 20_200


def test_forecast_stops_at_the_agreement_end(session, books):
    """An agreement that ends on 31 October earns nothing after it: the forecast is the revenue to date."""
    books.agreement.end_date = date(2026, 10, 31)
    session.commit()
    books.order(SALE, paid="2026-02-10")
    books.settle("2026-01", "2026-02")
    r = _report(session, books)
    assert (r.months_operated, r.months_remaining) == (2, 8)  # March to October
    assert r.forecast_fen == OPERATOR_SHARE * 5  # 10,100 + 10,100 × 8 / 2


def test_a_correction_is_a_new_entry_and_may_be_negative(session, books):
    entry = books.cost(500_000)
    fix = correct_cost(
        session,
        actor=books.actor,
        operator_id=books.operator.id,
        entry_id=entry.id,
        amount_fen=-120_000,
        note="重复计入的外包费",
        spent_on=date(2026, 4, 1),
        today=TODAY,
    )
    session.commit()
    assert session.get(CostEntry, entry.id).amount_fen == 500_000  # never edited
    assert fix.corrects_id == entry.id and fix.category == entry.category
    assert _report(session, books).cost_fen == 380_000
    with pytest.raises(ReturnError) as refused:
        correct_cost(
            session,
            actor=books.actor,
            operator_id=books.operator.id,
            entry_id=entry.id,
            amount_fen=-380_001,
            note="过多",
            spent_on=date(2026, 4, 2),
            today=TODAY,
        )
    assert refused.value.field == "amount"
    session.rollback()
    actions = session.execute(select(AuditRecord.action).where(AuditRecord.object_type == "cost_entry")).scalars()
    assert list(actions) == ["cost.add", "cost.correct"]


def test_carry_over_larger_than_a_year_keeps_carrying(session, books):
    # 2025: cost ¥50.00 → allowed 5,400; ten sales settled → actual 101,000 → excess 95,600
    books.cost(5_000, year=2025)
    for month in range(1, 11):
        books.order(SALE, paid=f"2025-{month:02d}-10")
    books.settle(*[f"2025-{m:02d}" for m in range(1, 11)])
    last = _report(session, books, year=2025)
    assert (last.allowed_fen, last.actual_fen, last.excess_fen) == (5_400, 10 * OPERATOR_SHARE, 95_600)
    assert not last.running and last.forecast_fen is None
    # 2026: cost ¥500 + taxes ¥10 → base 54,000 + 1,000 = 55,000, less 95,600 carried → 0 allowed, 40,600 carries on
    books.cost(50_000)
    books.cost(1_000, category="taxes")
    r = _report(session, books)
    assert r.carried_in_fen == 95_600 and r.allowed_fen == 0 and r.excess_fen == 40_600


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CostIn("nope", 100, date(2026, 1, 1), "说明"), "category"),
        (CostIn("labour", 0, date(2026, 1, 1), "说明"), "amount"),
        (CostIn("labour", -5, date(2026, 1, 1), "说明"), "amount"),
        (CostIn("labour", 100, date(2025, 12, 31), "说明"), "spent_on"),
        (CostIn("labour", 100, date(2026, 1, 1), "  "), "note"),
    ],
)
def test_refused_entries_save_nothing(session, books, data, field):
    with pytest.raises(ReturnError) as refused:
        add_cost(session, actor=books.actor, operator_id=books.operator.id, year=2026, data=data, today=TODAY)
    assert refused.value.field == field
    session.rollback()
    assert session.execute(select(CostEntry)).first() is None


def test_taxes_and_foreign_products_are_not_attributed(session, books):
    other = make_product(session)
    for data in (
        CostIn("labour", 100, date(2026, 1, 1), "x", other.id),
        CostIn("taxes", 100, date(2026, 1, 1), "x", books.product.id),
    ):
        with pytest.raises(ReturnError) as refused:
            add_cost(session, actor=books.actor, operator_id=books.operator.id, year=2026, data=data, today=TODAY)
        assert refused.value.field == "product_id"
        session.rollback()
