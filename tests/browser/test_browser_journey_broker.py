"""Journey 2 (issue 13): a broker lists a 面议 product under its mandate and sells it through a quote.

The broker fills the product editor with the pricing desk beside it (the desk opens on one-off prices and lists
the comparable listings), the authority caps the product's one-off price, a reviewer approves, the product
appears in search, a buyer asks for a quote, the broker's offer above the cap is refused with the cap named and
one under it is sent, the buyer accepts, pays by bank transfer and finance confirms; the sale carries the
mandate's commission.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlmodel import Session, select

from marketplace.clock import today
from marketplace.models import Order, OrderLine, OrderStatus, Product
from marketplace.models.demand import OfferStatus, QuoteOffer
from marketplace.supply.brokers import create_mandate
from marketplace.supply.cap_setting import set_cap
from tests.browser.steps import (
    People,
    actor_of,
    add_broker_and_buyer,
    approve_listing,
    arrange_exchange,
    click_and_wait,
    list_product,
    shot,
    submit_for_review,
    success_text,
)

TITLE = "福州市小微企业信用评估定制报告"
COMPARABLES = {"企业信用评估报告（标准版）": 600000, "行业信用分析报告": 900000, "小微企业风险画像报告": 1500000}


def _arrange(app):
    w = arrange_exchange(app)
    with Session(w.engine, expire_on_commit=False) as s:
        add_broker_and_buyer(s, w, valid_from=today() - timedelta(days=60), valid_to=today() + timedelta(days=300))
        w.mandate = create_mandate(s, actor=actor_of(w.op_user), operator_id=w.operator.id, broker_id=w.broker.id,
                                   product_ids=[], commission_bps=800, start_date=today() - timedelta(days=1),
                                   end_date=today() + timedelta(days=180))
        s.commit()
    for title, price in COMPARABLES.items():  # the operator's own listed reports: the desk's comparables
        list_product(w, type="report", title=title, summary="企业信用评估与风险分析报告", offline_delivery=True,
                     delivery_mode="合同交付", plans=[{"name": "标准版", "form": "one_off", "price_fen": price}])
    return w


def _broker_fills_the_editor(page, base: str, w) -> None:
    page.goto(f"{base}/supply/")
    click_and_wait(page, page.get_by_role("link", name="新建数据产品").first)
    desk = page.locator("#pricing-desk")
    assert desk.locator("#desk_form").input_value() == "one_off"  # a report: one-off prices
    page.select_option("#operator_id", label=w.operator.name)
    page.select_option("#type", label="数据报告")
    page.select_option("#domain", label="信用")
    page.fill("#title", TITLE)
    page.fill("#summary", "按贷款机构需求定制的小微企业信用评估报告")
    page.fill("#description_md", "## 内容\n按机构提供的企业名单逐户评估经营与信用状况。")
    page.dispatch_event("#summary", "change")
    page.fill("#registration_code", "FJ-REG-2026-0201")
    page.fill("#delivery_mode", "合同交付")
    page.check("#offline_delivery")
    page.fill("#data_dictionary-0-name", "score")
    page.fill("#data_dictionary-0-meaning", "信用评分（0–100）")
    page.fill("#sample_rows", "score\n82\n")
    page.select_option("#plans-0-charge_form", "negotiated")
    page.fill("#plans-0-plan_name", "定制报价")
    rate = page.locator("[data-plan-rate]")  # a per-key call limit: for a data API's plan, not for a report
    page.select_option("#type", label="数据接口")
    assert rate.nth(0).is_visible() and not rate.nth(1).is_visible()  # plan 2 is unused
    assert desk.locator("#desk_form").input_value() == "per_call_flat"  # the desk follows the type
    page.select_option("#type", label="数据报告")
    assert [rate.nth(i).is_visible() for i in range(4)] == [False] * 4
    assert desk.locator("#desk_form").input_value() == "one_off"
    expect(desk.locator("[data-ref-list] li")).to_have_count(3)  # refreshed for this title, type and domain
    listed = desk.locator("[data-ref-list]").inner_text()
    assert all(title in listed for title in COMPARABLES), listed
    assert desk.locator('[data-ref="median"]').inner_text() == "¥9,000.00"
    shot(page, "j2-editor")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "已保存草稿" in success_text(page)


def _authority_caps(w, product_id: int, cap_fen: int) -> None:
    """The authority's cap on the new product's one-off price (its own journey is number 4)."""
    with Session(w.engine) as s:
        set_cap(s, actor=actor_of(w.official), product_id=product_id, charge_form="one_off", cap_fen=Decimal(cap_fen))
        s.commit()


def _broker_submits(page, base: str, product_id: int) -> None:
    page.goto(f"{base}/supply/products/{product_id}/edit")
    desk = page.locator("#pricing-desk")
    assert desk.locator("#desk_form").input_value() == "one_off"
    assert "¥20,000.00" in desk.inner_text() and "¥9,000.00" in desk.inner_text()  # the cap and the median
    shot(page, "j2-desk-with-cap")
    submit_for_review(page)


def _reviewer_approves(page, base: str) -> None:
    page.goto(f"{base}/review/")
    click_and_wait(page, page.get_by_role("link", name=TITLE))
    checks = page.locator("body").inner_text()
    assert "资质有效" in checks and "持有该产品的有效委托" in checks
    shot(page, "j2-review")
    approve_listing(page)


def _buyer_finds_and_asks(page, base: str) -> None:
    page.goto(f"{base}/products")
    page.fill("input[name=q]", "小微企业 信用评估")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products?*")
    click_and_wait(page, page.get_by_role("link", name=TITLE))
    assert "示例数据经纪服务有限公司" in page.locator("#product-broker").inner_text()
    assert "面议" in page.locator("#plans").inner_text()
    click_and_wait(page, page.get_by_role("link", name="询价"))
    page.fill("#volume", "200 户小微企业名单")
    page.fill("#period", "一次性")
    page.fill("#message", "请按我司提供的企业名单出具信用评估报告，两周内交付。")
    page.get_by_role("button", name="发送询价").click()
    page.wait_for_url(f"{base}/quotes/*")


def _broker_offers(page, base: str) -> None:
    page.goto(f"{base}/seller/quotes")
    row = page.locator("tr").filter(has_text=TITLE)
    assert "示例闽江小额贷款有限公司" in row.inner_text() and "200 户小微企业名单" in row.inner_text()
    click_and_wait(page, row.get_by_role("link", name="报价"))
    page.select_option("#charge_form", "one_off")
    page.fill("#price", "25000")
    page.fill("#valid_until", (today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="发送报价").click()
    page.wait_for_load_state()
    assert "¥20,000.00" in page.locator(".invalid-feedback, .alert-danger").first.inner_text()  # names the cap
    page.fill("#price", "12000")
    page.fill("#valid_until", (today() + timedelta(days=14)).isoformat())
    page.fill("#note", "含 200 户评估，合同签订后两周内交付。")
    page.get_by_role("button", name="发送报价").click()
    page.wait_for_load_state()
    assert "报价已发送" in success_text(page)


def _buyer_accepts(page, base: str) -> tuple[str, str]:
    page.goto(f"{base}/quotes")
    click_and_wait(page, page.locator("tr").filter(has_text=TITLE).get_by_role("link", name="查看"))
    assert "¥12,000.00" in page.locator("[id^=offer-]").first.inner_text()
    page.select_option("#invoice_kind", "special")
    page.get_by_role("button", name="接受报价并下单").click()
    page.wait_for_url(f"{base}/orders/PDX*")
    assert page.locator("#order-total").inner_text() == "¥12,000.00"
    shot(page, "j2-order")
    return page.locator("#order-number").inner_text(), page.locator("#bank-reference").inner_text()


def _finance_confirms(page, base: str, number: str, reference: str) -> None:
    page.goto(f"{base}/finance/payments?q={reference}")
    card = page.locator(f".finance-order[data-number='{number}']")
    card.locator("input[name=amount]").fill("12000.00")
    card.locator("input[name=external_id]").fill("BANK-20261203-0201")
    card.get_by_role("button", name="确认到账").click()
    page.wait_for_load_state()
    assert "已确认收款" in success_text(page)


def test_broker_lists_under_mandate_and_sells_through_a_quote(live_server, page, browser):
    base, app = live_server.url, live_server.app
    w = _arrange(app)
    with People(browser, base) as people:
        broker = people.signed_in(w.broker_user.email)
        _broker_fills_the_editor(broker, base, w)
        with Session(w.engine) as s:
            product = s.exec(select(Product).where(Product.title == TITLE)).one()
        assert (product.broker_id, product.status) == (w.broker.id, "draft")
        _authority_caps(w, product.id, 2_000_000)
        _broker_submits(broker, base, product.id)
        _reviewer_approves(people.signed_in(w.reviewer.email), base)
        buyer = people.signed_in(w.buyer_user.email)
        _buyer_finds_and_asks(buyer, base)
        _broker_offers(broker, base)
        number, reference = _buyer_accepts(buyer, base)
        _finance_confirms(people.signed_in(w.finance.email), base, number, reference)
        buyer.reload()
        assert "已付款" in buyer.locator("#order-status").inner_text()

    with Session(w.engine) as s:
        order = s.exec(select(Order).where(Order.number == number)).one()
        line = s.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
        assert order.status == OrderStatus.PAID and order.total_fen == 1_200_000
        assert (line.product_id, line.broker_id, line.commission_bps) == (product.id, w.broker.id, 800)
        offers = s.exec(select(QuoteOffer).order_by(QuoteOffer.id)).all()
        assert [(o.price_fen, o.status) for o in offers] == [(1_200_000, OfferStatus.ACCEPTED)]  # the refused one
