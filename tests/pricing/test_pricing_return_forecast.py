"""Forecast of a running year (revenue to date + run rate) and cumulative revenue: tables and properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.reasonable_return import Forecast, cumulative_fen, forecast_revenue


@pytest.mark.parametrize(
    ("to_date", "months", "remaining", "expected"),
    [
        (1_000_000, 10, None, Forecast(1_000_000, 10, 100_000, 1_200_000, 2)),  # 10 months at ¥1,000 → 12 months
        (1_200_000, 12, None, Forecast(1_200_000, 12, 100_000, 1_200_000, 0)),  # the year is over: nothing to add
        (100, 3, None, Forecast(100, 3, 33, 400, 9)),  # 100 × 9 / 3 = 300 exactly
        (10, 7, None, Forecast(10, 7, 1, 17, 5)),  # 10 × 5 / 7 = 7.14 → 7; run rate 1.43 → 1
        (5, 2, None, Forecast(5, 2, 3, 30, 10)),  # 5 × 10 / 2 = 25; run rate 2.5 → 3 (half-up)
        (0, 6, None, Forecast(0, 6, 0, 0, 6)),
        (500, 0, None, Forecast(500, 0, 0, 500, 12)),  # no month settled yet: no run rate
        # started in September, October confirmed: 2 months operated, 2 to come → 10,100 + 10,100 × 2 / 2
        (10_100, 2, 2, Forecast(10_100, 2, 5_050, 20_200, 2)),
        (10_100, 2, 0, Forecast(10_100, 2, 5_050, 10_100, 0)),  # the agreement ends with the latest month
        (7, 3, 4, Forecast(7, 3, 2, 16, 4)),  # 7 × 4 / 3 = 9.33 → 9; run rate 2.33 → 2
    ],
)
def test_forecast_table(to_date, months, remaining, expected):
    assert forecast_revenue(to_date_fen=to_date, months_covered=months, months_remaining=remaining) == expected


@pytest.mark.parametrize(("months", "remaining"), [(10, 3), (0, 13), (2, -1), (2, True)])
def test_forecast_refuses_more_than_a_year_of_months(months, remaining):
    with pytest.raises(PricingError):
        forecast_revenue(to_date_fen=100, months_covered=months, months_remaining=remaining)


@given(st.integers(0, 10**13), st.integers(1, 12), st.data())
def test_forecast_is_the_run_rate_over_the_months_of_operation(to_date, months, data):
    remaining = data.draw(st.integers(0, 12 - months))
    f = forecast_revenue(to_date_fen=to_date, months_covered=months, months_remaining=remaining)
    exact = Decimal(to_date) * (months + remaining) / months
    assert abs(Decimal(f.forecast_fen) - exact) <= Decimal("0.5") and f.forecast_fen >= to_date


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
