"""Paying a usage bill by card: the real stripe library against localstripe, settled by the signed webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.billing.overdue import suspend_overdue
from marketplace.billing.run import bill_usage
from marketplace.models import AuditRecord, Entitlement, PaymentMethod, Role
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.payments import StripeEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events
from tests.factories import make_user
from tests.payments.conftest import inbox, localstripe  # noqa: F401  (session fixtures)

VISA = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


@pytest.fixture
def app(app, localstripe):  # noqa: F811
    app.config.update(localstripe.config())
    return app


def _bill(session, api):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-12"] * 7)
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    return bill, a


def _pay(web, localstripe, bill):  # noqa: F811
    token = localstripe.client().v1.tokens.create({"card": dict(VISA)})
    return web.client.post(f"/bills/{bill.number}/pay/card/confirm", json={"token": token.id},
                           headers={"X-CSRFToken": web.csrf(), "Accept": "application/json"})


def test_a_bill_paid_by_card_becomes_paid_through_the_webhook_and_lifts_the_suspension(
        web, session, api, localstripe, inbox):  # noqa: F811
    bill, a = _bill(session, api)
    suspend_overdue(session, today=bill.due_date + timedelta(days=1), actor=ACTOR)
    session.commit()
    web.login(make_user(session, Role.BUYER, org=a.buyer).email)
    html = web.get(f"/bills/{bill.number}").get_data(as_text=True)
    assert 'id="pay-card"' in html
    assert web.get(f"/bills/{bill.number}/pay/card").status_code == 200
    resp = _pay(web, localstripe, bill)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["status"] == "succeeded"
    session.expire_all()
    bill = session.get(UsageBill, bill.id)
    assert bill.status == BillStatus.ISSUED and bill.stripe_payment_intent  # only the webhook marks it paid
    intent = localstripe.client().v1.payment_intents.retrieve(bill.stripe_payment_intent)
    assert (intent.amount, intent.currency, intent.metadata["bill_number"]) == (350, "cny", bill.number)
    delivery = inbox.wait_for("payment_intent.succeeded", bill.stripe_payment_intent)
    reply = web.client.post("/webhooks/stripe", data=delivery.body, content_type="application/json",
                            headers={"Stripe-Signature": delivery.signature})
    assert reply.json["outcome"] == "bill_paid"
    session.expire_all()
    bill = session.get(UsageBill, bill.id)
    assert (bill.status, bill.payment_method, bill.payment_reference) == (
        BillStatus.PAID, PaymentMethod.STRIPE, bill.stripe_payment_intent)
    assert session.get(Entitlement, bill.entitlement_id).overdue_bill is None
    again = web.client.post("/webhooks/stripe", data=delivery.body, content_type="application/json",
                            headers={"Stripe-Signature": delivery.signature})
    assert again.json["outcome"] == "duplicate"
    assert session.execute(select(StripeEvent.outcome)).scalars().all() == ["bill_paid"]
    actions = set(session.execute(select(AuditRecord.action)).scalars())
    assert {"bill.card_intent", "bill.pay", "entitlement.resume_overdue"} <= actions


def test_a_paid_bill_cannot_be_paid_by_card_again(web, session, api, localstripe):  # noqa: F811
    bill, a = _bill(session, api)
    bill.status = BillStatus.PAID
    session.commit()
    web.login(make_user(session, Role.BUYER, org=a.buyer).email)
    resp = _pay(web, localstripe, bill)
    assert resp.status_code == 409 and "已支付" in resp.json["error"]["message"]
