"""The order pages through the client: checkout, order page, finance receipt, downloads, keys, approvals, roles."""

import hashlib
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.demand.applications import apply_for_access, decide_application
from marketplace.models import Order, OrderStatus, Organization, Role
from marketplace.orders import delivery
from marketplace.orders.payments import record_payment
from tests.factories import make_user

CSV = "区县,企业数\n鼓楼区,1203\n台江区,877\n"


@pytest.fixture(autouse=True)
def _deliveries(app, tmp_path):
    app.config["DELIVERY_DIR"] = str(tmp_path / "deliveries")


def _buy(web, product, plan, token="tok-web-000001", **extra):
    data = {"plan_id": plan.id, "quantity": "2", "use_type": "industry", "purpose": "信用风险评估",
            "invoice_title": "测试公司", "invoice_taxpayer_id": "", "invoice_kind": "special", "submit_token": token}
    data.update(extra)
    return web.post(f"/products/{product.slug}/buy", data)


def test_checkout_prices_on_the_server_and_double_submit_makes_one(web, login_as, shop):
    user = login_as(Role.BUYER)
    product = shop.product(plans=({"form": "subscription_month", "price_fen": 10000, "period_months": 1},))
    page = web.get(f"/products/{product.slug}/buy?plan={shop.plan(product).id}")
    assert page.status_code == 200
    org = shop.session.get(Organization, user.org_id)
    assert org.name in page.get_data(as_text=True) and org.uscc in page.get_data(as_text=True)
    resp = _buy(web, product, shop.plan(product), price_fen="1", total_fen="1", amount="0.01")
    assert resp.status_code == 302
    again = _buy(web, product, shop.plan(product))
    assert again.status_code == 302 and again.location == resp.location
    (order,) = shop.session.execute(select(Order)).scalars().all()
    assert order.total_fen == 20000 and order.vat_fen == 1132 and order.buyer_org_id == org.id
    detail = web.get(resp.location).get_data(as_text=True)
    assert order.bank_reference in detail and "¥200.00" in detail and "¥11.32" in detail
    assert "3501 0000 0000 0000 0001" in detail


@pytest.mark.parametrize("extra, message", [
    ({"quantity": "-3"}, "数量只能为 1"),
    ({"quantity": "99999"}, "数量只能为 1"),
    ({"quantity": "abc"}, "1 到 1000"),
    ({"purpose": ""}, "用途说明"),
    ({"invoice_taxpayer_id": "91350100MA2Y00000X"}, "统一社会信用代码"),
])
def test_checkout_bad_input_400_nothing_saved(web, login_as, shop, extra, message):
    login_as(Role.BUYER)
    product = shop.product()
    resp = _buy(web, product, shop.plan(product), **extra)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert shop.count(Order) == 0


def test_checkout_plan_of_another_product_refused(web, login_as, shop):
    login_as(Role.BUYER)
    product, other = shop.product(), shop.product()
    resp = _buy(web, product, shop.plan(other))
    assert resp.status_code == 400 and "不属于该产品" in resp.get_data(as_text=True)
    assert shop.count(Order) == 0


def test_unverified_buyer_cannot_order(web, login_as, shop):
    login_as(Role.BUYER, verified=False)
    product = shop.product()
    assert "尚未通过实名认证" in web.get(f"/products/{product.slug}/buy").get_data(as_text=True)
    resp = _buy(web, product, shop.plan(product))
    assert resp.status_code == 400 and "实名认证" in resp.get_data(as_text=True)
    assert shop.count(Order) == 0


def test_conditional_product_checkout_says_apply_first_until_approved(web, login_as, shop):
    buyer = login_as(Role.BUYER)
    product = shop.product(openness="conditional")
    html = web.get(f"/products/{product.slug}/buy").get_data(as_text=True)
    warning = re.search(r'<div[^>]*id="apply-first"[^>]*>(.*?)</div>', html, re.S)
    assert warning and "需先提交使用申请" in warning.group(1)
    assert f'href="/products/{product.slug}/apply"' in warning.group(1)
    assert re.search(r'<button[^>]*id="place-order"[^>]*disabled', html)
    resp = _buy(web, product, shop.plan(product), quantity="1")
    assert resp.status_code == 400 and "需先提交使用申请" in resp.get_data(as_text=True)
    assert shop.count(Order) == 0

    operator = make_user(shop.session, Role.OPERATOR, org=shop.session.get(Organization, product.operator_id))
    application = apply_for_access(shop.session, actor=Actor(buyer.id, buyer.email, buyer.org_id), slug=product.slug,
                                   use_type="industry", purpose="供应商准入核查", scenario="采购系统准入审核")
    decide_application(shop.session, actor=Actor(operator.id, operator.email, operator.org_id),
                       application_id=application.id, approve=True, reason="")
    html = web.get(f"/products/{product.slug}/buy").get_data(as_text=True)
    assert 'id="apply-first"' not in html and not re.search(r'<button[^>]*id="place-order"[^>]*disabled', html)
    assert _buy(web, product, shop.plan(product), quantity="1").status_code == 302


