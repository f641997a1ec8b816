"""Order pages as a buyer sees them: usage-billed lines priced per call, next steps for API orders."""

import html as htmllib

from sqlalchemy import select

from marketplace.models import Order, Organization, Role


def test_usage_billed_api_order_shows_the_call_price_and_next_steps(web, login_as, shop):
    user = login_as(Role.BUYER)
    org = shop.session.get(Organization, user.org_id)
    product = shop.define(shop.product(type="api", plans=({"form": "per_call_flat", "unit_price_fen": "20"},)))
    order = shop.order(org, user, product)
    shop.session.expire_all()
    order = shop.session.execute(select(Order).where(Order.id == order.id)).scalar_one()
    assert order.status == "delivered" and order.total_fen == 0
    page = htmllib.unescape(web.get(f"/orders/{order.number}").get_data(as_text=True))
    assert "¥0.20/次" in page  # not a unit price of ¥0.00
    assert 'id="order-api-next"' in page and 'href="/buyer/entitlements"' in page and 'href="/usage"' in page
    assert f'href="/products/{product.slug}"' in page
    assert f'href="/api-docs/{product.slug}"' in page  # the product is defined, so its docs are linked


def test_checkout_marks_usage_billed_plans(web, login_as, shop):
    login_as(Role.BUYER)
    product = shop.product(type="api", plans=({"form": "per_call_flat", "unit_price_fen": "20"},
                                               {"form": "prepaid_calls", "price_fen": 5000, "package_calls": 1000}))
    page = web.get(f"/products/{product.slug}/buy").get_data(as_text=True)
    assert page.count('data-metered="1"') == 1 and page.count('data-metered="0"') == 1
    assert 'id="checkout-metered"' in page
