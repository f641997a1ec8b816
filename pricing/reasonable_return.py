"""Reasonable return (R4): allowed revenue = cost + allowed profit + taxes − carried excess."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricing.errors import N_, PricingError
from pricing.money import round_fen

_BPS = 10000


def _check_fen(value: int, what: str) -> None:
    """Refuse an amount that is not a non-negative int of fen."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PricingError(N_("%(what)s必须为非负整数（分）"), params={"what": what})


def _base_allowed(*, cost_fen: int, rate_bps: int, taxes_fen: int) -> int:
    """Cost + allowed profit (cost × rate, rounded half-up once) + taxes."""
    _check_fen(cost_fen, N_("运营成本"))
    _check_fen(rate_bps, N_("合理收益率"))
    _check_fen(taxes_fen, N_("税费"))
    return cost_fen + round_fen(Decimal(cost_fen) * rate_bps / _BPS) + taxes_fen


def allowed_revenue_fen(*, cost_fen: int, rate_bps: int, taxes_fen: int, carried_excess_fen: int = 0) -> int:
    """Allowed revenue of a year after deducting last year's excess (never below 0)."""
    _check_fen(carried_excess_fen, N_("上年超额收入"))
    base = _base_allowed(cost_fen=cost_fen, rate_bps=rate_bps, taxes_fen=taxes_fen)
    return max(0, base - carried_excess_fen)


@dataclass(frozen=True)
class ReturnPosition:
    """A year's position: allowed vs actual revenue, headroom or excess to carry over."""

    cost_fen: int
    allowed_fen: int
    actual_fen: int
    headroom_fen: int
    excess_fen: int


def return_position(
    *,
    cost_fen: int,
    rate_bps: int,
    taxes_fen: int,
    actual_fen: int,
    carried_excess_fen: int = 0,
) -> ReturnPosition:
    """Compare actual revenue with allowed revenue; excess is carried into next year."""
    _check_fen(actual_fen, N_("实际收入"))
    _check_fen(carried_excess_fen, N_("上年超额收入"))
    base = _base_allowed(cost_fen=cost_fen, rate_bps=rate_bps, taxes_fen=taxes_fen)
    allowed = max(0, base - carried_excess_fen)
    # Carried excess larger than this year's base is not lost: it carries on.
    unabsorbed = max(0, carried_excess_fen - base)
    return ReturnPosition(
        cost_fen=cost_fen,
        allowed_fen=allowed,
        actual_fen=actual_fen,
        headroom_fen=max(0, allowed - actual_fen),
        excess_fen=max(0, actual_fen - allowed) + unabsorbed,
    )


YEAR_MONTHS = 12


@dataclass(frozen=True)
class Forecast:
    """The year's revenue forecast: revenue to date plus the monthly run rate over the remaining months."""

    to_date_fen: int
    months_covered: int
    run_rate_fen: int
    forecast_fen: int
    months_remaining: int = 0

    def passes(self, allowed_fen: int) -> bool:
        """Whether the forecast passes allowed revenue (reaching it exactly does not)."""
        return self.forecast_fen > allowed_fen


def _month_count(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= YEAR_MONTHS


def forecast_revenue(*, to_date_fen: int, months_covered: int, months_remaining: int | None = None) -> Forecast:
    """Forecast = to date + run rate × months remaining; run rate = to date ÷ months covered (half-up once).

    `months_covered` are the months of operation the revenue to date comes from; `months_remaining` the months of
    operation still to come this year (default 12 − months covered: operating all year). An operator that started
    in September with October confirmed has 2 covered and 2 remaining, not 10 and 2.
    The remaining revenue is rounded once, as a whole, so the forecast is within half a fen of
    to_date × (covered + remaining) ÷ covered. With no month covered yet there is no run rate: the forecast is
    revenue to date.
    """
    _check_fen(to_date_fen, N_("本年已实现收入"))
    remaining_months = YEAR_MONTHS - months_covered if months_remaining is None else months_remaining
    if not _month_count(months_covered) or not _month_count(remaining_months) \
            or months_covered + remaining_months > YEAR_MONTHS:
        raise PricingError("已结算月数必须在 0 到 12 之间")
    if months_covered == 0:
        return Forecast(to_date_fen, 0, 0, to_date_fen, remaining_months)
    remaining = round_fen(Decimal(to_date_fen) * remaining_months / months_covered)
    run_rate = round_fen(Decimal(to_date_fen) / months_covered)
    return Forecast(to_date_fen, months_covered, run_rate, to_date_fen + remaining, remaining_months)


def cumulative_fen(monthly_fen: list[int]) -> list[int]:
    """Running totals of monthly revenue (refund months may be negative; the running total is what is shown)."""
    out, total = [], 0
    for value in monthly_fen:
        total += value
        out.append(total)
    return out