def test_another_buyers_order_is_404(web, login_as, shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product())
    login_as(Role.BUYER)
    assert web.get(f"/orders/{order.number}").status_code == 404
    assert web.post(f"/orders/{order.number}/cancel", {"reason": "不要了"}).status_code == 404
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT  # nothing changed


def test_finance_receipt_must_match_then_buyer_downloads_watermarked_copy(app, web, login_as, shop, client):
    org, buyer = shop.buyer()
    product = shop.product(type="package", plans=({"form": "one_off", "price_fen": 12345},))
    delivery.upload_deliverable(shop.session, actor=Actor.system("t"), operator_org_id=product.operator_id,
                                product_id=product.id, filename="企业分布.csv", content=CSV.encode(),
                                storage_dir=delivery_dir(app))
    order = shop.order(org, buyer, product)
    login_as(Role.FINANCE)
    assert order.bank_reference in web.get("/finance/payments").get_data(as_text=True)
    bad = web.post(f"/finance/orders/{order.id}/receipt", {"amount": "123.44", "external_id": "SN-1"})
    assert bad.status_code == 400 and "不一致" in bad.get_data(as_text=True)
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    ok = web.post(f"/finance/orders/{order.id}/receipt", {"amount": "123.45", "external_id": "SN-1"})
    assert ok.status_code == 302
    twice = web.post(f"/finance/orders/{order.id}/receipt", {"amount": "123.45", "external_id": "SN-2"})
    assert twice.status_code == 400 and "已支付" in twice.get_data(as_text=True)
    web.logout()
    web.login(buyer.email)
    page = web.get(f"/orders/{order.number}").get_data(as_text=True)
    button = re.search(r'action="(/orders/[^"]+/files/[^"]+)"', page).group(1)  # the copy is made by a POST
    link = web.post(button).location
    page = web.get(f"/orders/{order.number}").get_data(as_text=True)
    sha = re.search(r'class="copy-sha256[^"]*">([0-9a-f]{64})<', page).group(1)
    assert re.search(r'href="(/downloads/[^"]+)"', page).group(1) == link
    got = web.get(link)
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == sha
    assert got.mimetype == "application/zip" and "企业分布.zip" in got.headers["Content-Disposition"] or \
        "%E4%BC%81%E4%B8%9A%E5%88%86%E5%B8%83.zip" in got.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(got.data)) as z:
        licence = z.read("授权说明.txt").decode()
        assert "PDXFP-" in z.read("企业分布.csv").decode("utf-8-sig")
    assert order.number in licence and "SHA-256" in licence
    assert "授权说明.txt" in page
    assert web.get(link.replace("/downloads/", "/downloads/x")).status_code == 404


def delivery_dir(app):
    from pathlib import Path

    return Path(app.config["DELIVERY_DIR"])


def test_buyer_issues_key_shown_once_then_rotates_and_revokes(web, login_as, shop):
    user = login_as(Role.BUYER)
    org = shop.session.get(Organization, user.org_id)
    order = shop.order(org, user, shop.define(shop.product(type="api", plans=({"form": "per_call_flat",
                                                                                "unit_price_fen": "0.4"},))))
    assert order.status == OrderStatus.DELIVERED
    page = web.get("/buyer/entitlements").get_data(as_text=True)
    ent_id = re.search(r'action="/buyer/entitlements/(\d+)/keys"', page).group(1)
    web.post(f"/buyer/entitlements/{ent_id}/keys", {"label": "生产"})
    shown = web.get("/buyer/entitlements").get_data(as_text=True)
    plaintext = re.search(r'id="new-key-plaintext">(pdx_[^<]+)<', shown).group(1)
    assert plaintext not in web.get("/buyer/entitlements").get_data(as_text=True)  # shown once
    from marketplace.keys import find_key

    key = find_key(shop.session, plaintext)
    assert key is not None and key.status == "active" and key.buyer_org_id == org.id
    web.post(f"/buyer/keys/{key.id}/rotate", {})
    shop.session.expire_all()
    assert find_key(shop.session, plaintext).status == "revoked"
    stranger = make_user(shop.session, Role.BUYER)
    web.logout()
    web.login(stranger.email)
    assert web.post(f"/buyer/keys/{key.replaced_by_id or key.id}/revoke", {}).status_code == 404


