"""Price plans: plan terms per charge form (R2), JSON round-trip, cap check (R3)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pricing.charge_forms import (
    CHARGE_FORM_LABELS,
    N_,
    OVERAGE_FORMS,
    PACKAGE_PRICED_FORMS,
    PRICE_UNITS,
    SUBSCRIPTION_MONTHS,
    TIERED_FORMS,
    UNIT_PRICED_FORMS,
    ChargeForm,
    is_metered,
    is_quoted,
)
from pricing.errors import CapExceeded, InvalidPlan, Msg, PricingError
from pricing.money import format_unit_price

# ChargeForm and its helpers live in pricing.charge_forms; they are re-exported here so
# callers can import everything about plans from pricing.plans.
__all__ = [
    "CHARGE_FORM_LABELS",
    "ChargeForm",
    "PlanTerms",
    "Tier",
    "check_cap",
    "check_quote_cap",
    "entry_price_fen",
    "highest_unit_price",
    "is_metered",
    "is_quoted",
    "lowest_entry_price_fen",
    "terms_from_json",
]

# Unit prices are kept to 1/100 fen (= 0.0001 yuan), the precision parse_yuan accepts.
_UNIT_PRICE_STEP = Decimal("0.01")


def _to_decimal(value: Any, what: str) -> Decimal:
    """Coerce an int, str or Decimal price to Decimal, refusing floats and garbage."""
    if isinstance(value, (bool, float)) or not isinstance(value, (int, str, Decimal)):
        raise InvalidPlan(N_("%(what)s必须为精确小数"), params={"what": what})
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise InvalidPlan(N_("%(what)s格式不正确"), params={"what": what}) from exc
    if not number.is_finite():
        raise InvalidPlan(N_("%(what)s格式不正确"), params={"what": what})
    return number


def _check_count(value: Any, what: str) -> None:
    """Refuse a count that is not a non-negative int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPlan(N_("%(what)s必须为整数"), params={"what": what})
    if value < 0:
        raise InvalidPlan(N_("%(what)s不能为负数"), params={"what": what})


def _check_unit_price(price: Decimal, what: str) -> None:
    """Refuse a negative unit price or one finer than 0.0001 yuan."""
    if price < 0:
        raise InvalidPlan(N_("%(what)s不能为负数"), params={"what": what})
    if price != price.quantize(_UNIT_PRICE_STEP):
        raise InvalidPlan(N_("%(what)s最多精确到0.0001元"), params={"what": what})


@dataclass(frozen=True)
class Tier:
    """One price band: units up to `up_to` (inclusive; None = no limit)."""

    up_to: int | None
    unit_price_fen: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit_price_fen", _to_decimal(self.unit_price_fen, N_("阶梯单价")))


