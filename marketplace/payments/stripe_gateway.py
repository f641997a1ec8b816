"""Card payments through Stripe: PaymentIntents in CNY, refunds, and the webhook events that settle them.

No Flask here: the web layer builds StripeSettings from app.config and passes them in. The API base may
point at a stand-in (localstripe) so that tests and demos run offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.billing.payments import record_bill_paid
from marketplace.errors import Conflict, DomainError
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderStatus, PaymentMethod
from marketplace.models.billing import UsageBill
from marketplace.models.payments import StripeEvent
from marketplace.orders.payments import record_payment, record_refund
from marketplace.pause import pause_point

STRIPE_JS = "https://js.stripe.com/v3/"
TIMEOUT_S = 20
WEBHOOK_TOLERANCE_S = 300
CARD_ERRORS = {
    "card_declined": "发卡行拒绝了这笔交易，请换一张卡或联系发卡行",
    "expired_card": "银行卡已过期",
    "incorrect_cvc": "安全码（CVC）不正确",
    "incorrect_number": "卡号不正确",
    "insufficient_funds": "卡内余额不足",
    "processing_error": "处理出错，请稍后重试",
}


class PaymentError(DomainError):
    """A card payment could not be started, confirmed or refunded."""


class WebhookRejected(PaymentError):
    """A webhook body whose signature, timestamp or JSON is not acceptable."""


class GatewayUnavailable(PaymentError):
    """Stripe (or its stand-in) did not answer."""

    status = 503


@dataclass(frozen=True)
class StripeSettings:
    """Keys and endpoint of the Stripe account (STRIPE_* settings)."""

    secret_key: str | None
    publishable_key: str | None = None
    webhook_secret: str | None = None
    api_base: str | None = None

    @property
    def enabled(self) -> bool:
        """Card payment is offered only when a secret key is configured."""
        return bool(self.secret_key)

    @property
    def is_stripe_hosted(self) -> bool:
        """True for Stripe itself; False for a stand-in such as localstripe."""
        host = urlsplit(self.api_base or "https://api.stripe.com").hostname or ""
        return host == "stripe.com" or host.endswith(".stripe.com")

    @property
    def js_url(self) -> str:
        """Where the browser loads Stripe.js from (a stand-in serves its own copy)."""
        if self.is_stripe_hosted:
            return STRIPE_JS
        return f"{self.api_base.rstrip('/')}/js.stripe.com/v3/"

    def client(self) -> stripe.StripeClient:
        """A client bound to this account and API base."""
        if not self.enabled:
            raise PaymentError(N_("未启用银行卡支付"))
        bases = {"api": self.api_base.rstrip("/")} if self.api_base else None
        return stripe.StripeClient(self.secret_key, base_addresses=bases, max_network_retries=1,
                                   http_client=stripe.RequestsClient(timeout=TIMEOUT_S))


def _call(fn, *args, **kwargs):
    """Run one Stripe request, turning its errors into domain errors with Chinese messages."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as e:
        reason = CARD_ERRORS.get(e.code or "", e.user_message or "请换一张卡或联系发卡行")
        raise PaymentError(N_("银行卡被拒绝：%(reason)s"), params={"reason": reason}) from e
    except (stripe.APIConnectionError, stripe.RateLimitError) as e:
        raise GatewayUnavailable(N_("银行卡支付服务暂时无法连接，请稍后重试或改用对公转账")) from e
    except stripe.StripeError as e:
        raise PaymentError(N_("银行卡支付服务拒绝了请求：%(value)s"), params={"value": e.user_message or e}) from e


def _check_payable(order: Order) -> None:
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(N_("订单 %(number)s 当前状态不能付款"), params={"number": order.number})
    if order.total_fen <= 0:
        raise PaymentError(N_("订单 %(number)s 无需付款"), params={"number": order.number})


def create_payment_intent(settings: StripeSettings, order: Order) -> tuple[str, str]:
    """Create (or find again) the order's PaymentIntent; sets order.stripe_payment_intent (caller commits).

    An intent whose card was declined is cancelled and replaced, so that another card can be tried
    (localstripe cannot confirm a declined intent again; Stripe accepts either way).
    """
    _check_payable(order)
    client = settings.client()
    existing, key = open_intent(client, order.stripe_payment_intent, prefix=f"order-{order.number}")
    if existing is not None:
        return existing.id, existing.client_secret
    params = {"amount": order.total_fen, "currency": "cny", "payment_method_types": ["card"],
              "metadata": {"order_number": order.number}}
    intent = _call(client.v1.payment_intents.create, params, {"idempotency_key": key})
    order.stripe_payment_intent = intent.id
    return intent.id, intent.client_secret


def _spent(intent) -> bool:
    """A cancelled intent, or one whose last attempt failed."""
    return intent.status == "canceled" or (intent.status == "requires_payment_method" and bool(intent.latest_charge))


