"""The real stripe library against localstripe: intent, card, signed webhook, paid; refunds; replays."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models import AuditRecord, Entitlement, EntitlementStatus, Order, OrderStatus, PaymentMethod
from marketplace.models.payments import Payment, PaymentKind, StripeEvent
from marketplace.payments.card import refund_card_order
from marketplace.payments.stripe_gateway import create_payment_intent
from tests.payments.localstripe_proc import event_json, sign

VISA = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
DECLINED = {**VISA, "number": "4000000000000341"}


def _pay(web, localstripe, order, card=VISA):
    token = localstripe.client().v1.tokens.create({"card": dict(card)})
    return web.client.post(f"/orders/{order.number}/pay/card/confirm", json={"token": token.id},
                           headers={"X-CSRFToken": web.csrf(), "Accept": "application/json"})


def _deliver(web, body: bytes | str, signature: str):
    web.session.commit()  # the test is the boundary: what it arranged through use cases is committed first
    return web.client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                           content_type="application/json")


def _fresh(session, order) -> Order:
    session.expire_all()
    return session.get(Order, order.id)


def _charge_of(localstripe, order):
    """The order's charge as the API returns it now (localstripe has no charge listing by intent)."""
    client = localstripe.client()
    intent = client.v1.payment_intents.retrieve(order.stripe_payment_intent)
    charge_id = intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
    return client.v1.charges.retrieve(charge_id)


def _paid_by_card(web, session, buyers, localstripe, inbox) -> Order:
    order = buyers.order()
    web.login(buyers.user.email)
    assert _pay(web, localstripe, order).status_code == 200
    order = _fresh(session, order)
    delivery = inbox.wait_for("payment_intent.succeeded", order.stripe_payment_intent)
    assert _deliver(web, delivery.body, delivery.signature).json["outcome"] == "paid"
    return _fresh(session, order)


def test_card_payment_becomes_paid_through_the_signed_webhook(web, session, buyers, localstripe, inbox):
    order = buyers.order(price_fen=12_345)
    web.login(buyers.user.email)
    resp = _pay(web, localstripe, order)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["status"] == "succeeded" and "client_secret" not in resp.json
    order = _fresh(session, order)
    assert order.status == OrderStatus.AWAITING_PAYMENT  # only the webhook marks it paid
    intent = localstripe.client().v1.payment_intents.retrieve(order.stripe_payment_intent)
    assert (intent.amount, intent.currency, intent.status) == (order.total_fen, "cny", "succeeded")
    assert intent.metadata["order_number"] == order.number

    delivery = inbox.wait_for("payment_intent.succeeded", intent.id)
    resp = _deliver(web, delivery.body, delivery.signature)
    assert resp.status_code == 200 and resp.json == {"received": True, "outcome": "paid"}
    order = _fresh(session, order)
    assert order.status in (OrderStatus.PAID, OrderStatus.DELIVERED)
    assert order.payment_method == PaymentMethod.STRIPE and order.paid_at is not None
    payment = session.execute(select(Payment).where(Payment.order_id == order.id)).scalar_one()
    assert (payment.external_id, payment.amount_fen, payment.method) == (intent.id, order.total_fen, "stripe")
    assert session.execute(select(AuditRecord).where(AuditRecord.action == "order.pay",
                                                     AuditRecord.object_id == str(order.id))).scalar_one()

    audits, status = buyers.count(AuditRecord), order.status
    replay = _deliver(web, delivery.body, delivery.signature)
    assert replay.status_code == 200 and replay.json["outcome"] == "duplicate"
    assert buyers.count(AuditRecord) == audits and buyers.count(Payment) == 1 and buyers.count(StripeEvent) == 1
    assert _fresh(session, order).status == status


