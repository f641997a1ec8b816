"""Forecast of a running year (revenue to date + run rate) and cumulative revenue: tables and properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.reasonable_return import Forecast, cumulative_fen, forecast_revenue


@pytest.mark.parametrize(
    ("to_date", "months", "expected"),
    [
        (1_000_000, 10, Forecast(1_000_000, 10, 100_000, 1_200_000)),  # 10 months at ¥1,000 → 12 months
        (1_200_000, 12, Forecast(1_200_000, 12, 100_000, 1_200_000)),  # the year is over: nothing to add
        (100, 3, Forecast(100, 3, 33, 400)),  # 100 × 9 / 3 = 300 exactly
        (10, 7, Forecast(10, 7, 1, 17)),  # 10 × 5 / 7 = 7.14 → 7; run rate 1.43 → 1
        (5, 2, Forecast(5, 2, 3, 30)),  # 5 × 10 / 2 = 25; run rate 2.5 → 3 (half-up)
        (0, 6, Forecast(0, 6, 0, 0)),
        (500, 0, Forecast(500, 0, 0, 500)),  # no month settled yet: no run rate
    ],
)
def test_forecast_table(to_date, months, expected):
    assert forecast_revenue(to_date_fen=to_date, months_covered=months) == expected


@pytest.mark.parametrize(
    ("forecast", "allowed", "passes"),
    [(1_200_000, 1_130_000, True), (1_130_000, 1_130_000, False), (0, 0, False), (1, 0, True)],
)
def test_forecast_passes_allowed(forecast, allowed, passes):
    assert Forecast(0, 1, 0, forecast).passes(allowed) is passes


@pytest.mark.parametrize(("to_date", "months"), [(-1, 3), (100, 13), (100, -1), (True, 3), (100, 2.5)])
def test_forecast_refuses_bad_input(to_date, months):
    with pytest.raises(PricingError):
        forecast_revenue(to_date_fen=to_date, months_covered=months)


@given(st.integers(0, 10**13), st.integers(1, 12))
def test_forecast_within_half_a_fen_of_the_exact_year(to_date, months):
    f = forecast_revenue(to_date_fen=to_date, months_covered=months)
    exact = Decimal(to_date) * 12 / months
    assert abs(Decimal(f.forecast_fen) - exact) <= Decimal("0.5")
    assert f.forecast_fen >= to_date
    assert abs(f.run_rate_fen - Decimal(to_date) / months) <= Decimal("0.5")


@given(st.integers(0, 10**12), st.integers(1, 11))
def test_more_months_at_the_same_total_never_raise_the_forecast(to_date, months):
    assert (
        forecast_revenue(to_date_fen=to_date, months_covered=months + 1).forecast_fen
        <= forecast_revenue(to_date_fen=to_date, months_covered=months).forecast_fen
    )


@pytest.mark.parametrize(("monthly", "running"), [([], []), ([5, 0, 7], [5, 5, 12]), ([10, -3, 4], [10, 7, 11])])
def test_cumulative_table(monthly, running):
    assert cumulative_fen(monthly) == running


@given(st.lists(st.integers(-(10**9), 10**9), max_size=12))
def test_cumulative_ends_at_the_sum(monthly):
    running = cumulative_fen(monthly)
    assert len(running) == len(monthly)
    assert (running[-1] if running else 0) == sum(monthly)
