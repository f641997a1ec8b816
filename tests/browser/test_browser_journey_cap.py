"""Journey 4 (issue 13): the authority lowers a cap below a listed price.

Arranged: an operator's data API listed at ¥0.80 a call (its only plan) under a cap of ¥0.80. The authority
lowers the cap to ¥0.60: the plan stops being offered (gone from search, no buy button, checkout refused), the
operator is notified, finds the plan on its workbench and re-prices it at ¥0.55, a reviewer approves and it is
on sale again. The operator submits its reasonable-return report and the authority reviews it (price against
cap per product) and accepts it; the operator publishes its disclosure and the public page shows the new price
and cap.
"""

from __future__ import annotations

from sqlmodel import Session, select

from marketplace.clock import today
from marketplace.models import PricePlan, Role
from marketplace.models.returns import ReportStatus, ReturnReport
from marketplace.models.supply import CapPrice
from marketplace.returns.costs import CostIn, add_cost
from tests.browser.steps import (
    People,
    actor_of,
    approve_listing,
    arrange_exchange,
    click_and_wait,
    list_product,
    shot,
    submit_for_review,
    success_text,
)
from tests.factories import make_user

TITLE = "企业纳税信用等级查询接口"


def _arrange(app):
    w = arrange_exchange(app)
    w.product = list_product(w, title=TITLE, summary="按统一社会信用代码查询纳税信用等级",
                             plans=[{"name": "按次", "form": "per_call_flat", "unit_price_fen": "80"}],
                             dataset="uscc,grade\n91350100MA00000012,A\n")
    with Session(w.engine, expire_on_commit=False) as s:
        w.buyer_user = make_user(s, Role.BUYER, email="buyer@tea.cn")
        add_cost(s, actor=actor_of(w.op_user), operator_id=w.operator.id, year=today().year, today=today(),
                 data=CostIn(category="data_governance", amount_fen=8_000_000, spent_on=today(), note="数据治理外包"))
        s.commit()
    return w


def _search(page, base: str, words: str) -> list[str]:
    page.goto(f"{base}/products?q={words}")
    return page.locator(".product-card h3").all_inner_texts()


def _authority_lowers_the_cap(page, base: str, w) -> None:
    page.goto(f"{base}/authority/agreements")
    click_and_wait(page, page.get_by_role("link", name=w.agreement.code))
    row = page.locator("tr").filter(has_text=TITLE)
    click_and_wait(page, row.get_by_role("link", name="上限收费标准"))
    page.select_option("#charge_form", "per_call_flat")
    page.fill("#cap", "0.60")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已设定新的上限收费标准" in success_text(page)
    shot(page, "j4-cap-set")


def _no_longer_offered(page, base: str, w) -> None:
    assert TITLE not in _search(page, base, "纳税信用")
    page.goto(f"{base}/products/{w.product.slug}")
    shot(page, "j4-product-off-sale")
    assert page.get_by_role("link", name="购买", exact=True).count() == 0
    plan = _plan_id(w)
    page.goto(f"{base}/products/{w.product.slug}/buy?plan={plan}")
    assert "高于现行上限收费标准" in page.locator("main").inner_text()


def _plan_id(w) -> int:
    with Session(w.engine) as s:
        return s.exec(select(PricePlan.id).where(PricePlan.product_id == w.product.id,
                                                 PricePlan.active)).first()


def _operator_reprices(page, base: str) -> None:
    page.goto(f"{base}/notifications")
    notice = page.locator(".notif-item").filter(has_text=TITLE).first
    assert "¥0.60" in notice.inner_text()
    shot(page, "j4-notified")
    page.goto(f"{base}/supply/")
    reprice = page.locator("#reprice")
    assert "高于现行上限" in reprice.inner_text() and "¥0.60" in reprice.inner_text()
    click_and_wait(page, reprice.get_by_role("link", name=TITLE))
    page.fill("#plans-0-unit_price", "0.55")
    submit_for_review(page)


