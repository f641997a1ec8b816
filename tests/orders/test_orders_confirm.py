"""Destructive actions ask first and say what was done: refund, cancel, key revocation, mandate revocation."""

from __future__ import annotations

import re

from marketplace.audit import Actor
from marketplace.models import Role
from marketplace.orders.payments import record_payment

FIN = Actor.system("t")


def _panel(page: str, action: str) -> str:
    """The confirmation panel of the form posting to `action`."""
    form = page[page.index(f'action="{action}'):]
    return form[:form.index("</form>")]


def test_refund_asks_first_then_says_how_much_to_whom(web, login_as, shop):
    org, buyer = shop.buyer()
    product = shop.product(type="package", plans=({"form": "one_off", "price_fen": 200000},))
    order = shop.order(org, buyer, product)
    record_payment(shop.session, actor=FIN, order_id=order.id, method="bank_transfer", amount_fen=order.total_fen,
                   external_id="SN-9")
    login_as(Role.FINANCE)
    page = web.get("/finance/payments?tab=delivered").get_data(as_text=True) + \
        web.get("/finance/payments?tab=paid").get_data(as_text=True)
    panel = _panel(page, f"/finance/orders/{order.id}/refund")
    assert '<details class="confirm-action">' in panel  # closed until the button is pressed
    message = re.search(r'class="small mb-2 confirm-message">([^<]+)<', panel).group(1)
    assert org.name in message and "¥2,000.00" in message and order.number in message
    assert panel.index('name="reason"') > panel.index("<details")  # the reason is part of the confirmation
    assert "确认退款 ¥2,000.00" in panel
    resp = web.post(f"/finance/orders/{order.id}/refund", {"reason": "客户申请退款"}, follow_redirects=True)
    assert f"已退款 ¥2,000.00 至 {org.name}（订单 {order.number}）" in resp.get_data(as_text=True)


def test_cancel_asks_first_and_names_the_buyer(web, login_as, shop):
    org, buyer = shop.buyer()
    order = shop.order(org, buyer, shop.product())
    login_as(Role.FINANCE)
    panel = _panel(web.get("/finance/payments").get_data(as_text=True), f"/finance/orders/{order.id}/cancel")
    assert "confirm-action" in panel and org.name in panel and "确认取消订单" in panel
    resp = web.post(f"/finance/orders/{order.id}/cancel", {"reason": "逾期未付款"}, follow_redirects=True)
    assert f"已取消 {org.name} 的订单 {order.number}" in resp.get_data(as_text=True)