def open_intent(client, intent_id: str | None, *, prefix: str):
    """The PaymentIntent still payable (reuse it) and None otherwise, with the idempotency key of a new one;
    a spent intent (declined card) is cancelled first, so that another card can be tried."""
    key = f"{prefix}-intent"
    if intent_id:
        intent = _call(client.v1.payment_intents.retrieve, intent_id)
        if not _spent(intent):
            return intent, key
        if intent.status != "canceled":
            _call(client.v1.payment_intents.cancel, intent.id)
        key = f"{prefix}-after-{intent.id}"
    return None, key


def _payment_method_for_token(settings: StripeSettings, client: stripe.StripeClient, token_id: str) -> str:
    """A payment method id for a Stripe.js card token.

    Stripe turns the token into a PaymentMethod (card[token]); localstripe does not support that and
    takes the token's card id directly.
    """
    if settings.is_stripe_hosted:
        pm = _call(client.v1.payment_methods.create, {"type": "card", "card": {"token": token_id}})
        return pm.id
    token = _call(client.v1.tokens.retrieve, token_id)
    return token.card.id


def confirm_card_payment(settings: StripeSettings, intent_id: str, token_id: str) -> tuple[str, str]:
    """Attach the card of a Stripe.js token to the intent and confirm it: returns (status, client_secret)."""
    token_id = (token_id or "").strip()
    if not token_id.startswith("tok_") or len(token_id) > 100:
        raise PaymentError(N_("银行卡信息无效，请重新填写"), field="token")
    client = settings.client()
    intent = _call(client.v1.payment_intents.retrieve, intent_id)
    if intent.status in ("succeeded", "processing", "requires_capture"):
        return intent.status, intent.client_secret
    method = _payment_method_for_token(settings, client, token_id)
    _call(client.v1.payment_intents.update, intent_id, {"payment_method": method})
    intent = _call(client.v1.payment_intents.confirm, intent_id)
    return intent.status, intent.client_secret


def intent_status(settings: StripeSettings, order: Order) -> str | None:
    """The current status of the order's PaymentIntent at Stripe (None when there is none)."""
    if not order.stripe_payment_intent:
        return None
    return _call(settings.client().v1.payment_intents.retrieve, order.stripe_payment_intent).status


def refund_card_payment(settings: StripeSettings, order: Order) -> str:
    """Refund the order's card payment in full at Stripe; returns the refund id (idempotent per order)."""
    if not order.stripe_payment_intent:
        raise PaymentError(N_("订单 %(number)s 没有银行卡支付记录，不能原路退款"), params={"number": order.number})
    refund = _call(settings.client().v1.refunds.create, {"payment_intent": order.stripe_payment_intent},
                   {"idempotency_key": f"order-{order.number}-refund"})
    return refund.id


# --- webhook events -------------------------------------------------------------------------------------

STRIPE_ACTOR = Actor.system("stripe")


def verify_event(settings: StripeSettings, payload: bytes, signature: str | None) -> stripe.Event:
    """Parse a webhook body after checking its signature and timestamp (300 s); raises WebhookRejected."""
    if not settings.webhook_secret:
        raise WebhookRejected(N_("未配置 STRIPE_WEBHOOK_SECRET，无法校验通知"))
    try:
        return stripe.Webhook.construct_event(payload.decode("utf-8"), signature or "", settings.webhook_secret,
                                              tolerance=WEBHOOK_TOLERANCE_S)
    except stripe.SignatureVerificationError as e:
        raise WebhookRejected(N_("通知签名校验失败：%(value)s"), params={"value": e.user_message or e}) from e
    except (ValueError, UnicodeDecodeError) as e:
        raise WebhookRejected(N_("通知内容不是有效的 JSON")) from e


def handle_event(session: Session, *, settings: StripeSettings, event) -> str:
    """Act once on a verified event: pay, note a failure, refund or ignore; returns the outcome. Caller commits.

    The event row and the handler's changes are one savepoint: a refused event keeps only its rejection.
    """
    event = event.to_dict() if hasattr(event, "to_dict") else event  # plain dicts from here on
    event_id, kind = str(event["id"]), str(event["type"])
    if _seen(session, event_id):
        return "duplicate"
    row = StripeEvent(event_id=event_id, type=kind, outcome="ignored")
    handler = _HANDLERS.get(kind)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
            if handler is not None:
                handler(session, row, event["data"]["object"])
            session.flush()
            pause_point("webhook_flushed")  # tests: a SIGKILL here, before the commit, leaves nothing
    except IntegrityError:  # the same event delivered concurrently
        return "duplicate"
    except DomainError as e:
        _record_rejection(session, event_id=event_id, kind=kind, obj=event["data"]["object"], message=e.text)
        return "rejected"
    return row.outcome


def _seen(session: Session, event_id: str) -> bool:
    return session.execute(select(StripeEvent.id).where(StripeEvent.event_id == event_id)).first() is not None


