"""Read side of quotes: lists for each side and the thread page's data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.demand.parties import current_cap_fen, load_quote
from marketplace.demand.quotes import OFFER_FORMS
from marketplace.models import Order, Organization, Product
from marketplace.models.demand import OfferStatus, QuoteMessage, QuoteOffer, QuoteRequest


@dataclass
class QuoteThread:
    """Everything the quote page shows."""

    quote: QuoteRequest
    product: Product
    side: str  # "buyer" or "seller"
    buyer: Organization
    seller: Organization
    offers: list[QuoteOffer]
    messages: list[QuoteMessage]
    org_names: dict[int, str]
    order_numbers: dict[int, str]  # order id -> number, for accepted offers

    @property
    def open_offer(self) -> QuoteOffer | None:
        """The offer the buyer may still act on."""
        return next((o for o in self.offers if o.status == OfferStatus.OPEN), None)


def offer_expired(offer: QuoteOffer) -> bool:
    """Past its validity date (Asia/Shanghai)."""
    return offer.valid_until < today_local()


def offer_terms(offer: QuoteOffer) -> dict:
    """The offer's plan terms as a dict."""
    return json.loads(offer.terms or "{}")


def get_quote_thread(session: Session, *, actor: Actor, quote_id: int) -> QuoteThread:
    """The quote with offers and messages, for a party to it; NotFound otherwise."""
    quote, product, side = load_quote(session, actor=actor, quote_id=quote_id)
    offers = list(session.execute(select(QuoteOffer).where(QuoteOffer.quote_id == quote.id)
                                  .order_by(QuoteOffer.id)).scalars())
    messages = list(session.execute(select(QuoteMessage).where(QuoteMessage.quote_id == quote.id)
                                    .order_by(QuoteMessage.id)).scalars())
    buyer = session.get(Organization, quote.buyer_org_id)
    seller = session.get(Organization, quote.seller_org_id)
    ids = {m.author_org_id for m in messages} | {product.operator_id}
    names = {o.id: o.name for o in session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()}
    order_ids = [o.order_id for o in offers if o.order_id]
    numbers = dict(session.execute(select(Order.id, Order.number).where(Order.id.in_(order_ids))).all()) \
        if order_ids else {}
    return QuoteThread(quote, product, side, buyer, seller, offers, messages, names, numbers)


def offer_caps(session: Session, product_id: int) -> dict[str, Decimal]:
    """The caps (fen) binding offers on this product, per offer charge form that has one."""
    caps = {form.value: current_cap_fen(session, product_id, form.value) for form in OFFER_FORMS}
    return {form: cap for form, cap in caps.items() if cap is not None}


def list_buyer_quotes(session: Session, *, org_id: int) -> list[tuple[QuoteRequest, Product]]:
    """The buyer organization's quote requests, latest activity first."""
    return list(session.execute(
        select(QuoteRequest, Product).join(Product, Product.id == QuoteRequest.product_id)
        .where(QuoteRequest.buyer_org_id == org_id).order_by(QuoteRequest.updated_at.desc(), QuoteRequest.id.desc())
    ).all())


def list_seller_quotes(session: Session, *, org_id: int,
                       status: str | None = None) -> list[tuple[QuoteRequest, Product, Organization]]:
    """Quote requests the organization answers (as broker or operator), with the buyer."""
    query = (select(QuoteRequest, Product, Organization)
             .join(Product, Product.id == QuoteRequest.product_id)
             .join(Organization, Organization.id == QuoteRequest.buyer_org_id)
             .where(or_(QuoteRequest.seller_org_id == org_id, Product.operator_id == org_id)))
    if status:
        query = query.where(QuoteRequest.status == status)
    return list(session.execute(query.order_by(QuoteRequest.updated_at.desc(), QuoteRequest.id.desc())).all())
