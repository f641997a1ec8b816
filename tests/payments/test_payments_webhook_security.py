"""A webhook with a bad signature, an old timestamp or a changed body is refused and changes nothing."""

from __future__ import annotations

import time

import pytest

from marketplace.models import AuditRecord, Order, OrderStatus
from marketplace.models.payments import StripeEvent
from marketplace.payments.stripe_gateway import create_payment_intent
from tests.payments.localstripe_proc import event_json, sign


@pytest.fixture
def pending(session, buyers, settings):
    """An order awaiting payment with its PaymentIntent, and a succeeded event about it."""
    order = buyers.order()
    create_payment_intent(settings, order)
    session.commit()
    body = event_json("payment_intent.succeeded", {"id": order.stripe_payment_intent, "object": "payment_intent",
                                                   "amount": order.total_fen, "amount_received": order.total_fen,
                                                   "currency": "cny", "status": "succeeded"})
    return order, body


def _post(web, body, signature):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return web.client.post("/webhooks/stripe", data=body, headers=headers, content_type="application/json")


CASES = {
    "wrong secret": lambda body: (body, sign(body, secret="whsec_attacker")),
    "old timestamp": lambda body: (body, sign(body, timestamp=int(time.time()) - 301)),
    "changed body": lambda body: (body.replace('"amount": ', '"amount": 1'), sign(body)),
    "missing header": lambda body: (body, None),
    "garbage header": lambda body: (body, "t=abc,v1=zzz"),
    "not json": lambda body: ("not json", sign("not json")),
}


@pytest.mark.parametrize("case", CASES)
def test_rejected_webhooks_change_nothing(web, session, buyers, pending, case):
    order, body = pending
    audits = buyers.count(AuditRecord)
    sent, signature = CASES[case](body)
    resp = _post(web, sent, signature)
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "bad_signature" and resp.json["error"]["message"]
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert buyers.count(StripeEvent) == 0 and buyers.count(AuditRecord) == audits


def test_the_same_event_correctly_signed_is_accepted(web, session, pending):
    order, body = pending
    resp = _post(web, body, sign(body, timestamp=int(time.time()) - 200))
    assert resp.status_code == 200 and resp.json["outcome"] == "paid"
    session.expire_all()
    assert session.get(Order, order.id).status in (OrderStatus.PAID, OrderStatus.DELIVERED)


def test_webhook_without_a_configured_secret_is_refused(app, web, pending):
    order, body = pending
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    resp = _post(web, body, sign(body))
    assert resp.status_code == 400 and "STRIPE_WEBHOOK_SECRET" in resp.json["error"]["message"]
