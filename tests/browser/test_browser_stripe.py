"""A buyer pays an order with the Stripe.js card form (served by localstripe); the signed webhook marks it paid."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from marketplace.audit import Actor
from marketplace.models import Order, OrderStatus, OrgKind, PricePlan, Role
from marketplace.orders.checkout import InvoiceIn, place_order
from tests.browser.conftest import start_live_server
from tests.factories import PASSWORD, make_org, make_product, make_user
from tests.payments.localstripe_proc import LocalStripe


@pytest.fixture(scope="module")
def localstripe():
    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture
def card_server(tmp_path, localstripe):
    """The store on loopback with STRIPE_* pointed at localstripe, which posts its webhooks to the store."""
    live, server = start_live_server(tmp_path, **localstripe.config())
    localstripe.register_webhook("live", f"{live.url}/webhooks/stripe")
    yield live
    server.shutdown()
    live.app.extensions["engine"].dispose()


def _order(engine) -> tuple[str, str, int]:
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s, OrgKind.ENTERPRISE)
        user = make_user(s, Role.BUYER, org=org)
        product = make_product(s, plans=({"form": "one_off", "price_fen": 25_800},))
        plan = s.exec(select(PricePlan).where(PricePlan.product_id == product.id)).first()
        order = place_order(s, actor=Actor(user.id, user.email, org.id), buyer_org_id=org.id,
                            product_id=product.id, plan_id=plan.id, quantity=1, use_type="industry",
                            purpose="信用评估", invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc),
                            submit_token="browser-card-0001")
        s.commit()  # use cases flush; the caller commits
        return user.email, order.number, order.id


def _wait_status(engine, order_id: int, timeout: float = 15) -> OrderStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            status = s.get(Order, order_id).status
        if status != OrderStatus.AWAITING_PAYMENT:
            return status
        time.sleep(0.2)
    return status


def _login_and_open(page, server, email: str, number: str) -> None:
    page.goto(f"{server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(f"{server}/orders/{number}/pay/card")


def _fill_card(page, number: str) -> None:
    """localstripe's stand-in card element: plain inputs named by placeholder (Stripe's is an iframe)."""
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")


def test_buyer_pays_by_card_in_the_browser(card_server, page):
    engine = card_server.app.extensions["engine"]
    email, number, order_id = _order(engine)
    _login_and_open(page, card_server, email, number)
    assert page.locator("#order-total").inner_text() == "¥258.00"
    _fill_card(page, "4242424242424242")
    page.locator("#pay-button").click()
    page.wait_for_url(f"{card_server}/orders/{number}/pay/card?done=1")

    assert _wait_status(engine, order_id) in (OrderStatus.PAID, OrderStatus.DELIVERED)
    page.reload()
    assert "支付成功" in page.locator("#pay-result").inner_text()
    with Session(engine) as s:
        order = s.get(Order, order_id)
        assert order.payment_method == "stripe" and order.stripe_payment_intent.startswith("pi_")


def test_declined_card_shows_the_message_then_another_card_pays(card_server, page):
    engine = card_server.app.extensions["engine"]
    email, number, order_id = _order(engine)
    _login_and_open(page, card_server, email, number)
    _fill_card(page, "4000000000000341")
    page.locator("#pay-button").click()
    expect(page.locator("#card-errors")).to_contain_text("银行卡被拒绝")
    expect(page.locator("#pay-button")).to_be_enabled()
    assert _wait_status(engine, order_id, timeout=2) == OrderStatus.AWAITING_PAYMENT

    _fill_card(page, "4242424242424242")  # another card on the same form
    page.locator("#pay-button").click()
    page.wait_for_url(f"{card_server}/orders/{number}/pay/card?done=1")
    assert _wait_status(engine, order_id) in (OrderStatus.PAID, OrderStatus.DELIVERED)
