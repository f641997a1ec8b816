"""The price index figures: median, months, versions in force, settled unit prices, grouping."""

from datetime import date
from decimal import Decimal
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import PricingError
from pricing.price_index import (
    LISTED,
    SETTLED,
    IndexPoint,
    Observation,
    in_force,
    in_force_at_each,
    index_series,
    median,
    month_of,
    months_ending,
    next_month_start,
    sale_unit_price_fen,
    sale_units,
)

D = Decimal


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7], D(7)),
        ([3, 1], D(2)),
        ([5, 1, 3], D(3)),
        ([4, 1, 3, 2], D("2.5")),
        ([D("0.5"), D("0.25")], D("0.375")),
        ([10, 10, 10, 90], D(10)),
    ],
)
def test_median_table(values, expected):
    assert median(values) == expected


def test_median_of_nothing_is_refused():
    with pytest.raises(PricingError):
        median([])


def _brute_median(values):
    """Mean of the smallest value with at least half the values at or below it and its even-count partner."""
    n = len(values)
    low = min(v for v in values if sum(w <= v for w in values) >= (n + 1) // 2)
    high = min(v for v in values if sum(w <= v for w in values) >= n // 2 + 1)
    return (D(low) + D(high)) / 2


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_median_matches_brute_force(values):
    assert median(values) == _brute_median(values)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8))
def test_median_ignores_order_and_lies_between_the_extremes(values):
    m = median(values)
    assert min(values) <= m <= max(values)
    assert all(median(list(p)) == m for p in list(permutations(values))[:20])


@pytest.mark.parametrize(
    ("last", "count", "expected"),
    [
        (date(2026, 12, 2), 1, ["2026-12"]),
        (date(2026, 2, 28), 3, ["2025-12", "2026-01", "2026-02"]),
        (date(2026, 1, 31), 2, ["2025-12", "2026-01"]),
    ],
)
def test_months_ending(last, count, expected):
    assert months_ending(last, count) == expected


@pytest.mark.parametrize("count", [0, 37, -1, True])
def test_months_ending_refuses_bad_counts(count):
    with pytest.raises(PricingError):
        months_ending(date(2026, 1, 1), count)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(1, 36))
def test_months_are_consecutive_and_end_with_the_day(day, count):
    months = months_ending(day, count)
    assert len(months) == count and months[-1] == month_of(day)
    for earlier, later in zip(months, months[1:], strict=False):
        assert month_of(next_month_start(earlier)) == later


def test_next_month_start():
    assert next_month_start("2026-12") == date(2027, 1, 1)
    assert next_month_start("2026-02") == date(2026, 3, 1)


def test_in_force_takes_the_latest_version_before_the_instant():
    versions = [(10, "v1"), (20, "v2"), (30, "v3")]
    assert [in_force(versions, t) for t in (5, 10, 11, 20, 25, 31)] == [None, None, "v1", "v1", "v2", "v3"]
    assert in_force([], 100) is None


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers()), max_size=8, unique_by=lambda v: v[0]),
    st.lists(st.integers(0, 60), max_size=10).map(sorted),
)
def test_in_force_at_each_is_in_force_at_every_instant(versions, instants):
    assert in_force_at_each(versions, instants) == [in_force(versions, t) for t in instants]


@pytest.mark.parametrize(
    ("form", "kw", "units"),
    [
        ("per_call_flat", {"usage": True, "calls": 200}, D(200)),
        ("per_call_graduated", {"usage": True, "calls": 7}, D(7)),
        ("per_record", {"usage": True, "calls": 3, "records": 900}, D(900)),
        ("per_call_flat", {"usage": True, "calls": 0}, None),
        ("subscription_month", {"usage": True, "calls": 50}, None),  # overage: not the plan's unit
        ("prepaid_calls", {"usage": False, "quantity": 3, "package_calls": 1000}, D(3000)),
        ("one_off", {"usage": False, "quantity": 2}, D(2)),
        ("subscription_year", {"usage": False, "quantity": 1}, D(1)),
        ("subscription_month", {"usage": False, "quantity": 6}, D("0.5")),  # half a year
        ("per_call_flat", {"usage": False, "quantity": 1}, None),  # opened by order, paid by bills
        ("negotiated", {"usage": False, "quantity": 1}, None),
        ("free_public", {"usage": False, "quantity": 1}, None),
    ],
)
def test_sale_units_table(form, kw, units):
    assert sale_units(form, **kw) == units


@pytest.mark.parametrize(
    ("amount", "units", "price"),
    [
        (1000, D(200), D(5)),
        (1000, D(3), D("333.33")),
        (2000, D(3), D("666.67")),
        (60000, D("0.5"), D(120000)),  # 6 months for ¥600 = ¥1,200 a year
        (0, D(5), None),
        (-100, D(5), None),
        (100, None, None),
    ],
)
def test_sale_unit_price_table(amount, units, price):
    assert sale_unit_price_fen(amount, units) == price


@given(st.integers(1, 10**10), st.integers(1, 10**6))
def test_sale_unit_price_times_units_is_the_amount_within_half_a_hundredth_fen_per_unit(amount, units):
    price = sale_unit_price_fen(amount, D(units))
    assert abs(price * units - amount) <= D("0.005") * units


def _obs(source, domain, form, month, price):
    return Observation(source, domain, form, month, D(price))


def test_index_series_groups_and_takes_medians():
    months = ["2026-10", "2026-11"]
    observations = [
        _obs(LISTED, "credit", "per_call_flat", "2026-10", 50),
        _obs(LISTED, "credit", "per_call_flat", "2026-10", 30),
        _obs(LISTED, "credit", "per_call_flat", "2026-11", 30),
        _obs(LISTED, "credit", "per_call_flat", "2026-11", 10),
        _obs(LISTED, "credit", "per_call_flat", "2026-11", 20),
        _obs(LISTED, "transport", "one_off", "2026-11", 90000),
        _obs(SETTLED, "credit", "per_call_flat", "2026-11", 5),
        _obs(LISTED, "credit", "per_call_flat", "2026-09", 999),  # outside the months
    ]
    series = index_series(observations, months)
    assert [(s.source, s.domain, s.charge_form, s.unit, s.count) for s in series] == [
        (LISTED, "credit", "per_call_flat", "call", 5),
        (LISTED, "transport", "one_off", "product", 1),
        (SETTLED, "credit", "per_call_flat", "call", 1),
    ]
    assert series[0].points == (IndexPoint("2026-10", 2, D(40)), IndexPoint("2026-11", 3, D(20)))
    assert series[1].points == (IndexPoint("2026-11", 1, D(90000)),)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["credit", "transport"]), st.sampled_from(["2026-10", "2026-11"]), st.integers(0, 999)
        ),
        max_size=40,
    )
)
def test_index_series_median_matches_brute_force_per_group(rows):
    observations = [_obs(LISTED, d, "one_off", m, p) for d, m, p in rows]
    for s in index_series(observations, ["2026-10", "2026-11"]):
        for point in s.points:
            values = [p for d, m, p in rows if d == s.domain and m == point.month]
            assert point.count == len(values) and point.median == _brute_median(values)