@dataclass(frozen=True)
class PlanTerms:
    """The priced terms of one plan; amounts in fen, unit prices in Decimal fen."""

    form: ChargeForm
    price_fen: int = 0
    unit_price_fen: Decimal = Decimal(0)
    tiers: tuple[Tier, ...] = field(default=())
    free_quota: int = 0
    package_calls: int = 0
    period_months: int = 0
    rate_per_second: int = 0  # data API calls per second and key (burst twice that); 0: the exchange's limit

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "form", ChargeForm(self.form))
        except ValueError as exc:
            raise InvalidPlan(N_("未知的收费方式：%(form)s"), params={"form": self.form}) from exc
        object.__setattr__(self, "unit_price_fen", _to_decimal(self.unit_price_fen, N_("单价")))
        object.__setattr__(self, "tiers", tuple(self.tiers))
        if not all(isinstance(tier, Tier) for tier in self.tiers):
            raise InvalidPlan(N_("阶梯格式不正确"))

    def validate(self) -> PlanTerms:
        """Raise InvalidPlan when the terms are inconsistent; return self otherwise."""
        _check_numbers(self)
        _check_form_fields(self)
        if self.form in TIERED_FORMS:
            _check_tiers(self.tiers)
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the terms (Decimals as strings)."""
        return {
            "form": self.form.value,
            "price_fen": self.price_fen,
            "unit_price_fen": _decimal_text(self.unit_price_fen),
            "tiers": [{"up_to": t.up_to, "unit_price_fen": _decimal_text(t.unit_price_fen)} for t in self.tiers],
            "free_quota": self.free_quota,
            "package_calls": self.package_calls,
            "period_months": self.period_months,
        } | ({"rate_per_second": self.rate_per_second} if self.rate_per_second else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanTerms:
        """Rebuild validated terms from `to_dict()` output (e.g. stored JSON)."""
        if not isinstance(data, dict):
            raise InvalidPlan(N_("价格方案格式不正确"))
        unknown = set(data) - _DICT_KEYS
        if unknown or "form" not in data:
            raise InvalidPlan(
                N_("价格方案字段不正确：%(fields)s"), params={"fields": ", ".join(sorted(unknown)) or "form"}
            )
        fields = dict(data)
        fields["tiers"] = tuple(_tier_from_dict(t) for t in data.get("tiers") or ())
        return cls(**fields).validate()


def terms_from_json(text: str | None) -> PlanTerms:
    """The validated terms stored as JSON on a price plan; InvalidPlan when they cannot be read."""
    try:
        data = json.loads(text or "{}")
    except (TypeError, ValueError) as exc:
        raise InvalidPlan(N_("价格方案格式不正确")) from exc
    try:
        return PlanTerms.from_dict(data)
    except (TypeError, ValueError, ArithmeticError) as exc:  # a malformed field of stored JSON
        if isinstance(exc, InvalidPlan):
            raise
        raise InvalidPlan(N_("价格方案格式不正确")) from exc


def entry_price_fen(terms: PlanTerms) -> int | None:
    """The price of the smallest purchase under a plan (fen, rounded up); None when negotiated."""
    if terms.form is ChargeForm.NEGOTIATED:
        return None
    if terms.form is ChargeForm.FREE_PUBLIC:
        return 0
    if terms.form in PACKAGE_PRICED_FORMS:
        return terms.price_fen
    prices = [t.unit_price_fen for t in terms.tiers] or [terms.unit_price_fen]
    return math.ceil(min(prices))


def lowest_entry_price_fen(terms: Iterable[PlanTerms]) -> int | None:
    """The lowest entry price among plans, None when none has a public price."""
    prices = [p for p in (entry_price_fen(t) for t in terms) if p is not None]
    return min(prices) if prices else None


_DICT_KEYS = frozenset(
    {
        "form",
        "price_fen",
        "unit_price_fen",
        "tiers",
        "free_quota",
        "package_calls",
        "period_months",
        "rate_per_second",
    }
)
MAX_RATE_PER_SECOND = 1000


def _decimal_text(value: Decimal) -> str:
    """Decimal as plain text without exponent, e.g. "0.4"."""
    return format(value, "f")


def _tier_from_dict(data: Any) -> Tier:
    """Build a Tier from its dict form."""
    if not isinstance(data, dict) or set(data) != {"up_to", "unit_price_fen"}:
        raise InvalidPlan(N_("阶梯格式不正确"))
    return Tier(up_to=data["up_to"], unit_price_fen=data["unit_price_fen"])


def _check_numbers(terms: PlanTerms) -> None:
    """Counts are non-negative ints, prices non-negative and at most 0.0001 yuan fine."""
    for name, what in (
        ("price_fen", "价格"),
        ("free_quota", "免费额度"),
        ("package_calls", "次数包次数"),
        ("period_months", "订阅周期"),
    ):
        _check_count(getattr(terms, name), what)
    _check_unit_price(terms.unit_price_fen, "单价")
    _check_count(terms.rate_per_second, N_("调用频率上限"))
    if terms.rate_per_second > MAX_RATE_PER_SECOND:
        raise InvalidPlan(N_("调用频率上限最多每秒%(n)s次"), params={"n": MAX_RATE_PER_SECOND})


# Which forms need which field; every other form must leave it at zero.
_FIELD_RULES = (
    ("price_fen", PACKAGE_PRICED_FORMS, N_("价格")),
    ("unit_price_fen", UNIT_PRICED_FORMS, N_("单价")),
    ("tiers", TIERED_FORMS, N_("阶梯")),
    ("package_calls", frozenset({ChargeForm.PREPAID_CALLS}), N_("包内次数")),
)


def _check_form_fields(terms: PlanTerms) -> None:
    """Each form needs its own fields set, and the other fields left at zero."""
    form, label = terms.form, CHARGE_FORM_LABELS[terms.form]
    for name, forms, what in _FIELD_RULES:
        present = bool(getattr(terms, name))
        if form in forms and not present:
            raise InvalidPlan(N_("%(label)s必须设置%(what)s"), params={"label": label, "what": what})
        if form not in forms and present and not (name == "unit_price_fen" and form in OVERAGE_FORMS):
            raise InvalidPlan(N_("%(label)s不适用%(what)s"), params={"label": label, "what": what})
    if terms.free_quota and form not in TIERED_FORMS | UNIT_PRICED_FORMS | OVERAGE_FORMS:
        raise InvalidPlan(N_("%(label)s不适用免费额度"), params={"label": label})
    if form in OVERAGE_FORMS and bool(terms.free_quota) != bool(terms.unit_price_fen):
        raise InvalidPlan(
            N_("%(label)s的超出计费须同时设置每月包含次数（免费额度）和超出单价"), params={"label": label}
        )
    expected = SUBSCRIPTION_MONTHS.get(form, 0)
    if terms.period_months != expected:
        if expected:
            raise InvalidPlan(N_("%(label)s的周期必须为%(n)s个月"), params={"label": label, "n": expected})
        raise InvalidPlan(N_("%(label)s不适用订阅周期"), params={"label": label})


def _check_tiers(tiers: tuple[Tier, ...]) -> None:
    """Tier limits strictly increase, only the last tier is open (up_to None)."""
    if tiers[-1].up_to is not None:
        raise InvalidPlan(N_("最后一档阶梯必须不设上限"))
    previous = 0
    for index, tier in enumerate(tiers, start=1):
        _check_unit_price(tier.unit_price_fen, Msg(N_("第%(index)s档单价"), index=index))
        if index == len(tiers):
            break
        if isinstance(tier.up_to, bool) or not isinstance(tier.up_to, int):
            raise InvalidPlan(N_("只有最后一档阶梯可以不设上限"))
        if tier.up_to <= previous:
            raise InvalidPlan(N_("阶梯必须按上限递增"))
        previous = tier.up_to


def highest_unit_price(terms: PlanTerms) -> Decimal:
    """The price compared with the cap: package/period price or the top unit price."""
    if terms.form in PACKAGE_PRICED_FORMS:
        return Decimal(terms.price_fen)
    if terms.form in UNIT_PRICED_FORMS:
        return terms.unit_price_fen
    if terms.form in TIERED_FORMS and terms.tiers:
        return max(tier.unit_price_fen for tier in terms.tiers)
    return Decimal(0)


def _cap_decimal(cap_fen: Decimal | int) -> Decimal:
    """Validate a cap (non-negative, exact) and return it as Decimal fen."""
    if isinstance(cap_fen, (bool, float)) or not isinstance(cap_fen, (int, Decimal)):
        raise PricingError(N_("上限收费标准格式不正确"))
    if not Decimal(cap_fen).is_finite() or cap_fen < 0:
        raise PricingError(N_("上限收费标准不能为负数"))
    return Decimal(cap_fen)


def _cap_refusal(what: str, price: Decimal, cap: Decimal, unit: str) -> CapExceeded:
    """The refusal naming the price and the cap, e.g. 价格 ¥0.60/次 超过上限收费标准 ¥0.50/次 (a template and its
    values, so each language fills them in)."""
    return CapExceeded(
        N_("%(what)s %(price)s 超过上限收费标准 %(cap)s"),
        price_fen=price,
        cap_fen=cap,
        unit=unit,
        params={
            "what": what,
            "price": Msg(N_("%(amount)s%(unit)s"), amount=format_unit_price(price), unit=unit),
            "cap": Msg(N_("%(amount)s%(unit)s"), amount=format_unit_price(cap), unit=unit),
        },
    )


def check_cap(terms: PlanTerms, *, cap_fen: Decimal | int | None) -> None:
    """Raise CapExceeded when any price, tier or package price is above the cap (R3)."""
    if cap_fen is None or terms.form is ChargeForm.NEGOTIATED:
        return
    cap = _cap_decimal(cap_fen)
    price = highest_unit_price(terms)
    if price > cap:
        unit = PRICE_UNITS.get(terms.form, "")
        raise _cap_refusal(N_("阶梯价格") if terms.form in TIERED_FORMS else N_("价格"), price, cap, unit)


def check_quote_cap(price_fen: int, *, cap_fen: Decimal | int | None, unit: str = "") -> None:
    """Raise CapExceeded when a negotiated quote is above the cap (R3)."""
    if cap_fen is None:
        return
    cap = _cap_decimal(cap_fen)
    if Decimal(price_fen) > cap:
        raise _cap_refusal(N_("报价"), Decimal(price_fen), cap, unit)
