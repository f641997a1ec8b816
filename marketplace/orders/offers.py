"""Accepting a quote offer: orders places the order at the offer's price, then the quote closes.

It lives in orders (not demand) because orders builds on demand: demand knows quotes and offers, orders
turns an accepted offer into an order.
"""

from __future__ import annotations

from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.demand.quotes import buyer_open_offer
from marketplace.models import Order
from marketplace.models.base import utcnow
from marketplace.models.demand import OfferStatus, QuoteOffer, QuoteRequest, QuoteStatus
from marketplace.orders.checkout import InvoiceIn, place_order


def accept_offer(
    session: Session, *, actor: Actor, offer_id: int, invoice: InvoiceIn | None, purpose: str = ""
) -> Order:
    """The buyer accepts an open offer: an order at the offer's price (orders' place_order), then the quote closes."""
    offer, quote = buyer_open_offer(session, actor=actor, offer_id=offer_id)
    order = place_order(
        session,
        actor=actor,
        buyer_org_id=quote.buyer_org_id,
        product_id=quote.product_id,
        plan_id=offer.plan_id,
        quantity=1,
        use_type=quote.use_type,
        purpose=purpose or quote.message,
        invoice=invoice,
        submit_token=f"quote-offer-{offer.id}",
        quote_offer=offer,
    )
    offer = session.get(QuoteOffer, offer_id)
    quote = session.get(QuoteRequest, quote.id)
    offer.status, offer.decided_at, offer.order_id = OfferStatus.ACCEPTED, utcnow(), order.id
    quote.status, quote.updated_at = QuoteStatus.ACCEPTED, utcnow()
    record_audit(
        session,
        actor=actor,
        action="quote.offer_accept",
        object_type="quote_offer",
        object_id=offer.id,
        before={"status": OfferStatus.OPEN},
        after={"status": offer.status, "order": order.number, "price_fen": offer.price_fen},
    )
    session.flush()
    return order
