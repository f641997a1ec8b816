"""Usage charges per charge form behind one factory (Lago style) and up-front amounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pricing.charge_forms import (
    N_,
    OVERAGE_FORMS,
    PACKAGE_PRICED_FORMS,
    TIERED_FORMS,
    UNIT_PRICED_FORMS,
    ChargeForm,
)
from pricing.errors import PricingError
from pricing.money import round_fen
from pricing.plans import PlanTerms, Tier

MAX_ORDER_QUANTITY = 1000
_ZERO = Decimal(0)

# Bill line labels (marked for translation; the web layer shows them in the reader's language).
FREE_LABEL, INCLUDED_LABEL, OVERAGE_LABEL = N_("免费额度"), N_("订阅包含次数"), N_("超出订阅包含次数")


@dataclass(frozen=True)
class ChargeLine:
    """One line of a usage charge: units at one unit price, exact (unrounded) total."""

    description: str
    units: int
    unit_price_fen: Decimal
    exact_fen: Decimal


@dataclass(frozen=True)
class UsageCharge:
    """Result of charging a period's usage; amount_fen is exact_fen rounded once."""

    billable_units: int
    free_units: int
    exact_fen: Decimal
    amount_fen: int
    lines: tuple[ChargeLine, ...]


def _line(description: str, units: int, unit_price: Decimal) -> ChargeLine:
    """A charge line; units × unit price is exact Decimal arithmetic."""
    return ChargeLine(description, units, unit_price, units * unit_price)


def _flat_lines(terms: PlanTerms, units: int) -> list[ChargeLine]:
    """Every unit at the one unit price (按次 / 按条)."""
    return [_line(per_unit_label(terms.form), units, terms.unit_price_fen)]


def band_label(lower: int, upper: int | None) -> str:
    """Human label of a tier band, e.g. "第1001–5000次" (filled from a marked template: the web translates it)."""
    if upper is None:
        return N_("第%(lower)s次起") % {"lower": lower}
    return N_("第%(lower)s–%(upper)s次") % {"lower": lower, "upper": upper}


def volume_label(units: int) -> str:
    """The line of a volume-tier charge: every unit at the tier the total falls in."""
    return N_("总量%(units)s次，按所在阶梯单价计费") % {"units": units}


def per_unit_label(form: ChargeForm) -> str:
    """The line of a flat per-call or per-record charge."""
    return N_("按条计费") if form is ChargeForm.PER_RECORD else N_("按次计费")


def _graduated_lines(terms: PlanTerms, units: int) -> list[ChargeLine]:
    """累进阶梯: each band priced at its own unit price; the bands are summed."""
    # Bands count billable units, i.e. after the free quota was taken off.
    lines, lower = [], 0
    for tier in terms.tiers:
        upper = units if tier.up_to is None else min(units, tier.up_to)
        if upper > lower:
            label = band_label(lower + 1, tier.up_to)
            lines.append(_line(label, upper - lower, tier.unit_price_fen))
        if tier.up_to is None or units <= tier.up_to:
            break
        lower = tier.up_to
    return lines


def volume_tier(tiers: tuple[Tier, ...], units: int) -> Tier:
    """The tier whose range holds `units` (up_to inclusive)."""
    for tier in tiers:
        if tier.up_to is None or units <= tier.up_to:
            return tier
    raise PricingError("阶梯缺少不设上限的最后一档")


def _volume_lines(terms: PlanTerms, units: int) -> list[ChargeLine]:
    """阶梯总量: all units at the price of the tier the total falls in."""
    tier = volume_tier(terms.tiers, units)
    return [_line(volume_label(units), units, tier.unit_price_fen)]


