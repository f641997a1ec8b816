"""The pricing desk's pure figures: reference statistics, units, cost-based price, headroom, cap."""

import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import PlanTerms, PricingError, Tier
from pricing.reference import (
    PER_CALL,
    PER_PRODUCT,
    PER_RECORD,
    cost_based_price_fen,
    cost_recovery_fen,
    headroom_effect,
    reference_stats,
    under_cap,
    unit_of,
    unit_price_fen,
)

D = Decimal


@pytest.mark.parametrize(
    "prices, median, q1, q3",
    [
        ([5], D(5), D(5), D(5)),
        ([1, 2], D("1.5"), D("1.25"), D("1.75")),
        ([1, 2, 3, 4], D("2.5"), D("1.75"), D("3.25")),
        ([10, 1, 7, 3, 5], D(5), D(3), D(7)),
        ([D("0.3"), D("0.3"), D("0.5")], D("0.3"), D("0.3"), D("0.4")),
    ],
)
def test_reference_stats_table(prices, median, q1, q3):
    stats = reference_stats(prices, unit=PER_CALL)
    assert (stats.count, stats.median, stats.q1, stats.q3) == (len(prices), median, q1, q3)
    assert (stats.lowest, stats.highest) == (min(map(D, prices)), max(map(D, prices)))


def test_reference_stats_empty():
    stats = reference_stats([], unit=PER_RECORD)
    assert (stats.count, stats.median, stats.q1, stats.lowest, stats.unit) == (0, None, None, None, PER_RECORD)


def _brute_quartile(values: list[Fraction], p: Fraction) -> Fraction:
    """Type 7 by its definition over ranks: the point at rank 1 + (n − 1)·p, linear between neighbours."""
    ranked = sorted(values)
    rank = 1 + (len(ranked) - 1) * p
    below = max(r for r in range(1, len(ranked) + 1) if r <= rank)
    above = min(r for r in range(1, len(ranked) + 1) if r >= rank)
    if below == above:
        return ranked[below - 1]
    return ranked[below - 1] + (rank - below) * (ranked[above - 1] - ranked[below - 1])


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40))
def test_quartiles_match_brute_force(cents):
    prices = [D(c) / 100 for c in cents]
    stats = reference_stats(prices, unit=PER_PRODUCT)
    exact = [Fraction(c, 100) for c in cents]
    assert Fraction(stats.q1) == _brute_quartile(exact, Fraction(1, 4))
    assert Fraction(stats.median) == _brute_quartile(exact, Fraction(1, 2)) == statistics.median(exact)
    assert Fraction(stats.q3) == _brute_quartile(exact, Fraction(3, 4))
    if len(exact) > 1:  # the stdlib's inclusive method is the same definition
        assert [Fraction(stats.q1), Fraction(stats.median), Fraction(stats.q3)] == statistics.quantiles(
            exact, n=4, method="inclusive"
        )
    assert stats.lowest <= stats.q1 <= stats.median <= stats.q3 <= stats.highest


@pytest.mark.parametrize(
    "form, unit",
    [
        ("per_call_flat", PER_CALL),
        ("per_call_graduated", PER_CALL),
        ("prepaid_calls", PER_CALL),
        ("per_record", PER_RECORD),
        ("one_off", PER_PRODUCT),
        ("subscription_year", PER_PRODUCT),
        ("subscription_month", PER_PRODUCT),
        ("negotiated", PER_PRODUCT),
    ],
)
def test_unit_of(form, unit):
    assert unit_of(form) == unit


def test_unit_of_unknown_form():
    with pytest.raises(PricingError):
        unit_of("barter")