def _reviewer_approves(page, base: str) -> None:
    page.goto(f"{base}/review/")
    click_and_wait(page, page.get_by_role("link", name=TITLE))
    assert "¥0.55/次" in page.locator("body").inner_text()
    approve_listing(page)


def _operator_submits_report(page, base: str, year: int) -> None:
    page.goto(f"{base}/money/returns")
    row = page.locator("#return-products tr[data-product]").filter(has_text=TITLE)
    assert "¥0.55/次" in row.inner_text() and "¥0.60/次" in row.inner_text()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=f"提交 {year} 年度报告").click()
    page.wait_for_load_state()
    shot(page, "j4-report-submitted")


def _authority_reviews_report(page, base: str, w) -> None:
    page.goto(f"{base}/authority/returns")
    click_and_wait(page, page.get_by_role("link", name=w.operator.name).first)
    row = page.locator("#return-products tr[data-product]").filter(has_text=TITLE)
    assert "¥0.55/次" in row.inner_text() and "¥0.60/次" in row.inner_text()
    assert page.locator("[data-figure=allowed]").inner_text() == "¥86,400.00"  # ¥80,000 cost + 8 %
    shot(page, "j4-report-review")
    page.get_by_role("button", name="通过").click()
    page.wait_for_load_state()


def _operator_publishes(page, base: str, year: int) -> None:
    page.goto(f"{base}/supply/disclosure")  # opens on last year's (due by 31 March); this year may go early
    with page.expect_navigation():
        page.select_option("#year-select", str(year))
    row = page.locator("#products .product-row").filter(has_text=TITLE)
    assert row.locator(".plan-price").inner_text().strip() == "¥0.55/次"  # the draft has the new price
    page.check("#confirm")
    page.get_by_role("button", name=f"发布 {year} 年度披露").click()
    page.wait_for_load_state()
    assert "第 1 版" in page.locator("body").inner_text()


def _public_page_shows(page, base: str, w, year: int) -> None:
    page.goto(f"{base}/disclosure")
    click_and_wait(page, page.get_by_role("link", name=w.operator.name).first)
    row = page.locator("#products .product-row").filter(has_text=TITLE)
    assert row.locator(".plan-price").inner_text().strip() == "¥0.55/次"
    assert "¥0.60/次" in row.locator(".plan-cap").inner_text()
    caps = page.locator("#caps").inner_text()
    assert "¥0.60/次" in caps
    shot(page, "j4-disclosure")


def test_lower_cap_stops_the_plan_operator_reprices_report_and_disclosure_follow(live_server, page, browser):
    base, app = live_server.url, live_server.app
    w = _arrange(app)
    year = today().year
    with People(browser, base) as people:
        buyer = people.signed_in(w.buyer_user.email)
        assert TITLE in _search(buyer, base, "纳税信用")  # on sale at ¥0.80 before
        official = people.signed_in(w.official.email)
        _authority_lowers_the_cap(official, base, w)
        _no_longer_offered(buyer, base, w)

        operator = people.signed_in(w.op_user.email)
        _operator_reprices(operator, base)
        _reviewer_approves(people.signed_in(w.reviewer.email), base)
        assert TITLE in _search(buyer, base, "纳税信用")  # on sale again
        click_and_wait(buyer, buyer.get_by_role("link", name=TITLE))
        plans = buyer.locator("#plans").inner_text()
        assert "¥0.55/次" in plans and "上限收费标准 ¥0.60/次" in plans
        click_and_wait(buyer, buyer.get_by_role("link", name="购买", exact=True))
        assert buyer.locator("#place-order").is_enabled()

        _operator_submits_report(operator, base, year)
        _authority_reviews_report(official, base, w)
        _operator_publishes(operator, base, year)
        _public_page_shows(page, base, w, year)  # `page`: a visitor, not signed in

    with Session(w.engine) as s:
        caps = s.exec(select(CapPrice.cap_fen).where(CapPrice.product_id == w.product.id)
                      .order_by(CapPrice.id)).all()
        assert [int(c) for c in caps] == [80, 60]
        report = s.exec(select(ReturnReport)).one()
        assert (report.year, report.status) == (year, ReportStatus.ACCEPTED)