_LINE_BUILDERS: dict[ChargeForm, Callable[[PlanTerms, int], list[ChargeLine]]] = {
    ChargeForm.PER_CALL_FLAT: _flat_lines,
    ChargeForm.PER_RECORD: _flat_lines,
    ChargeForm.PER_CALL_GRADUATED: _graduated_lines,
    ChargeForm.PER_CALL_VOLUME: _volume_lines,
}
# Forms whose usage costs nothing now: paid up front, free, or priced by quote.
_NO_USAGE_CHARGE = {
    ChargeForm.PREPAID_CALLS: N_("预付费次数包抵扣"),
    ChargeForm.ONE_OFF: N_("已含于一次性买断"),
    ChargeForm.SUBSCRIPTION_MONTH: N_("已含于订阅"),
    ChargeForm.SUBSCRIPTION_YEAR: N_("已含于订阅"),
    ChargeForm.NEGOTIATED: N_("按询价合同结算"),
}


def _check_units(units: int, what: str = N_("用量")) -> None:
    """Refuse a usage count that is not a non-negative int."""
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise PricingError(N_("%(what)s必须为非负整数"), params={"what": what})


def has_overage(terms: PlanTerms) -> bool:
    """A subscription with calls included per month and a price per call beyond them."""
    return terms.form in OVERAGE_FORMS and bool(terms.unit_price_fen)


def _overage_charge(terms: PlanTerms, units: int) -> UsageCharge:
    """Subscription overage: the included calls are paid by the subscription, the rest at the overage price."""
    included = min(units, terms.free_quota)
    lines = [_line(INCLUDED_LABEL, included, _ZERO)] if included else []
    if units > included:
        lines.append(_line(OVERAGE_LABEL, units - included, terms.unit_price_fen))
    exact = sum((line.exact_fen for line in lines), _ZERO)
    return UsageCharge(units - included, included, exact, round_fen(exact), tuple(lines))


def charge_usage(terms: PlanTerms, *, units: int) -> UsageCharge:
    """Charge `units` billable calls/records of one period under the plan's form."""
    _check_units(units)
    terms.validate()  # an unchecked plan could silently skip units past its last tier
    if terms.form is ChargeForm.FREE_PUBLIC:
        lines = [_line(N_("公益免费"), units, _ZERO)] if units else []
        return UsageCharge(0, units, _ZERO, 0, tuple(lines))
    if has_overage(terms):
        return _overage_charge(terms, units)
    if terms.form in _NO_USAGE_CHARGE:
        lines = [_line(_NO_USAGE_CHARGE[terms.form], units, _ZERO)] if units else []
        return UsageCharge(units, 0, _ZERO, 0, tuple(lines))
    free = min(units, terms.free_quota)
    billable = units - free
    lines = [_line(FREE_LABEL, free, _ZERO)] if free else []
    if billable:
        lines += _LINE_BUILDERS[terms.form](terms, billable)
    exact = sum((line.exact_fen for line in lines), _ZERO)
    # R7: multiply exactly, round once per billed line total, half-up.
    return UsageCharge(billable, free, exact, round_fen(exact), tuple(lines))


def remaining_calls(terms: PlanTerms, *, used: int, packages: int = 1) -> int | None:
    """Free-quota or prepaid calls left after `used`; None when usage is unlimited."""
    _check_units(used, N_("已用次数"))
    if terms.form is ChargeForm.PREPAID_CALLS:
        _check_units(packages, N_("次数包数量"))
        return max(0, terms.package_calls * packages - used)
    if terms.free_quota and terms.form in TIERED_FORMS | UNIT_PRICED_FORMS:
        return max(0, terms.free_quota - used)
    return None


def order_amount(terms: PlanTerms, *, quantity: int = 1) -> int:
    """Up-front price in fen for buying `quantity` units (packages, periods) of a plan."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise PricingError("购买数量必须为整数")
    if not 1 <= quantity <= MAX_ORDER_QUANTITY:
        raise PricingError(N_("购买数量必须在1到%(max)s之间"), params={"max": MAX_ORDER_QUANTITY})
    if terms.form is ChargeForm.NEGOTIATED:
        raise PricingError("面议产品需通过询价下单")
    terms.validate()
    if terms.form in PACKAGE_PRICED_FORMS:
        return terms.price_fen * quantity
    # Per-call and per-record plans are billed on usage; free plans cost nothing.
    return 0
