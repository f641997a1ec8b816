"""Hole 5: quantity follows the plan; the purpose over its limit is refused with a message, never cut."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.models import Order, OrderLine, Role
from tests.orders.test_orders_web import _buy

ONE_OFF = ({"form": "one_off", "price_fen": 500000},)


def test_one_off_package_is_one_licence_per_order(web, login_as, shop):
    """The reported case: a one-off buy-out ordered 1,000 times (¥5,000,000)."""
    login_as(Role.BUYER)
    product = shop.product(plans=ONE_OFF)
    resp = _buy(web, product, shop.plan(product), quantity="1000")
    assert resp.status_code == 400 and "一次性购买的方案每笔订单只含 1 份使用许可" in resp.get_data(as_text=True)
    assert shop.count(Order) == 0 and shop.count(OrderLine) == 0
    ok = _buy(web, product, shop.plan(product), quantity="1", token="tok-web-000002")
    assert ok.status_code == 302
    assert shop.session.execute(select(Order.total_fen)).scalar_one() == 500000


@pytest.mark.parametrize(
    ("plan", "good", "bad", "needle"),
    [
        ({"form": "one_off", "price_fen": 100}, 1, 2, "数量只能为 1"),
        ({"form": "subscription_month", "price_fen": 100, "period_months": 1}, 36, 37, "1 到 36"),
        ({"form": "subscription_year", "price_fen": 100, "period_months": 12}, 5, 6, "1 到 5"),
        ({"form": "prepaid_calls", "price_fen": 100, "package_calls": 10}, 1000, 1001, "1 到 1000"),
        ({"form": "per_call_flat", "unit_price_fen": "1"}, 1, 2, "按实际用量结算"),
    ],
)
def test_quantity_follows_the_plan(shop, plan, good, bad, needle):
    org, user = shop.buyer()
    product = shop.product(type="api" if plan["form"] == "per_call_flat" else "package", plans=(plan,))
    with pytest.raises(DomainError) as e:
        shop.order(org, user, product, quantity=bad)
    assert needle in e.value.text and e.value.field == "quantity"
    shop.session.rollback()
    assert shop.count(Order) == 0
    assert shop.order(org, user, product, quantity=good).id is not None


def test_purpose_over_the_limit_is_refused_not_cut(web, login_as, shop):
    login_as(Role.BUYER)
    product = shop.product()
    page = web.get(f"/products/{product.slug}/buy").get_data(as_text=True)
    assert "maxlength" not in page
    resp = _buy(web, product, shop.plan(product), quantity="1", purpose="用" * 20000)
    assert resp.status_code == 400 and "用途说明最多 2000 个字，现在是 20000 个" in resp.get_data(as_text=True)
    resp = _buy(web, product, shop.plan(product), quantity="1", invoice_title="票" * 1000)
    assert resp.status_code == 400 and "发票抬头最多 200 个字，现在是 1000 个" in resp.get_data(as_text=True)
    assert shop.count(Order) == 0
