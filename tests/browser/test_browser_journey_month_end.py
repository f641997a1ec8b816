"""Journey 3 (issue 13): month end, October 2026, with the exchange's clock set (marketplace.clock).

Arranged: an operator (platform fee 5 %, authority share 10 %, VAT 6 %) with a per-call API (¥1.20 a call) that
a buyer holds a key for, and a report its broker sold in October (commission 8 %). In October the buyer's system
calls the API over HTTP. On 3 November the usage bill is issued, the buyer reads it and pays by transfer, finance
records the receipt, closes October, confirms it and exports the operator's statement as XLSX and PDF; the files'
totals equal the figures on the page. The operator sees its revenue and its reasonable-return headroom move by
its statement's total; the broker sees its commission.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from marketplace.audit import Actor
from marketplace.clock import FixedClock, use_clock
from marketplace.models import Entitlement, PricePlan
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.settlement import PeriodStatus, SettlementPeriod
from marketplace.orders.buyer_keys import issue_key_for
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.payments import record_payment
from marketplace.returns.costs import CostIn, add_cost
from marketplace.supply.brokers import create_mandate
from marketplace.uscc import make_uscc
from pricing import split_vat
from tests.browser.steps import (
    People,
    actor_of,
    add_broker_and_buyer,
    arrange_exchange,
    call_api,
    click_and_wait,
    fen,
    list_product,
    shot,
    success_text,
)

USCC_A, USCC_B = make_uscc("91350100MA0000001"), make_uscc("91350100MA0000002")
ROWS = f"uscc,name\n{USCC_A},示例甲科技有限公司\n{USCC_B},示例乙物流有限公司\n"


def noon(day: str) -> datetime:
    """12:00 in Shanghai that day."""
    return datetime.fromisoformat(f"{day}T04:00:00").replace(tzinfo=UTC)


def _order(s, user, org, product, token: str):
    plan = s.exec(select(PricePlan).where(PricePlan.product_id == product.id)).first()
    order = place_order(s, actor=actor_of(user), buyer_org_id=org.id, product_id=product.id, plan_id=plan.id,
                        quantity=1, use_type="industry", purpose="企业贷前风险核查",
                        invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc), submit_token=token)
    s.flush()
    return order


def _arrange(app, clock):
    """1 September – 20 October 2026: parties, listings, mandate, costs, the buyer's key and the broker's sale."""
    clock.at = noon("2026-09-01")
    w = arrange_exchange(app, start=date(2026, 9, 1), platform_fee_bps=500, authority_share_bps=1000)
    with Session(w.engine, expire_on_commit=False) as s:
        add_broker_and_buyer(s, w, valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31))
        create_mandate(s, actor=actor_of(w.op_user), operator_id=w.operator.id, broker_id=w.broker.id, product_ids=[],
                       commission_bps=800, start_date=date(2026, 9, 1), end_date=date(2027, 8, 31))
        add_cost(s, actor=actor_of(w.op_user), operator_id=w.operator.id, year=2026, today=date(2026, 9, 1),
                 data=CostIn(category="compute_storage", amount_fen=5_000_000, spent_on=date(2026, 9, 1),
                             note="云资源年费"))
        s.commit()
    w.api = list_product(w, title="企业登记信息核查接口", plans=[{"name": "按次", "form": "per_call_flat",
                                                                "unit_price_fen": "120"}], dataset=ROWS)
    w.report = list_product(w, type="report", title="小微企业信用评估报告", offline_delivery=True,
                            delivery_mode="合同交付", broker=w.broker, lister=w.broker_user,
                            plans=[{"name": "标准版", "form": "one_off", "price_fen": 300000}])
    with Session(w.engine, expire_on_commit=False) as s:
        clock.at = noon("2026-10-08")
        _order(s, w.buyer_user, w.buyer, w.api, "month-end-api-0001")  # billed on usage: nothing to pay now
        ent = s.exec(select(Entitlement).where(Entitlement.product_id == w.api.id)).one()
        _key, w.key = issue_key_for(s, actor=actor_of(w.buyer_user), buyer_org_id=w.buyer.id, entitlement_id=ent.id)
        clock.at = noon("2026-10-20")
        sale = _order(s, w.buyer_user, w.buyer, w.report, "month-end-report-0001")
        record_payment(s, actor=Actor.system("bank"), order_id=sale.id, method="bank_transfer", amount_fen=300000,
                       external_id="BANK-20261020-0001")
        s.commit()
    return w


def _calls_in_october(base: str, w, clock) -> int:
    statuses = []
    for day, uscc_list in (("2026-10-12", [USCC_A, USCC_B, USCC_A, USCC_A, USCC_B]),
                           ("2026-10-25", [USCC_A, make_uscc("91350100MA0000009"), USCC_B, USCC_A])):
        clock.at = noon(day)
        statuses += [call_api(base, w.api.slug, w.key, uscc=u).status for u in uscc_list]
    assert statuses.count(200) == 8 and statuses.count(404) == 1  # the miss is not billed
    return 8


def _figure(page, selector: str) -> int:
    return fen(page.locator(selector).inner_text())


def _headroom(page, base: str) -> tuple[int, int]:
    page.goto(f"{base}/money/returns")
    return _figure(page, "[data-figure=actual]"), _figure(page, "[data-figure=headroom]")


def _buyer_reads_and_transfers(page, base: str) -> tuple[str, int, str]:
    page.goto(f"{base}/bills")
    row = page.locator(".bill-row").first
    number = row.get_attribute("data-number")
    click_and_wait(page, row.get_by_role("link", name=number))
    assert page.locator("dt:has-text('计费次数') + dd").inner_text() == "8"
    assert sum(int(c) for c in page.locator("#bill-receipts tbody td:nth-child(2)").all_inner_texts()) == 8  # 5 + 3
    shot(page, "j3-bill")
    return number, _figure(page, "#bill-amount"), page.locator("#bill-bank-reference").inner_text()


def _finance_records_the_bill(page, base: str, number: str, amount: int, reference: str) -> None:
    page.goto(f"{base}/finance/bills")
    page.fill("input[name=q]", reference)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    card = page.locator(f".finance-bill[data-number='{number}']")
    card.locator("input[name=amount]").fill(f"{amount / 100:.2f}")
    card.locator("input[name=external_id]").fill("BANK-20261105-0009")
    card.get_by_role("button", name="确认到账").click()
    page.wait_for_load_state()
    assert f"账单 {number} 已支付" in success_text(page)


def _finance_closes_and_confirms(page, base: str) -> None:
    page.goto(f"{base}/finance/settlement/")
    page.fill("input[name=period]", "2026-10")
    page.get_by_role("button", name="结算该月").click()
    page.wait_for_url(f"{base}/finance/settlement/2026-10")
    assert "2026-10 已结算" in success_text(page)
    shot(page, "j3-closed")
    page.locator("#confirm-form input[type=checkbox]").check()
    page.get_by_role("button", name="确认并锁定期间").click()
    page.wait_for_load_state()
    assert "已确认" in success_text(page)


def _download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def _finance_exports(page, base: str, operator_name: str) -> dict:
    page.goto(f"{base}/finance/dashboard?period=2026-10")
    totals = {key: _figure(page, f"[data-total={key}]")
              for key in ("gross", "vat", "platform", "broker", "authority", "operator")}
    row = page.locator("#payouts tbody tr").filter(has_text=operator_name)
    totals["operator_statement"] = fen(row.locator("td").nth(3).inner_text())
    totals["broker_statement"] = fen(page.locator("#payouts tbody tr").filter(has_text="示例数据经纪服务有限公司")
                                     .locator("td").nth(3).inner_text())
    shot(page, "j3-dashboard")
    xlsx = load_workbook(io.BytesIO(_download(page, row.get_by_role("link", name="XLSX")))).active
    last = [c.value for c in xlsx[xlsx.max_row]]
    totals["xlsx"] = {"gross": round(last[7] * 100), "vat": round(last[8] * 100), "share": round(last[10] * 100)}
    pdf = PdfReader(io.BytesIO(_download(page, row.get_by_role("link", name="PDF"))))
    totals["pdf"] = "\n".join(p.extract_text() for p in pdf.pages)
    return totals


def test_month_end_bill_paid_closed_confirmed_exported_and_every_party_sees_it(live_server, page, browser):
    base, app = live_server.url, live_server.app
    with use_clock(FixedClock(noon("2026-09-01"))) as clock, People(browser, base) as people:
        w = _arrange(app, clock)
        billable = _calls_in_october(base, w, clock)
        clock.at = noon("2026-11-03")
        operator = people.signed_in(w.op_user.email)
        actual_before, headroom_before = _headroom(operator, base)
        assert actual_before == 0

        result = app.test_cli_runner().invoke(args=["bill-usage", "2026-10"])  # the month-end job (no button)
        assert result.exit_code == 0, result.output
        buyer = people.signed_in(w.buyer_user.email)
        number, amount, reference = _buyer_reads_and_transfers(buyer, base)
        assert amount == billable * 120  # 8 × ¥1.20
        finance = people.signed_in(w.finance.email)
        _finance_records_the_bill(finance, base, number, amount, reference)
        _finance_closes_and_confirms(finance, base)
        figures = _finance_exports(finance, base, w.operator.name)

        gross = 300000 + amount
        assert figures["gross"] == gross
        assert figures["vat"] == sum(split_vat(gross_fen=g, rate_bps=600)[1] for g in (300000, amount))
        assert figures["xlsx"] == {"gross": gross, "vat": figures["vat"], "share": figures["operator_statement"]}
        assert figures["operator_statement"] == figures["operator"] + figures["vat"]  # it invoices the VAT
        pdf = figures["pdf"]
        for value in (gross, figures["vat"], figures["operator_statement"]):
            assert f"{value / 100:,.2f}" in pdf, (value, pdf)

        operator.goto(f"{base}/money/revenue")
        shot(operator, "j3-revenue")
        assert _figure(operator, "[data-total=share]") == figures["operator"]
        assert _figure(operator, "[data-total=vat]") == figures["vat"]
        actual_after, headroom_after = _headroom(operator, base)
        shot(operator, "j3-returns")
        assert actual_after == figures["operator_statement"]
        assert headroom_before - headroom_after == figures["operator_statement"]

        broker = people.signed_in(w.broker_user.email)
        broker.goto(f"{base}/money/commissions")
        shot(broker, "j3-commissions")
        assert _figure(broker, "[data-total=share]") == figures["broker"] == figures["broker_statement"]
        net = 300000 - split_vat(gross_fen=300000, rate_bps=600)[1]
        assert abs(figures["broker"] - net * 0.08) < 1  # 8 % of the report's net

    with Session(app.extensions["engine"]) as s:
        bill = s.exec(select(UsageBill)).one()
        assert (bill.number, bill.status, bill.calls, bill.amount_fen) == (number, BillStatus.PAID, billable, amount)
        assert s.exec(select(SettlementPeriod.status).where(SettlementPeriod.period == "2026-10")).one() \
            == PeriodStatus.CONFIRMED
