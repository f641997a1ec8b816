"""Paying a usage bill by card: a Stripe PaymentIntent with the bill number in its metadata.

The webhook (payments.stripe_gateway, payment_intent.succeeded) finds the bill by intent or metadata and
records it through billing.payments.record_bill_paid, as an order's card payment is recorded.
"""

from __future__ import annotations

from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.billing.payments import get_bill_by_number
from marketplace.errors import Conflict
from marketplace.i18n_marker import N_
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.payments.card import CardAttempt
from marketplace.payments.stripe_gateway import StripeSettings, _call, confirm_card_payment, open_intent


def payable_bill(session: Session, *, number: str, buyer_org_id: int) -> UsageBill:
    """The buyer's own bill awaiting payment (another buyer's answers NotFound)."""
    bill = get_bill_by_number(session, number, buyer_org_id=buyer_org_id)
    if bill.status != BillStatus.ISSUED or bill.amount_fen <= 0:
        raise Conflict(N_("账单 %(number)s 已支付或无需付款"), params={"number": bill.number})
    return bill


def create_bill_intent(settings: StripeSettings, bill: UsageBill) -> tuple[str, str]:
    """Create (or find again) the bill's PaymentIntent; sets bill.stripe_payment_intent (caller flushes)."""
    client = settings.client()
    existing, key = open_intent(client, bill.stripe_payment_intent, prefix=f"bill-{bill.number}")
    if existing is not None:
        return existing.id, existing.client_secret
    params = {
        "amount": bill.amount_fen,
        "currency": "cny",
        "payment_method_types": ["card"],
        "metadata": {"bill_number": bill.number},
    }
    intent = _call(client.v1.payment_intents.create, params, {"idempotency_key": key})
    bill.stripe_payment_intent = intent.id
    return intent.id, intent.client_secret


def start_bill_card_payment(
    session: Session, *, actor: Actor, settings: StripeSettings, number: str, buyer_org_id: int
) -> str:
    """Create the bill's PaymentIntent once (saved and audited); returns its id. Flushes; the caller commits."""
    bill = payable_bill(session, number=number, buyer_org_id=buyer_org_id)
    previous = bill.stripe_payment_intent
    intent_id, _secret = create_bill_intent(settings, bill)
    if intent_id != previous:
        record_audit(
            session,
            actor=actor,
            action="bill.card_intent",
            object_type="usage_bill",
            object_id=bill.id,
            org_id=bill.buyer_org_id,
            after={"number": bill.number, "intent": intent_id, "replaces": previous, "amount_fen": bill.amount_fen},
        )
    session.flush()
    return intent_id


def confirm_bill_card(settings: StripeSettings, *, intent_id: str, token_id: str) -> CardAttempt:
    """Confirm the intent with a Stripe.js card token (after the boundary committed the intent)."""
    status, secret = confirm_card_payment(settings, intent_id, token_id)
    return CardAttempt(status=status, client_secret=secret)