@pytest.mark.parametrize(
    "terms, expected",
    [
        (PlanTerms(form="per_call_flat", unit_price_fen=D("0.5")), D("0.5")),
        (PlanTerms(form="per_record", unit_price_fen=D(2)), D(2)),
        (PlanTerms(form="per_call_volume", tiers=(Tier(1000, D(3)), Tier(None, D(2)))), D(3)),
        (PlanTerms(form="prepaid_calls", price_fen=10000, package_calls=4000), D("2.5")),
        (PlanTerms(form="one_off", price_fen=500000), D(500000)),
        (PlanTerms(form="subscription_year", price_fen=120000, period_months=12), D(120000)),
        (PlanTerms(form="subscription_month", price_fen=10000, period_months=1), D(120000)),
        (PlanTerms(form="negotiated"), None),
        (PlanTerms(form="free_public"), None),
    ],
)
def test_unit_price(terms, expected):
    assert unit_price_fen(terms.validate()) == expected


@pytest.mark.parametrize(
    "cost, rate, volume, price",
    [
        (1_000_000, 800, 1000, D(1080)),  # ¥10,000 + 8% over 1,000 units: ¥10.80 each
        (100, 0, 3, D("33.34")),  # rounded up to 0.01 fen
        (1_000_000, 1000, 3_000_000, D("0.37")),  # sub-fen per-call price
        (0, 800, 10, D(0)),
    ],
)
def test_cost_based_price_table(cost, rate, volume, price):
    assert cost_based_price_fen(cost_fen=cost, rate_bps=rate, volume=volume) == price


@given(st.integers(0, 10**12), st.integers(0, 5000), st.integers(1, 10**9))
def test_cost_based_price_recovers_cost_and_profit(cost, rate, volume):
    price = cost_based_price_fen(cost_fen=cost, rate_bps=rate, volume=volume)
    target = cost_recovery_fen(cost_fen=cost, rate_bps=rate)
    assert price * volume >= target - volume  # never short by more than one fen per unit
    assert price * volume >= target  # (in fact never short at all: rounded up)
    assert price * volume - target < D("0.01") * volume  # and over by less than 0.01 fen per unit


@pytest.mark.parametrize("volume", [0, -5, True, 2.5])
def test_cost_based_price_needs_positive_volume(volume):
    with pytest.raises(PricingError):
        cost_based_price_fen(cost_fen=100, rate_bps=800, volume=volume)


def test_headroom_effect_table():
    # allowed = 1,000,000 + 80,000 + 20,000 − 100,000 = 1,000,000 fen; revenue so far 600,000
    effect = headroom_effect(
        price_fen=D("0.5"),
        volume=500_000,
        cost_fen=1_000_000,
        rate_bps=800,
        taxes_fen=20_000,
        revenue_fen=600_000,
        carried_excess_fen=100_000,
    )
    assert effect.added_fen == 250_000
    assert (effect.before.allowed_fen, effect.before.headroom_fen) == (1_000_000, 400_000)
    assert (effect.after.headroom_fen, effect.after.excess_fen, effect.fits) == (150_000, 0, True)
    over = headroom_effect(
        price_fen=D(1),
        volume=500_000,
        cost_fen=1_000_000,
        rate_bps=800,
        taxes_fen=20_000,
        revenue_fen=600_000,
        carried_excess_fen=100_000,
    )
    assert (over.after.headroom_fen, over.after.excess_fen, over.fits) == (0, 100_000, False)


def test_headroom_effect_rounds_sub_fen_revenue_half_up():
    effect = headroom_effect(price_fen=D("0.25"), volume=3, cost_fen=100, rate_bps=0)
    assert effect.added_fen == 1  # 0.75 fen → 1


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**9), st.integers(0, 3000))
def test_headroom_falls_by_the_added_revenue_until_exhausted(price, volume, cost, rate):
    effect = headroom_effect(price_fen=price, volume=volume, cost_fen=cost, rate_bps=rate)
    assert effect.before.headroom_fen - effect.after.headroom_fen + effect.after.excess_fen == effect.added_fen


@pytest.mark.parametrize(
    "price, cap, expected",
    [(D(5), D(5), True), (D("5.01"), 5, False), (D(1), None, None), (None, 5, None), (0, 0, True)],
)
def test_under_cap(price, cap, expected):
    assert under_cap(price, cap) is expected
