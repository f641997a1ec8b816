"""The card payment page and its confirm endpoint: own orders only, right state, keys passed safely."""

from __future__ import annotations

from marketplace.models import Order, OrderStatus, Role
from marketplace.models.payments import StripeEvent
from tests.factories import make_org, make_user


def _confirm(web, number, token="tok_x", csrf=True):
    headers = {"Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = web.csrf()
    return web.client.post(f"/orders/{number}/pay/card/confirm", json={"token": token}, headers=headers)


def test_pay_page_renders_the_card_form_with_localstripe_js(web, buyers, localstripe):
    order = buyers.order(price_fen=9_900)
    web.login(buyers.user.email)
    resp = web.get(f"/orders/{order.number}/pay/card")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'<script src="{localstripe.base}/js.stripe.com/v3/"></script>' in html
    assert 'data-publishable-key="pk_test_exchange"' in html and "js/stripe-pay.js" in html
    assert "sk_test" not in html and "whsec" not in html
    assert "¥99.00" in html and order.number in html and "<script>" not in html
    csp = resp.headers["Content-Security-Policy"]
    assert f"script-src 'self' {localstripe.base}" in csp and f"connect-src 'self' {localstripe.base}" in csp


def test_another_buyers_order_answers_404(web, session, buyers):
    order = buyers.order()
    other = make_user(session, Role.BUYER)
    web.login(other.email)
    assert web.get(f"/orders/{order.number}/pay/card").status_code == 404
    assert web.get("/orders/NO-SUCH/pay/card").status_code == 404
    resp = _confirm(web, order.number)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "NotFound"
    session.expire_all()
    assert session.get(Order, order.id).stripe_payment_intent is None


def test_other_roles_may_not_pay(web, session, buyers):
    order = buyers.order()
    operator = make_user(session, Role.OPERATOR)
    web.login(operator.email)
    assert web.get(f"/orders/{order.number}/pay/card").status_code == 403


def test_closed_orders_cannot_be_paid(web, session, buyers):
    order = buyers.order()
    order.status = OrderStatus.CANCELLED
    session.commit()
    web.login(buyers.user.email)
    assert web.get(f"/orders/{order.number}/pay/card").status_code == 409
    resp = _confirm(web, order.number)
    assert resp.status_code == 409 and "不能付款" in resp.json["error"]["message"]


def test_card_payment_hidden_when_stripe_is_not_configured(app, web, buyers):
    order = buyers.order()
    app.config["STRIPE_SECRET_KEY"] = None
    web.login(buyers.user.email)
    assert web.get(f"/orders/{order.number}/pay/card").status_code == 404


def test_confirm_refuses_bad_tokens_missing_csrf_and_unverified_buyers(web, session, buyers):
    order = buyers.order()
    web.login(buyers.user.email)
    resp = _confirm(web, order.number, token="not-a-token")
    assert resp.status_code == 400 and "银行卡信息无效" in resp.json["error"]["message"]
    assert _confirm(web, order.number, csrf=False).status_code == 400
    resp = _confirm(web, order.number, token="tok_doesnotexist")
    assert resp.status_code == 400 and resp.json["error"]["message"]

    web.logout()
    org = make_org(session, verified=False)
    web.login(make_user(session, Role.BUYER, org=org).email)
    resp = _confirm(web, order.number)
    assert resp.status_code == 403 and "实名" in resp.json["error"]["message"]
    assert buyers.count(StripeEvent) == 0


def test_after_confirming_the_page_waits_for_the_webhook_without_a_second_form(web, buyers):
    order = buyers.order()
    web.login(buyers.user.email)
    html = web.get(f"/orders/{order.number}/pay/card?done=1").get_data(as_text=True)
    assert 'id="pay-result"' in html and "正在等待支付结果通知" in html
    assert 'id="card-form"' not in html and "stripe-pay.js" not in html
