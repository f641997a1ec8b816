"""Use cases around card payment: a buyer pays an order by card, finance refunds a card payment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.common import get_order, get_order_by_number
from marketplace.orders.payments import record_refund
from marketplace.payments.stripe_gateway import (
    PaymentError,
    StripeSettings,
    confirm_card_payment,
    create_payment_intent,
    refund_card_payment,
)


@dataclass(frozen=True)
class CardAttempt:
    """What the browser needs after a confirmation: Stripe's status, and the secret for a 3-D Secure step."""

    status: str
    client_secret: str

    @property
    def needs_action(self) -> bool:
        return self.status == "requires_action"


def payable_order(session: Session, *, number: str, buyer_org_id: int) -> Order:
    """The buyer's own order awaiting payment (another buyer's answers NotFound)."""
    order = get_order_by_number(session, number, buyer_org_id=buyer_org_id)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(N_("订单 %(number)s 当前状态不能付款"), params={"number": order.number})
    return order


def start_card_payment(session: Session, *, actor: Actor, settings: StripeSettings, number: str,
                       buyer_org_id: int) -> str:
    """The order's PaymentIntent, created once (saved and audited; replaced after a decline); the caller commits.

    The caller commits before `confirm_card` so the intent is on record before the card is charged.
    """
    order = payable_order(session, number=number, buyer_org_id=buyer_org_id)
    previous = order.stripe_payment_intent
    intent_id, _secret = create_payment_intent(settings, order)
    if intent_id != previous:
        after = {"number": order.number, "intent": intent_id, "replaces": previous, "amount_fen": order.total_fen}
        record_audit(session, actor=actor, action="order.card_intent", object_type="order", object_id=order.id,
                     org_id=order.buyer_org_id, before=None, after=after)
        session.flush()
    return intent_id


def confirm_card(settings: StripeSettings, *, intent_id: str, token_id: str) -> CardAttempt:
    """Confirm a saved PaymentIntent with a Stripe.js card token (no database write: the webhook records it)."""
    status, secret = confirm_card_payment(settings, intent_id, token_id)
    return CardAttempt(status=status, client_secret=secret)


def refund_card_order(session: Session, *, actor: Actor, settings: StripeSettings, order_id: int,
                      reason: str) -> Order:
    """Refund a card-paid order through Stripe, then record the refund (finance)."""
    order = get_order(session, order_id)
    if order.payment_method != PaymentMethod.STRIPE or not order.stripe_payment_intent:
        raise PaymentError(N_("订单 %(number)s 不是银行卡支付，请按对公转账线下退款"), params={"number": order.number})
    if order.status not in (OrderStatus.PAID, OrderStatus.DELIVERED):
        raise Conflict(N_("订单 %(number)s 未支付或已退款，不能退款"), params={"number": order.number})
    if not (reason or "").strip():
        raise PaymentError(N_("请填写退款原因"), field="reason")
    refund_id = refund_card_payment(settings, order)
    return record_refund(session, actor=actor, order_id=order.id, external_id=refund_id, reason=reason)
