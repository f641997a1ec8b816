"""Journey 1 (issue 13): an enterprise from registration to its first API bill.

It registers with its USCC, its organization admin invites a colleague, an exchange admin verifies it; it
searches in Chinese, reads a product's dictionary and sample, applies for the conditional package and the
operator approves; it buys the package by bank transfer, finance confirms, and the downloaded file's SHA-256
equals the one on the order page; the colleague buys the per-call API plan, creates a key, calls the API over
HTTP, and sees the calls in the usage chart with their cost.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from sqlmodel import Session, select

from marketplace.clock import today
from marketplace.models import AccessApplication, Order, OrderStatus, Organization, OrgStatus, User
from marketplace.models.demand import ApplicationStatus
from marketplace.uscc import make_uscc
from tests.browser.steps import (
    People,
    arrange_exchange,
    call_api,
    click_and_wait,
    list_product,
    login,
    register,
    shot,
    success_text,
)
from tests.factories import new_uscc

CSV = "统一社会信用代码,企业名称,列入原因,列入日期\n91350100MA00000012,示例甲科技有限公司,未按期公示年报,2026-05-01\n"
ROWS = "uscc,name,founded\n{a},示例甲科技有限公司,2015\n{b},示例乙物流有限公司,2019\n"
USCC_A, USCC_B = make_uscc("91350100MA0000001"), make_uscc("91350100MA0000002")
COLLEAGUE_PASSWORD = "Copper-Kettle-Meadow-77"


def _arrange(app, tmp_path: Path):
    app.config["DELIVERY_DIR"] = str(tmp_path / "deliveries")
    w = arrange_exchange(app)
    w.package = list_product(
        w, type="package", title="福州市企业经营异常名录数据包", summary="福州市市场主体经营异常名录（季度更新）",
        openness="conditional", delivery_mode="文件下载", description_md="## 说明\n每季度更新的经营异常名录。",
        registration_code="FJ-REG-2026-0101",
        data_dictionary=[{"name": "uscc", "type": "string", "meaning": "统一社会信用代码", "masked": False},
                         {"name": "reason", "type": "string", "meaning": "列入经营异常名录原因", "masked": False},
                         {"name": "contact", "type": "string", "meaning": "联系电话", "masked": True}],
        sample_rows=[{"uscc": "91350100MA00000012", "reason": "未按期公示年报", "contact": "13812345678"}],
        plans=[{"name": "年度数据包", "form": "one_off", "price_fen": 120000}],
        file=("经营异常名录.csv", CSV.encode()))
    w.api = list_product(
        w, title="企业工商登记信息查询接口", summary="按统一社会信用代码返回企业名称与成立年份",
        registration_code="FJ-REG-2026-0102",
        data_dictionary=[{"name": "name", "type": "string", "meaning": "企业名称", "masked": False}],
        plans=[{"name": "按次计费", "form": "per_call_flat", "unit_price_fen": "35"}],
        dataset=ROWS.format(a=USCC_A, b=USCC_B))
    list_product(w, title="福建省气象观测数据接口", summary="逐小时气温与降水", domain="finance",
                 registration_code="FJ-REG-2026-0103", plans=[{"name": "按次", "form": "per_call_flat",
                                                                "unit_price_fen": "10"}],
                 dataset="station,temp\n58847,21.5\n")
    return w


def _register_and_invite(page, base: str, uscc: str) -> str:
    register(page, base, company="示例星河供应链管理有限公司", uscc=uscc, contact="王芳", phone="13905910001",
             email="wangfang@xinghe.cn")
    assert "实名待审核" in page.locator("#org-status").inner_text()
    page.locator("#members-link").click()
    page.fill("#email", "chenlei@xinghe.cn")
    page.get_by_role("button", name="生成邀请链接").click()
    page.wait_for_url(f"{base}/org/members")
    return page.locator("#invite-link").input_value()


def _admin_verifies(people, w) -> None:
    page, base = people.signed_in(w.admin.email), people.base
    page.goto(f"{base}/admin/organizations?status=pending")
    click_and_wait(page, page.get_by_role("link", name="示例星河供应链管理有限公司"))
    click_and_wait(page, page.get_by_role("button", name="通过实名"))
    assert "已通过 示例星河供应链管理有限公司 的实名认证" in success_text(page)


def _search_read_and_apply(page, base: str, w) -> None:
    page.goto(f"{base}/")
    page.fill("input[name=q]", "经营异常")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products?*")
    titles = page.locator(".product-card h3").all_inner_texts()
    assert titles == ["福州市企业经营异常名录数据包"], titles
    click_and_wait(page, page.get_by_role("link", name="福州市企业经营异常名录数据包"))
    dictionary = page.locator("#data-dictionary").inner_text()
    assert "列入经营异常名录原因" in dictionary and "脱敏" in dictionary
    sample = page.locator("#sample-preview").inner_text()
    assert "未按期公示年报" in sample and "13812345678" not in sample and "138*****678" in sample  # masked field
    assert "¥1,200.00" in page.locator("#plans").inner_text()
    shot(page, "j1-product")
    click_and_wait(page, page.get_by_role("link", name="购买", exact=True))  # before applying: told to apply first
    assert "需先提交使用申请" in page.locator("#apply-first").inner_text()
    assert page.locator("#place-order").is_disabled()
    shot(page, "j1-apply-first")
    click_and_wait(page, page.locator("#apply-first").get_by_role("link", name="申请使用"))
    page.get_by_label("产业发展、行业发展（收费）").check()
    page.fill("#purpose", "用于本公司供应商准入时核查经营异常情况")
    page.fill("#scenario", "采购系统供应商准入审核，每季度更新一次")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(f"{base}/applications")
    assert "申请已提交" in success_text(page)


def _operator_approves(people, w) -> None:
    page, base = people.signed_in(w.op_user.email), people.base
    page.goto(f"{base}/seller/applications?status=pending")
    click_and_wait(page, page.get_by_role("link", name="审批", exact=True))
    assert "用于本公司供应商准入时核查经营异常情况" in page.content()
    page.fill("#reason", "用途与协议约定的应用场景相符")
    page.get_by_role("button", name="批准").click()
    page.wait_for_load_state()
    shot(page, "j1-approved")


def _buy_package_by_transfer(page, base: str) -> tuple[str, str]:
    page.goto(f"{base}/notifications")
    page.locator(".notif-item").filter(has_text="福州市企业经营异常名录数据包").first.click()
    page.wait_for_url(f"{base}/applications")
    assert "已批准" in page.locator("table").inner_text()
    click_and_wait(page, page.get_by_role("link", name="去购买"))
    click_and_wait(page, page.get_by_role("link", name="购买", exact=True))
    assert page.locator("#apply-first").count() == 0 and page.locator("#place-order").is_enabled()
    page.fill("#purpose", "用于本公司供应商准入时核查经营异常情况")
    page.get_by_label("增值税专用发票").check()
    assert page.locator("#checkout-total").inner_text() == "¥1,200.00"
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(f"{base}/orders/PDX*")
    assert "待付款" in page.locator("#order-status").inner_text()
    shot(page, "j1-order")
    return page.locator("#order-number").inner_text(), page.locator("#bank-reference").inner_text()


def _finance_confirms(people, w, number: str, reference: str, amount: str) -> None:
    page, base = people.signed_in(w.finance.email), people.base
    page.goto(f"{base}/finance/payments")
    page.fill("input[name=q]", reference)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    card = page.locator(f".finance-order[data-number='{number}']")
    card.locator("input[name=amount]").fill(amount)
    card.locator("input[name=external_id]").fill("BANK-20261203-0007")
    card.get_by_role("button", name="确认到账").click()
    page.wait_for_load_state()
    assert "已确认收款" in success_text(page)


def _download_and_check(page, base: str, number: str) -> bytes:
    page.goto(f"{base}/buyer/orders")
    click_and_wait(page, page.get_by_role("link", name=number))
    assert "已交付" in page.locator("#order-status").inner_text()
    with page.expect_download() as info:
        page.locator(".download-link").first.click()
    data = Path(info.value.path()).read_bytes()
    page.reload()
    shot(page, "j1-downloaded")
    assert hashlib.sha256(data).hexdigest() == page.locator(".copy-sha256").first.inner_text().strip()
    return data


def _colleague_buys_the_api_and_makes_a_key(page, base: str) -> str:
    login(page, base, "chenlei@xinghe.cn", COLLEAGUE_PASSWORD)
    page.goto(f"{base}/products?type=api")
    click_and_wait(page, page.get_by_role("link", name="企业工商登记信息查询接口"))
    assert "¥0.35/次" in page.locator("#plans").inner_text()
    click_and_wait(page, page.get_by_role("link", name="购买", exact=True))
    page.fill("#purpose", "采购系统供应商准入时核验企业登记信息")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(f"{base}/orders/PDX*")
    click_and_wait(page, page.locator("#order-api-next").get_by_role("link", name="接口与密钥"))
    page.fill("input[name=label]", "采购系统")
    page.get_by_role("button", name="生成 API 密钥").click()
    page.wait_for_load_state()
    shot(page, "j1-key")
    return page.locator("#new-key-plaintext").inner_text().strip()


def _usage_shows_the_calls_and_cost(page, base: str, *, billable: int, cost: str) -> None:
    page.goto(f"{base}/buyer/entitlements")
    click_and_wait(page, page.get_by_role("link", name="调用用量与费用"))
    row = page.locator("#positions tbody tr").filter(has_text="企业工商登记信息查询接口")
    assert row.locator("td").nth(2).inner_text() == str(billable) and row.locator("td").nth(3).inner_text() == cost
    drawn = page.locator("#usage-chart").evaluate(  # what Chart.js drew: today's bar holds the calls
        "c => { const d = Chart.getChart(c).data; return [d.labels.at(-1), d.datasets.map(s => s.data.at(-1))]; }")
    assert drawn == [today().isoformat(), [billable]]
    shot(page, "j1-usage")


def _colleague_joins(people, link: str):
    page, base = people.new_page(width=390), people.base  # on a phone
    page.goto(link)
    page.fill("#name", "陈磊")
    page.fill("#password", COLLEAGUE_PASSWORD)
    page.fill("#password2", COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="设置密码并加入").click()
    page.wait_for_url(f"{base}/login*")
    return page


def test_enterprise_registers_buys_a_package_and_an_api_and_sees_its_usage(live_server, page, browser, tmp_path):
    base, app = live_server.url, live_server.app
    w = _arrange(app, tmp_path)
    uscc = new_uscc()
    with People(browser, base) as people:
        link = _register_and_invite(page, base, uscc)  # the founder stays signed in on `page` throughout
        colleague = _colleague_joins(people, link)
        _admin_verifies(people, w)
        page.goto(f"{base}/account")
        assert "已实名" in page.locator("#org-status").inner_text()
        _search_read_and_apply(page, base, w)
        _operator_approves(people, w)
        number, reference = _buy_package_by_transfer(page, base)
        _finance_confirms(people, w, number, reference, "1200.00")
        data = _download_and_check(page, base, number)
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # the buyer's copy: the rows and a licence naming the order
            assert "示例甲科技有限公司" in z.read("经营异常名录.csv").decode("utf-8-sig")
            assert number in z.read("授权说明.txt").decode("utf-8")

        key = _colleague_buys_the_api_and_makes_a_key(colleague, base)
        unknown = make_uscc("91350100MA0000009")
        answers = [call_api(base, w.api.slug, key, uscc=u) for u in (USCC_A, USCC_B, USCC_A, unknown)]
        assert [a.status for a in answers] == [200, 200, 200, 404]
        assert answers[0].body["data"]["name"] == "示例甲科技有限公司"
        _usage_shows_the_calls_and_cost(colleague, base, billable=3, cost="¥1.05")  # 3 × ¥0.35; the miss is free

    with Session(app.extensions["engine"]) as s:
        org = s.exec(select(Organization).where(Organization.uscc == uscc)).one()
        assert org.status == OrgStatus.VERIFIED
        people = {u.email: u for u in s.exec(select(User).where(User.org_id == org.id))}
        assert people["wangfang@xinghe.cn"].org_admin and not people["chenlei@xinghe.cn"].org_admin
        assert s.exec(select(AccessApplication.status).where(AccessApplication.buyer_org_id == org.id)).one() \
            == ApplicationStatus.APPROVED
        orders = s.exec(select(Order).where(Order.buyer_org_id == org.id).order_by(Order.id)).all()
        assert [(o.total_fen, o.status) for o in orders] == [(120000, OrderStatus.DELIVERED),
                                                             (0, OrderStatus.DELIVERED)]  # usage is billed later
        assert orders[1].user_id == people["chenlei@xinghe.cn"].id  # the colleague bought the API
