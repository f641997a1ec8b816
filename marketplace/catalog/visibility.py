"""The exchange's day, and the lowest public price of a product (whether it is on sale: supply.on_sale)."""

from __future__ import annotations

from marketplace.models import PricePlan
from marketplace.supply.on_sale import plan_terms
from pricing import lowest_entry_price_fen


def lowest_price_fen(plans: list[PricePlan]) -> int | None:
    """The lowest entry price among active plans, None when none has a public price."""
    return lowest_entry_price_fen(t for p in plans if p.active and (t := plan_terms(p)) is not None)
