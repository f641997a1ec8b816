"""Who sells a product through quotes, the cap that binds an offer, and who may open a quote."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Product
from marketplace.models.demand import QuoteRequest
from marketplace.supply.caps import applicable_cap
from marketplace.supply.on_sale import product_mandate


def active_broker_id(session: Session, product: Product) -> int | None:
    """The product's broker when a mandate in force from its operator covers it (R6, supply.on_sale)."""
    return product.broker_id if product_mandate(session, product, today_local()) else None


def seller_org_id(session: Session, product: Product) -> int:
    """Who answers quotes: the mandated broker, else the operator."""
    return active_broker_id(session, product) or product.operator_id


def current_cap_fen(session: Session, product_id: int, charge_form: str) -> Decimal | None:
    """The cap in fen binding an offer of this form today (its own form's, else the 面议 cap; supply.caps)."""
    cap = applicable_cap(session, product_id, charge_form, today=today_local(), offer=True)
    return Decimal(cap.cap_fen) if cap is not None else None


def quote_side(quote: QuoteRequest, product: Product, org_id: int | None) -> str | None:
    """"buyer" or "seller" for an organization taking part in the quote, else None."""
    if org_id is None:
        return None
    if org_id == quote.buyer_org_id:
        return "buyer"
    if org_id in (quote.seller_org_id, product.operator_id):
        return "seller"
    return None


def load_quote(session: Session, *, actor: Actor, quote_id: int,
               side: str | None = None) -> tuple[QuoteRequest, Product, str]:
    """The quote, its product and the actor's side; NotFound for anyone else (or the wrong side)."""
    quote = session.get(QuoteRequest, quote_id)
    product = session.get(Product, quote.product_id) if quote else None
    found = quote_side(quote, product, actor.org_id) if product else None
    if found is None or (side is not None and found != side):
        raise NotFound(N_("询价单不存在"))
    return quote, product, found