def _order_for_intent(session: Session, intent_id: str | None, metadata: dict | None = None) -> Order | None:
    """The order of an intent; an intent replaced after a decline is found by its order number."""
    if not intent_id:
        return None
    order = session.execute(select(Order).where(Order.stripe_payment_intent == intent_id)).scalar_one_or_none()
    number = (metadata or {}).get("order_number")
    if order is None and number:
        order = session.execute(select(Order).where(Order.number == str(number))).scalar_one_or_none()
    return order


def _bill_for_intent(session: Session, intent) -> UsageBill | None:
    """The usage bill an intent pays (payments.bill_card puts the bill number in the metadata)."""
    bill = session.execute(select(UsageBill).where(UsageBill.stripe_payment_intent == intent["id"])).scalar()
    number = (intent.get("metadata") or {}).get("bill_number")
    if bill is None and number:
        bill = session.execute(select(UsageBill).where(UsageBill.number == str(number))).scalar()
    return bill


def _on_bill_paid(session: Session, row: StripeEvent, intent, bill: UsageBill) -> None:
    if str(intent.get("currency", "")).lower() != "cny":
        raise PaymentError(N_("支付币种 %(value)s 不是人民币"), params={"value": intent.get('currency')})
    row.outcome, row.detail = "bill_paid", bill.number
    record_bill_paid(session, bill_id=bill.id, amount_fen=int(intent.get("amount_received") or intent["amount"]),
                     serial=intent["id"], method=PaymentMethod.STRIPE, actor=STRIPE_ACTOR)


def _on_succeeded(session: Session, row: StripeEvent, intent) -> None:
    bill = _bill_for_intent(session, intent)
    if bill is not None:
        return _on_bill_paid(session, row, intent, bill)
    order = _order_for_intent(session, intent["id"], intent.get("metadata"))
    if order is None:
        row.outcome, row.detail = "unknown_order", f"no order for {intent['id']}"
        return
    row.order_id = order.id
    if str(intent.get("currency", "")).lower() != "cny":
        raise PaymentError(N_("支付币种 %(value)s 不是人民币"), params={"value": intent.get('currency')})
    row.outcome = "paid"
    record_payment(session, actor=STRIPE_ACTOR, order_id=order.id, method=PaymentMethod.STRIPE,
                   amount_fen=int(intent.get("amount_received") or intent["amount"]), external_id=intent["id"])


def _on_failed(session: Session, row: StripeEvent, intent) -> None:
    order = _order_for_intent(session, intent["id"], intent.get("metadata"))
    if order is None:
        row.outcome = "unknown_order"
        return
    error = intent.get("last_payment_error") or {}
    message = str(error.get("message") or error.get("code") or "")[:300]
    row.order_id, row.outcome, row.detail = order.id, "failed", message
    record_audit(session, actor=STRIPE_ACTOR, action="order.card_payment_failed", object_type="order",
                 object_id=order.id, org_id=order.buyer_org_id, before=None,
                 after={"number": order.number, "status": order.status, "intent": intent["id"], "error": message})


def _on_refunded(session: Session, row: StripeEvent, charge) -> None:
    order = _order_for_intent(session, charge.get("payment_intent"))
    if order is None:
        row.outcome = "unknown_order"
        return
    row.order_id = order.id
    if not charge.get("refunded"):  # partial refunds are not an order state; finance sees the audit
        row.outcome = "partial_refund"
        record_audit(session, actor=STRIPE_ACTOR, action="order.card_partial_refund", object_type="order",
                     object_id=order.id, org_id=order.buyer_org_id,
                     after={"number": order.number, "amount_refunded": charge.get("amount_refunded")})
        return
    refunds = (charge.get("refunds") or {}).get("data") or []
    external_id = refunds[0]["id"] if refunds else f"{charge['id']}:refund"
    row.outcome = "already_refunded" if order.status == OrderStatus.REFUNDED else "refunded"
    record_refund(session, actor=STRIPE_ACTOR, order_id=order.id, external_id=external_id,
                  reason="银行卡款项已在 Stripe 退回")


def _record_rejection(session: Session, *, event_id: str, kind: str, obj, message: str) -> None:
    """Keep the event as handled (Stripe must not retry it forever) and leave an audit record for finance."""
    order = _order_for_intent(session, obj.get("id") if kind.startswith("payment_intent.")
                              else obj.get("payment_intent"))
    session.add(StripeEvent(event_id=event_id, type=kind, outcome="rejected", detail=message[:500],
                            order_id=order.id if order else None))
    record_audit(session, actor=STRIPE_ACTOR, action="stripe.event_rejected", object_type="stripe_event",
                 object_id=event_id, org_id=order.buyer_org_id if order else None,
                 after={"type": kind, "order": order.number if order else None, "message": message})
    session.flush()


_HANDLERS = {
    "payment_intent.succeeded": _on_succeeded,
    "payment_intent.payment_failed": _on_failed,
    "charge.refunded": _on_refunded,
}
