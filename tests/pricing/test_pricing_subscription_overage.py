"""Subscriptions with included calls per month and an overage price per call beyond them (超出订阅包含次数)."""

from decimal import Decimal

import pytest

from pricing import InvalidPlan, PlanTerms, charge_usage

OVERAGE = {"form": "subscription_month", "price_fen": 9900, "period_months": 1, "free_quota": 1000,
           "unit_price_fen": "5"}


def test_calls_beyond_the_included_ones_are_charged_at_the_overage_price():
    terms = PlanTerms.from_dict(OVERAGE)
    charge = charge_usage(terms, units=1250)
    assert (charge.free_units, charge.billable_units, charge.amount_fen) == (1000, 250, 1250)
    assert [(ln.description, ln.units, ln.unit_price_fen) for ln in charge.lines] == [
        ("订阅包含次数", 1000, Decimal(0)), ("超出订阅包含次数", 250, Decimal(5))]


def test_within_the_included_calls_nothing_is_charged():
    assert charge_usage(PlanTerms.from_dict(OVERAGE), units=1000).amount_fen == 0


def test_a_subscription_without_overage_still_includes_every_call():
    terms = PlanTerms.from_dict({"form": "subscription_year", "price_fen": 99000, "period_months": 12})
    assert charge_usage(terms, units=10**6).amount_fen == 0


@pytest.mark.parametrize("missing", ["free_quota", "unit_price_fen"])
def test_overage_needs_both_the_included_calls_and_the_price(missing):
    data = {k: v for k, v in OVERAGE.items() if k != missing}
    with pytest.raises(InvalidPlan) as e:
        PlanTerms.from_dict(data)
    assert "包含次数" in e.value.text and "超出单价" in e.value.text
