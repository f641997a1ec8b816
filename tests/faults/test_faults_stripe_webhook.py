"""A gunicorn worker SIGKILLed while it handles Stripe's webhook: the payment is recorded once, when Stripe retries.

A card payment through localstripe (as tests/payments does); its signed `payment_intent.succeeded` event is then
delivered to the app under gunicorn the way Stripe delivers: again after every failed attempt. The worker is
killed twice, at pause points (marketplace/pause.py), each reached once:
1. inside the webhook's transaction, payment and order state flushed, not committed: nothing may be left;
2. after the commit, before the answer: Stripe saw no 2xx and sends the event again; it must not count twice.
The third delivery is answered 200 "duplicate". Then verify-audit (with the checkpoint taken before) and
verify-ledger pass.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import threading
import time

import pytest
from sqlalchemy import select

from marketplace.models import AuditRecord, Entitlement, Order, OrderStatus, PaymentMethod
from marketplace.models.payments import Payment, StripeEvent
from marketplace.pause import ONCE_ENV, PAUSE_ENV
from tests.faults.books import assert_books_verify, checkpoint
from tests.gateway.gunicorn_server import Gunicorn
from tests.payments.conftest import Buyers
from tests.payments.localstripe_proc import sign
from tests.payments.test_payments_stripe_flow import _fresh, _pay

pytestmark = pytest.mark.slow


def _post(server: Gunicorn, body: bytes, signature: str, timeout: float = 60) -> tuple[int, dict | None]:
    """One webhook delivery; (0, None) when the worker died before answering."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", "/webhooks/stripe", body=body,
                     headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        conn.close()


def _deliver_until_paused(server: Gunicorn, body: bytes, step: str) -> tuple[int, list]:
    """Deliver (signed anew, as Stripe signs each attempt) in a thread; the pid of the worker paused at `step`."""
    answer: list = []
    payload = body.decode()
    thread = threading.Thread(target=lambda: answer.append(_post(server, body, sign(payload))))
    thread.start()
    deadline = time.monotonic() + 60
    while (found := re.search(rf"paused at {step} pid (\d+)", server.log_text())) is None:
        assert thread.is_alive(), f"the delivery was answered without pausing at {step}: {answer}"
        assert time.monotonic() < deadline, f"no worker paused at {step}: {server.log_text()[-2000:]}"
        time.sleep(0.05)
    return int(found.group(1)), [thread, answer]


def _kill(pid: int, pending: list) -> None:
    os.kill(pid, signal.SIGKILL)
    thread, answer = pending
    thread.join(30)
    assert answer == [(0, None)], f"the killed worker answered: {answer}"


def _state(session, order):
    session.expire_all()
    payments = session.execute(select(Payment).where(Payment.order_id == order.id)).scalars().all()
    events = session.execute(select(StripeEvent)).scalars().all()
    audits = session.execute(select(AuditRecord.action).where(AuditRecord.object_id == str(order.id),
                                                              AuditRecord.action == "order.pay")).scalars().all()
    ents = session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalars().all()
    state = (session.get(Order, order.id).status, len(payments), len(events), len(audits), len(ents))
    session.rollback()  # no locks held while the app works
    return state, payments


def test_worker_killed_during_webhook_delivery_records_the_payment_once(app, db_url, web, session, runner,
                                                                         localstripe, inbox, tmp_path):
    app.config.update(localstripe.config())
    buyers = Buyers(session)
    order = buyers.order(price_fen=12_345)
    web.login(buyers.user.email)
    assert _pay(web, localstripe, order).status_code == 200
    order = _fresh(session, order)
    delivery = inbox.wait_for("payment_intent.succeeded", order.stripe_payment_intent)
    unpaid, _ = _state(session, order)
    assert unpaid[:3] == (OrderStatus.AWAITING_PAYMENT, 0, 0)
    mark = checkpoint(runner, tmp_path / "before.json")

    env = {**localstripe.config(), PAUSE_ENV: "webhook_flushed,webhook_committed",
           ONCE_ENV: str(tmp_path)}
    with Gunicorn(db_url, workers=2, threads=2, env=env) as server:  # the other worker takes the retry
        pid, pending = _deliver_until_paused(server, delivery.body, "webhook_flushed")
        _kill(pid, pending)
        assert _state(session, order)[0] == unpaid, "the killed transaction left nothing"

        pid, pending = _deliver_until_paused(server, delivery.body, "webhook_committed")  # Stripe's retry
        _kill(pid, pending)
        paid, _ = _state(session, order)
        assert paid[1:4] == (1, 1, 1), "committed once before the worker died"

        status, answer = _post(server, delivery.body, sign(delivery.body.decode()))  # Stripe's next retry
    assert (status, answer) == (200, {"received": True, "outcome": "duplicate"})
    final, payments = _state(session, order)
    assert final == paid, "the retry changed nothing"
    status_after, n_payments, n_events, n_audits, _ents = final
    assert status_after in (OrderStatus.PAID, OrderStatus.DELIVERED)
    assert (n_payments, n_events, n_audits) == (1, 1, 1), "payment, event and audit record exactly once"
    (payment,) = payments
    assert (payment.amount_fen, payment.method, payment.external_id) == (
        order.total_fen, PaymentMethod.STRIPE, order.stripe_payment_intent)
    assert_books_verify(runner, mark)