def test_operator_approves_public_use(app, web, login_as, shop):
    org, buyer = shop.buyer()
    product = shop.product()
    shop.attach(product, delivery_dir(app))
    order = shop.order(org, buyer, product, use_type="public", purpose="城市应急管理公益项目")
    operator = make_user(shop.session, Role.OPERATOR,
                         org=shop.session.get(Organization, product.operator_id))
    other_operator = login_as(Role.OPERATOR)
    assert other_operator.org_id != operator.org_id
    assert order.number not in web.get("/seller/approvals").get_data(as_text=True)
    assert web.post(f"/seller/approvals/{order.id}/approve", {}).status_code == 404
    web.logout()
    web.login(operator.email)
    assert order.number in web.get("/seller/approvals").get_data(as_text=True)
    assert web.post(f"/seller/approvals/{order.id}/approve", {}).status_code == 302
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.DELIVERED
    assert order.number in web.get("/seller/orders").get_data(as_text=True)


@pytest.mark.parametrize("role, url", [
    (Role.BUYER, "/finance/payments"), (Role.BUYER, "/seller/orders"), (Role.BUYER, "/trace"),
    (Role.FINANCE, "/buyer/orders"), (Role.OPERATOR, "/finance/payments"), (Role.BROKER, "/seller/approvals"),
])
def test_role_checks(web, login_as, role, url):
    login_as(role)
    assert web.get(url).status_code == 403


def test_trace_page_finds_the_order(app, web, login_as, shop):
    org, buyer = shop.buyer()
    product = shop.product(type="report")
    delivery.upload_deliverable(shop.session, actor=Actor.system("t"), operator_org_id=product.operator_id,
                                product_id=product.id, filename="报告.md", content="# 报告\n正文".encode(),
                                storage_dir=delivery_dir(app))
    order = shop.order(org, buyer, product)
    record_payment(shop.session, actor=Actor.system("t"), order_id=order.id, method="bank_transfer",
                   amount_fen=order.total_fen, external_id="T-1")
    (copy,) = delivery.ensure_copies(shop.session, actor=Actor.system("t"), order=order,
                                     storage_dir=delivery_dir(app))
    login_as(Role.AUTHORITY)
    page = web.post("/trace", {"fingerprint": copy.fingerprint}).get_data(as_text=True)
    assert order.number in page and org.name in page
    assert "没有找到" in web.post("/trace", {"fingerprint": "PDXFP-0000000000000000"}).get_data(as_text=True)


def test_finance_refund_of_card_payment_goes_through_stripe_first(app, web, login_as, shop, monkeypatch):
    import marketplace.payments.card as card
    from marketplace.models.payments import Payment

    org, buyer = shop.buyer()
    product = shop.product()
    shop.attach(product, delivery_dir(app))
    order = shop.order(org, buyer, product)
    order.stripe_payment_intent = "pi_test_1"
    shop.session.commit()
    record_payment(shop.session, actor=Actor.system("t"), order_id=order.id, method="stripe",
                   amount_fen=order.total_fen, external_id="pi_test_1")
    calls = []
    monkeypatch.setattr(card, "refund_card_payment", lambda settings, o: calls.append(o.number) or "re_test_1")
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    login_as(Role.FINANCE)
    assert web.post(f"/finance/orders/{order.id}/refund", {"reason": ""}).status_code == 302
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.DELIVERED and not calls  # reason required
    assert web.post(f"/finance/orders/{order.id}/refund", {"reason": "客户申请退款"}).status_code == 302
    shop.session.expire_all()
    assert calls == [order.number] and shop.session.get(Order, order.id).status == OrderStatus.REFUNDED
    refund = shop.session.execute(select(Payment).where(Payment.kind == "refund")).scalar_one()
    assert refund.external_id == "re_test_1" and refund.amount_fen == -order.total_fen
