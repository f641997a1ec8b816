"""A new enterprise registers, is verified, buys a data package by bank transfer, finance confirms in the
browser, and the buyer downloads its watermarked copy whose SHA-256 equals what the order page shows."""

import hashlib
import io
import zipfile
from pathlib import Path

from sqlmodel import Session, select

from marketplace import accounts
from marketplace.audit import Actor
from marketplace.models import Order, OrderStatus, Organization, PricePlan, Role
from marketplace.orders.delivery import upload_deliverable
from tests.factories import PASSWORD, make_product, make_user, new_uscc

CSV = "区县,登记企业数,新增\n鼓楼区,12030,310\n台江区,8771,205\n仓山区,15002,488\n"


def _arrange(app, tmp_path: Path):
    """A listed package product with a file, and a finance user."""
    app.config["DELIVERY_DIR"] = str(tmp_path / "deliveries")
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        product = make_product(s, type="package", title="福州市企业登记统计数据包",
                               plans=({"form": "one_off", "price_fen": 268000},))
        upload_deliverable(s, actor=Actor.system("test"), operator_org_id=product.operator_id,
                           product_id=product.id, filename="企业登记统计.csv", content=CSV.encode(),
                           storage_dir=Path(app.config["DELIVERY_DIR"]))
        s.commit()  # use cases flush; the caller commits
        plan = s.exec(select(PricePlan).where(PricePlan.product_id == product.id)).one()
        finance = make_user(s, Role.FINANCE)
        return product, plan, finance.email


def _login(page, base, email, password):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _register(page, base, uscc):
    page.goto(f"{base}/register")
    page.fill("#company_name", "示例浏览器采购科技有限公司")
    page.fill("#uscc", uscc)
    page.fill("#contact_name", "李四")
    page.fill("#phone", "13900139000")
    page.fill("#email", "shopper@test.cn")
    page.fill("#password", "Tea-River-Lantern-42")
    page.fill("#password2", "Tea-River-Lantern-42")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{base}/account")


def test_register_buy_by_bank_transfer_finance_confirms_buyer_downloads(live_server, page, tmp_path):
    base, app = str(live_server), live_server.app
    product, plan, finance_email = _arrange(app, tmp_path)
    uscc = new_uscc()
    _register(page, base, uscc)
    with Session(app.extensions["engine"]) as s:  # the exchange verifies the company (real name)
        org = s.exec(select(Organization).where(Organization.uscc == uscc)).one()
        accounts.set_org_status(s, actor=Actor.system("test"), org_id=org.id, status="verified")
        s.commit()

    page.goto(f"{base}/products/{product.slug}/buy?plan={plan.id}")
    assert page.input_value("#invoice_title") == "示例浏览器采购科技有限公司"
    assert page.input_value("#invoice_taxpayer_id") == uscc
    page.fill("#quantity", "1")
    page.fill("#purpose", "用于区域招商选址分析")
    page.check("input[name=invoice_kind][value=special]")
    assert page.locator("#checkout-total").inner_text() == "¥2,680.00"
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(f"{base}/orders/PDX*")
    number = page.locator("#order-number").inner_text()
    reference = page.locator("#bank-reference").inner_text()
    assert page.locator("#order-total").inner_text() == "¥2,680.00"
    assert "待付款" in page.locator("#order-status").inner_text()

    page.get_by_role("button", name="退出").click()
    _login(page, base, finance_email, PASSWORD)
    page.goto(f"{base}/finance/payments?q={reference}")
    card = page.locator(f".finance-order[data-number='{number}']")
    card.locator("input[name=amount]").fill("2680.00")
    card.locator("input[name=external_id]").fill("BANK-20261126-0001")
    card.get_by_role("button", name="确认到账").click()
    page.wait_for_load_state()
    assert "已确认收款" in page.locator(".alert-success").inner_text()
    with Session(app.extensions["engine"]) as s:
        assert s.exec(select(Order).where(Order.number == number)).one().status == OrderStatus.DELIVERED

    page.get_by_role("button", name="退出").click()
    _login(page, base, "shopper@test.cn", "Tea-River-Lantern-42")
    page.goto(f"{base}/orders/{number}")
    assert "已交付" in page.locator("#order-status").inner_text()
    with page.expect_download() as info:  # the button makes the buyer's watermarked copy, then downloads it
        page.locator(".download-link").first.click()
    download = info.value
    page.goto(f"{base}/orders/{number}")
    shown = page.locator(".copy-sha256").first.inner_text().strip()
    data = Path(download.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == shown
    assert download.suggested_filename == "企业登记统计.zip"  # a CSV comes zipped with its licence
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        table = z.read("企业登记统计.csv").decode("utf-8-sig")
        licence = z.read("授权说明.txt").decode("utf-8")
    assert number in licence and "示例浏览器采购科技有限公司" in licence and "PDXFP-" in table
