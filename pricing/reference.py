"""The pricing desk's figures (R3, R4): reference statistics, unit normalisation, cost-based price, headroom.

Unit prices are Decimal fen, normalised to one of three units so that listings with different charge forms
compare: yuan per call (per call, tiered, prepaid packages), per record, or per product (one-off purchases
and subscriptions, a subscription counted as one year of it).

Quartiles use linear interpolation between closest ranks (Hyndman & Fan type 7, the definition of
Excel's QUARTILE.INC, numpy's default and `statistics.quantiles(method="inclusive")`), computed exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from pricing.charge_forms import N_, ChargeForm
from pricing.errors import PricingError
from pricing.money import round_fen
from pricing.plans import PlanTerms
from pricing.reasonable_return import ReturnPosition, allowed_revenue_fen, return_position

PER_CALL = "call"
PER_RECORD = "record"
PER_PRODUCT = "product"
UNIT_LABELS = {PER_CALL: N_("元/次"), PER_RECORD: N_("元/条"), PER_PRODUCT: N_("元/件")}
_UNIT_OF_FORM = {
    ChargeForm.PER_CALL_FLAT: PER_CALL,
    ChargeForm.PER_CALL_GRADUATED: PER_CALL,
    ChargeForm.PER_CALL_VOLUME: PER_CALL,
    ChargeForm.PREPAID_CALLS: PER_CALL,
    ChargeForm.PER_RECORD: PER_RECORD,
}
# Unit prices are kept to 1/100 fen (0.0001 yuan), the precision a plan accepts.
_STEP = Decimal("0.01")
_YEAR_MONTHS = 12


def unit_of(form: ChargeForm | str) -> str:
    """The unit a charge form's prices compare in: call, record or product (one-off, subscription, others)."""
    try:
        return _UNIT_OF_FORM.get(ChargeForm(form), PER_PRODUCT)
    except ValueError as exc:
        raise PricingError(N_("未知的收费方式：%(form)s"), params={"form": form}) from exc


def unit_price_fen(terms: PlanTerms) -> Decimal | None:
    """A plan's price in its unit (Decimal fen); None when it has no public price (面议, free, empty).

    Tiered plans count their first tier (what a new buyer pays), a prepaid package its price per call,
    a monthly subscription twelve months (subscriptions compare per year).
    """
    form = terms.form
    if form in (ChargeForm.NEGOTIATED, ChargeForm.FREE_PUBLIC):
        return None
    if form in (ChargeForm.PER_CALL_FLAT, ChargeForm.PER_RECORD):
        price = terms.unit_price_fen
    elif form in (ChargeForm.PER_CALL_GRADUATED, ChargeForm.PER_CALL_VOLUME):
        price = terms.tiers[0].unit_price_fen if terms.tiers else Decimal(0)
    elif form is ChargeForm.PREPAID_CALLS:
        if not terms.package_calls:
            return None
        price = Decimal(terms.price_fen) / terms.package_calls
    elif form is ChargeForm.SUBSCRIPTION_MONTH:
        price = Decimal(terms.price_fen) * _YEAR_MONTHS
    else:
        price = Decimal(terms.price_fen)
    return price if price > 0 else None


@dataclass(frozen=True)
class ReferenceStats:
    """Count, median, quartiles, lowest and highest of comparable unit prices (Decimal fen; None when empty)."""

    unit: str
    count: int
    median: Decimal | None
    q1: Decimal | None
    q3: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None


def quantile(sorted_prices: list[Decimal], p: Decimal) -> Decimal:
    """The p-quantile (0 ≤ p ≤ 1) of sorted values, type 7: x[h] interpolated at h = (n − 1)·p."""
    if not sorted_prices:
        raise PricingError("没有可比价格")
    h = (len(sorted_prices) - 1) * Decimal(p)
    low = int(h)
    frac = h - low
    if frac == 0:
        return sorted_prices[low]
    return sorted_prices[low] + frac * (sorted_prices[low + 1] - sorted_prices[low])


def reference_stats(prices: Iterable[Decimal | int], *, unit: str) -> ReferenceStats:
    """The reference figures of comparable unit prices (all in `unit`)."""
    values = sorted(Decimal(p) for p in prices)
    if not values:
        return ReferenceStats(unit=unit, count=0, median=None, q1=None, q3=None, lowest=None, highest=None)
    return ReferenceStats(
        unit=unit,
        count=len(values),
        median=quantile(values, Decimal("0.5")),
        q1=quantile(values, Decimal("0.25")),
        q3=quantile(values, Decimal("0.75")),
        lowest=values[0],
        highest=values[-1],
    )


def _check_positive(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PricingError(N_("%(what)s必须为正整数"), params={"what": what})


def cost_recovery_fen(*, cost_fen: int, rate_bps: int) -> int:
    """Cost plus the allowed profit (cost × rate, rounded half-up once), as allowed revenue computes it."""
    return allowed_revenue_fen(cost_fen=cost_fen, rate_bps=rate_bps, taxes_fen=0)


def cost_based_price_fen(*, cost_fen: int, rate_bps: int, volume: int) -> Decimal:
    """The unit price (Decimal fen, to 0.01 fen, rounded up) that recovers cost plus allowed profit at `volume`.

    price × volume ≥ cost + profit, and exceeds it by less than 0.01 fen per unit.
    """
    _check_positive(volume, N_("预计销量"))
    target = cost_recovery_fen(cost_fen=cost_fen, rate_bps=rate_bps)
    return (Decimal(target) / volume).quantize(_STEP, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class HeadroomEffect:
    """The year's position before and after selling `volume` units at the proposed price."""

    added_fen: int
    before: ReturnPosition
    after: ReturnPosition

    @property
    def fits(self) -> bool:
        """Whether the sales stay within allowed revenue (no excess after)."""
        return self.after.excess_fen == self.before.excess_fen


def headroom_effect(
    *,
    price_fen: Decimal | int,
    volume: int,
    cost_fen: int,
    rate_bps: int,
    taxes_fen: int = 0,
    revenue_fen: int = 0,
    carried_excess_fen: int = 0,
) -> HeadroomEffect:
    """Effect on the year's headroom of selling `volume` units at `price_fen` on top of `revenue_fen`."""
    if isinstance(volume, bool) or not isinstance(volume, int) or volume < 0:
        raise PricingError("预计销量必须为非负整数")
    price = Decimal(price_fen)
    if price < 0:
        raise PricingError("价格不能为负数")
    added = round_fen(price * volume)
    common = {
        "cost_fen": cost_fen,
        "rate_bps": rate_bps,
        "taxes_fen": taxes_fen,
        "carried_excess_fen": carried_excess_fen,
    }
    before = return_position(actual_fen=revenue_fen, **common)
    after = return_position(actual_fen=revenue_fen + added, **common)
    return HeadroomEffect(added_fen=added, before=before, after=after)


def under_cap(price_fen: Decimal | int | None, cap_fen: Decimal | int | None) -> bool | None:
    """Whether a unit price is at or under the cap (R3: a price equal to the cap is allowed); None without both."""
    if price_fen is None or cap_fen is None:
        return None
    return Decimal(price_fen) <= Decimal(cap_fen)
