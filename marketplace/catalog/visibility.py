"""The exchange's day, and the lowest public price of a product (whether it is on sale: supply.on_sale)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from marketplace.models import PricePlan
from pricing import ChargeForm, PlanTerms
from pricing.charge_forms import PACKAGE_PRICED_FORMS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date at the exchange (Asia/Shanghai)."""
    return datetime.now(SHANGHAI).date()


def plan_terms(plan: PricePlan) -> PlanTerms | None:
    """The plan's stored terms, or None when they cannot be read."""
    try:
        return PlanTerms.from_dict(json.loads(plan.terms or "{}"))
    except (ValueError, TypeError, Exception):  # noqa: BLE001  a broken stored plan must not break the page
        return None


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


def lowest_price_fen(plans: list[PricePlan]) -> int | None:
    """The lowest entry price among active plans, None when none has a public price."""
    prices = [entry_price_fen(t) for p in plans if p.active and (t := plan_terms(p)) is not None]
    prices = [p for p in prices if p is not None]
    return min(prices) if prices else None