def test_declined_card_keeps_the_order_awaiting_payment_and_another_card_pays(web, session, buyers, localstripe, inbox):
    order = buyers.order()
    web.login(buyers.user.email)
    resp = _pay(web, localstripe, order, card=DECLINED)
    assert resp.status_code == 400 and "银行卡被拒绝" in resp.json["error"]["message"]
    order = _fresh(session, order)
    delivery = inbox.wait_for("payment_intent.payment_failed", order.stripe_payment_intent)
    resp = _deliver(web, delivery.body, delivery.signature)
    assert resp.json["outcome"] == "failed"
    order = _fresh(session, order)
    assert order.status == OrderStatus.AWAITING_PAYMENT and buyers.count(Payment) == 0
    failed = session.execute(select(AuditRecord).where(AuditRecord.action == "order.card_payment_failed")).scalar_one()
    assert failed.object_id == str(order.id) and order.stripe_payment_intent in failed.summary

    declined_intent = order.stripe_payment_intent
    resp = _pay(web, localstripe, order)  # another card: the declined intent is cancelled and replaced
    assert resp.status_code == 200 and resp.json["status"] == "succeeded"
    order = _fresh(session, order)
    assert order.stripe_payment_intent != declined_intent
    assert localstripe.client().v1.payment_intents.retrieve(declined_intent).status == "canceled"
    delivery = inbox.wait_for("payment_intent.succeeded", order.stripe_payment_intent)
    assert _deliver(web, delivery.body, delivery.signature).json["outcome"] == "paid"
    assert _fresh(session, order).status in (OrderStatus.PAID, OrderStatus.DELIVERED)


def test_finance_refund_goes_through_stripe_and_the_later_notice_changes_nothing(web, session, buyers, settings,
                                                                                  localstripe, inbox):
    order = _paid_by_card(web, session, buyers, localstripe, inbox)
    refund_card_order(session, actor=buyers.actor, settings=settings, order_id=order.id, reason="买方申请退款")
    order = _fresh(session, order)
    assert order.status == OrderStatus.REFUNDED
    charge = _charge_of(localstripe, order)
    assert charge.refunded and charge.amount_refunded == order.total_fen
    refund = session.execute(select(Payment).where(Payment.kind == PaymentKind.REFUND)).scalar_one()
    assert refund.external_id == charge.refunds.data[0].id and refund.amount_fen == -order.total_fen
    assert all(e.status != EntitlementStatus.ACTIVE
               for e in session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalars())

    audits = buyers.count(AuditRecord)
    body = event_json("charge.refunded", charge.to_dict())
    resp = _deliver(web, body, sign(body))
    assert resp.json["outcome"] == "already_refunded"
    assert buyers.count(AuditRecord) == audits and buyers.count(Payment) == 2


def test_refund_made_at_stripe_refunds_the_order(web, session, buyers, localstripe, inbox):
    order = _paid_by_card(web, session, buyers, localstripe, inbox)
    client = localstripe.client()
    client.v1.refunds.create({"payment_intent": order.stripe_payment_intent})
    charge = _charge_of(localstripe, order)
    body = event_json("charge.refunded", charge.to_dict())
    resp = _deliver(web, body, sign(body))
    assert resp.json["outcome"] == "refunded"
    assert _fresh(session, order).status == OrderStatus.REFUNDED
    assert _deliver(web, body, sign(body)).json["outcome"] == "duplicate"


def test_card_payment_for_an_order_already_paid_otherwise_is_kept_for_finance(web, session, buyers, settings):
    from marketplace.orders.payments import record_payment

    order = buyers.order()
    create_payment_intent(settings, order)
    session.commit()
    record_payment(session, actor=buyers.actor, order_id=order.id, method="bank_transfer",
                   amount_fen=order.total_fen, external_id="BANK-0001")
    body = event_json("payment_intent.succeeded", {"id": order.stripe_payment_intent, "object": "payment_intent",
                                                   "amount": order.total_fen, "currency": "cny"})
    resp = _deliver(web, body, sign(body))
    assert resp.status_code == 200 and resp.json["outcome"] == "rejected"
    order = _fresh(session, order)
    assert order.payment_method == PaymentMethod.BANK_TRANSFER and buyers.count(Payment) == 1
    rejected = session.execute(select(AuditRecord).where(AuditRecord.action == "stripe.event_rejected")).scalar_one()
    assert order.number in rejected.summary and "已支付" in rejected.summary


def test_unknown_events_are_acknowledged_and_ignored(web, buyers):
    body = event_json("customer.created", {"id": "cus_123", "object": "customer"})
    resp = _deliver(web, body, sign(body))
    assert resp.status_code == 200 and resp.json["outcome"] == "ignored"
    assert buyers.count(StripeEvent) == 1 and buyers.count(AuditRecord) == 0


def test_payment_intent_is_created_once_per_order(session, buyers, settings, localstripe):
    order = buyers.order()
    first = create_payment_intent(settings, order)
    again = create_payment_intent(settings, order)
    assert first == again and order.stripe_payment_intent == first[0]
    assert first[1].startswith(first[0] + "_secret_")
