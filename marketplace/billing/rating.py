"""Rating a month of one entitlement's billable usage under its pinned plan (pure: no database).

How the month is rated (R2, R3, R7):
- usage is taken day by day in date order (Asia/Shanghai days); only the count per day matters, so the order
  in which the calls arrived never changes the bill;
- the free quota is taken once per month, from the first days (a subscription's included calls likewise, per
  calendar month also for a yearly subscription; calls beyond them are charged at its overage price);
- graduated bands (累进阶梯) count the month's billable units in day order, each band at its price, summed;
  volume tiers (阶梯总量) price every unit at the tier the month's total falls in;
- a unit is never priced above the cap in force on its own day: when the authority lowers a cap mid-month,
  the days from the new cap's effective day on are priced at min(plan price, new cap), the earlier days at
  min(plan price, old cap); the bands and the free quota are still consumed in day order across the change;
- the exact Decimal amount is summed over all lines and rounded once, half-up, for the bill.
Without a binding cap the result equals `pricing.charge_usage` for the month's total (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pricing import ChargeForm, ChargeLine, PlanTerms, UsageCharge, format_unit_price, round_fen
from pricing.metering import (
    FREE_LABEL,
    INCLUDED_LABEL,
    OVERAGE_LABEL,
    band_label,
    has_overage,
    per_unit_label,
    volume_label,
    volume_tier,
)

# Plans billed after the month (postpaid); prepaid packages, one-off and subscriptions are paid at purchase.
POSTPAID_FORMS = frozenset(
    {ChargeForm.PER_CALL_FLAT, ChargeForm.PER_CALL_GRADUATED, ChargeForm.PER_CALL_VOLUME, ChargeForm.PER_RECORD}
)
_ZERO = Decimal(0)


def is_postpaid(form: ChargeForm | str) -> bool:
    """Whether usage under this charge form is billed at month end (subscriptions: see is_postpaid_plan)."""
    return ChargeForm(form) in POSTPAID_FORMS


def is_postpaid_plan(terms: PlanTerms) -> bool:
    """Whether usage under these terms is billed at month end: per call/record, or a subscription's overage."""
    return terms.form in POSTPAID_FORMS or has_overage(terms)


class _Lines:
    """Segments merged into lines by (description, unit price), in order of first appearance."""

    def __init__(self) -> None:
        self.units: dict[tuple[str, Decimal], int] = {}

    def add(self, description: str, units: int, price: Decimal, cap: Decimal | None) -> None:
        if units <= 0:
            return
        if cap is not None and cap < price:
            description, price = f"{description}（按当日上限收费标准 {format_unit_price(cap)}）", cap
        key = (description, price)
        self.units[key] = self.units.get(key, 0) + units

    def lines(self) -> list[ChargeLine]:
        return [ChargeLine(d, n, p, n * p) for (d, p), n in self.units.items()]


def _graduated(terms: PlanTerms, done: int, units: int, cap: Decimal | None, out: _Lines) -> None:
    """Rate `units` billable units that follow `done` earlier ones of the month across the bands."""
    lower = 0
    for tier in terms.tiers:
        upper = tier.up_to
        if upper is None or done < upper:
            take = units if upper is None else min(units, upper - done)
            out.add(band_label(lower + 1, upper), take, tier.unit_price_fen, cap)
            done, units = done + take, units - take
            if not units:
                return
        lower = upper


def rate_month(
    terms: PlanTerms, *, units_by_day: Mapping[str, int], cap_by_day: Mapping[str, Decimal | None] | None = None
) -> UsageCharge:
    """The month's charge: billable units per day (YYYY-MM-DD → units) under the plan, each day under its cap."""
    terms.validate()
    if not is_postpaid_plan(terms):
        raise ValueError(f"{terms.form} is not billed on usage")
    caps = cap_by_day or {}
    days: Sequence[str] = sorted(d for d, n in units_by_day.items() if n)
    total = sum(units_by_day[d] for d in days)
    free_left, done, out = min(terms.free_quota, total), 0, _Lines()
    free = free_left
    tier = volume_tier(terms.tiers, total - free) if terms.form is ChargeForm.PER_CALL_VOLUME else None
    for day in days:
        units, cap = units_by_day[day], caps.get(day)
        taken = min(free_left, units)
        free_left, units = free_left - taken, units - taken
        if not units:
            continue
        if terms.form is ChargeForm.PER_CALL_GRADUATED:
            _graduated(terms, done, units, cap, out)
        elif has_overage(terms):
            out.add(OVERAGE_LABEL, units, terms.unit_price_fen, cap)
        elif tier is not None:
            out.add(volume_label(total - free), units, tier.unit_price_fen, cap)
        else:
            out.add(per_unit_label(terms.form), units, terms.unit_price_fen, cap)
        done += units
    free_label = INCLUDED_LABEL if has_overage(terms) else FREE_LABEL
    lines = ([ChargeLine(free_label, free, _ZERO, _ZERO)] if free else []) + out.lines()
    exact = sum((line.exact_fen for line in lines), _ZERO)
    return UsageCharge(total - free, free, exact, round_fen(exact), tuple(lines))
