"""Money pages: figures computed by hand, statement downloads (own only), invoice data export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models import Entitlement, PricePlan, Role
from marketplace.models.billing import UsageBill
from marketplace.models.settlement import PartyKind
from marketplace.settlement import dashboards
from tests.factories import make_user
from tests.settlement.ledger_rows import settle_by_hand


@pytest.fixture
def settled(session):
    return settle_by_hand(session)


def _text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def _bill(session, settled, n: int, *, due: date, amount: int, paid: bool = False) -> UsageBill:
    plan = session.execute(select(PricePlan).where(PricePlan.product_id == settled.product.id)).scalars().first()
    ent = Entitlement(buyer_org_id=settled.buyer.id, product_id=settled.product.id, plan_id=plan.id)
    session.add(ent)
    session.flush()
    bill = UsageBill(
        number=f"ZD202610-{n:06d}",
        period="2026-10",
        entitlement_id=ent.id,
        buyer_org_id=settled.buyer.id,
        product_id=settled.product.id,
        plan_id=plan.id,
        operator_id=settled.operator.id,
        calls=10,
        amount_fen=amount,
        vat_fen=amount * 6 // 106,
        due_date=due,
        bank_reference=f"ZDREF{n:04d}",
        status="paid" if paid else "issued",
        paid_at=datetime(2026, 10, 30, 4, 0, tzinfo=UTC) if paid else None,
        payment_reference=f"BANK-{n}" if paid else None,
    )
    session.add(bill)
    session.commit()
    return bill


def test_finance_dashboard_queries_by_hand(session, settled):
    today = date(2026, 11, 20)
    _bill(session, settled, 1, due=today - timedelta(days=1), amount=1855)  # overdue
    _bill(session, settled, 2, due=today + timedelta(days=5), amount=500)
    _bill(session, settled, 3, due=today - timedelta(days=9), amount=700, paid=True)  # paid: not counted
    board = dashboards.finance_dashboard(session, period="2026-10", today=today)
    t = board.totals
    assert (t.lines, t.gross_fen, t.vat_fen, t.net_fen) == (4, 33655, 1905, 31750)
    assert (t.platform_fen, t.broker_fen, t.authority_fen, t.operator_fen) == (1588, 2540, 0, 27622)
    assert board.unpaid == dashboards.UnpaidBills(count=2, amount_fen=2355, overdue_count=1, overdue_fen=1855)
    assert {p.party_kind: p.total_fen for p in board.payouts} == {
        "operator": 29527,
        "broker": 2540,
        "authority": 0,
        "exchange": 1588,
    }
    assert [(m.period, m.gross_fen) for m in board.months] == [("2026-10", 33655)]
    empty = dashboards.finance_dashboard(session, period="2026-09", today=today)
    assert empty.totals.gross_fen == 0 and empty.payouts == []


def test_party_queries_by_hand(session, settled):
    op = dashboards.operator_revenue(session, operator_id=settled.operator.id)
    assert [(r.period, r.label, r.lines, r.gross_fen, r.fees_fen, r.share_fen) for r in op] == [
        ("2026-10", "企业信用画像查询接口", 4, 33655, 1588 + 2540, 27622)
    ]
    au = dashboards.authority_revenue(session, authority_id=settled.authority.id)
    assert [(r.label, r.gross_fen, r.share_fen) for r in au] == [(settled.operator.name, 33655, 0)]
    assert dashboards.broker_commissions(session, broker_id=settled.operator.id) == []
    br = dashboards.broker_commissions(session, broker_id=settled.broker.id)  # no mandate row in this data
    assert [(r.label, r.lines, r.share_fen) for r in br] == [(f"委托 — · {settled.operator.name} · 8%", 4, 2540)]


def test_operator_revenue_shows_the_vat_so_gross_less_vat_and_fees_is_the_share(session, web, settled):
    (row,) = dashboards.operator_revenue(session, operator_id=settled.operator.id)
    assert (row.gross_fen, row.vat_fen, row.fees_fen, row.share_fen) == (33655, 1905, 1588 + 2540, 27622)
    assert row.gross_fen - row.vat_fen - row.fees_fen == row.share_fen
    web.login(make_user(session, Role.OPERATOR, org=settled.operator).email)
    html = _text(web.get("/money/revenue"))
    table = html[html.index('id="revenue-rows"'):html.index("</table>", html.index('id="revenue-rows"'))]
    headings = re.findall(r"<th[^>]*>([^<]+)</th>", table)
    assert headings[3:7] == ["含税收入", "增值税", "服务费与分成", "运营单位所得"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table.split("<tbody>")[1])
    assert cells[3:7] == ["¥336.55", "¥19.05", "¥41.28", "¥276.22"]
    assert 'data-total="vat">¥19.05<' in html


def test_broker_commissions_name_the_mandate_of_the_sale(session, settled):
    from marketplace.models.supply import Mandate, MandateProduct

    old = Mandate(
        operator_id=settled.operator.id,
        broker_id=settled.broker.id,
        commission_bps=800,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 10, 9),
    )
    new = Mandate(
        operator_id=settled.operator.id,
        broker_id=settled.broker.id,
        commission_bps=800,
        start_date=date(2026, 10, 10),
        end_date=date(2027, 1, 1),
    )
    session.add_all([old, new])
    session.flush()
    session.add_all([MandateProduct(mandate_id=m.id, product_id=settled.product.id) for m in (old, new)])
    session.commit()
    rows = dashboards.broker_commissions(session, broker_id=settled.broker.id)
    by_label = {r.label: (r.lines, r.share_fen) for r in rows}
    name = settled.operator.name
    # the sale of 10-03 and its refund count under the old mandate; the bill and the sale after 10-10 the new one
    assert by_label == {f"委托 #{old.id} · {name} · 8%": (2, 0), f"委托 #{new.id} · {name} · 8%": (2, 2540)}


def test_finance_page_shows_the_figures_and_export_buttons(session, web, settled):
    web.login(make_user(session, Role.FINANCE).email)
    resp = web.get("/finance/dashboard?period=2026-10")
    assert resp.status_code == 200
    html = _text(resp)
    assert 'data-total="gross">¥336.55<' in html and 'data-total="vat">¥19.05<' in html
    assert 'data-total="platform">¥15.88<' in html and 'data-total="broker">¥25.40<' in html
    assert "¥295.27" in html and settled.operator.name in html
    st = settled.statements[PartyKind.OPERATOR]
    assert f"/finance/statements/{st.id}/export.pdf" in html
    assert 'id="money-chart"' in html and "<script>" not in html  # data in an attribute, no inline script
    assert web.get("/finance/dashboard").status_code == 200  # the latest period by default
    assert web.get("/finance/dashboard?period=2026-13").status_code == 400


def test_finance_dashboard_of_an_unsettled_month_links_to_the_settlement_page(session, web, settled):
    web.login(make_user(session, Role.FINANCE).email)
    html = web.get("/finance/dashboard?period=2026-11").get_data(as_text=True)
    payouts = html[html.index('id="payouts"'):html.index("</table>", html.index('id="payouts"'))]
    assert "flask --app" not in payouts  # finance staff close a month with the button, not a shell command
    assert 'href="/finance/settlement/"' in payouts and "2026-11 尚未结算" in payouts


@pytest.mark.parametrize("fmt, magic", [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_finance_downloads_any_statement_identical_to_the_page(session, web, settled, fmt, magic):
    web.login(make_user(session, Role.FINANCE).email)
    st = settled.statements[PartyKind.BROKER]
    first = web.get(f"/finance/statements/{st.id}/export.{fmt}")
    assert first.status_code == 200 and first.data.startswith(magic)
    assert f"statement-2026-10-broker-{settled.broker.uscc}.{fmt}" in first.headers["Content-Disposition"]
    assert web.get(f"/finance/statements/{st.id}/export.{fmt}").data == first.data
    assert web.get(f"/finance/statements/999999/export.{fmt}").status_code == 404


def test_party_downloads_its_own_statement_only(session, web, settled):
    user = make_user(session, Role.OPERATOR, org=settled.operator)
    web.login(user.email)
    page = _text(web.get("/money/revenue"))
    assert "企业信用画像查询接口" in page and "¥276.22" in page
    own = settled.statements[PartyKind.OPERATOR]
    resp = web.get(f"/money/statements/{own.id}/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert round(ws["K14"].value * 100) == 29527  # the same total as the finance page shows
    other = settled.statements[PartyKind.BROKER]
    assert web.get(f"/money/statements/{other.id}/export.pdf").status_code == 404
    assert web.get(f"/finance/statements/{own.id}/export.pdf").status_code == 403
    assert web.get(f"/money/statements/{own.id}/export.doc").status_code == 404


def test_broker_and_authority_pages(session, web, settled):
    web.login(make_user(session, Role.AUTHORITY, org=settled.authority).email)
    page = _text(web.get("/money/authority"))
    assert settled.operator.name in page and "¥336.55" in page
    assert settled.statements[PartyKind.AUTHORITY].number in page
    web.logout()
    web.login(make_user(session, Role.BROKER, org=settled.broker).email)
    resp = web.get("/money/commissions")
    assert resp.status_code == 200 and settled.statements[PartyKind.BROKER].number in _text(resp)


def test_invoice_export_lists_paid_bills_and_orders(session, web, settled):
    _bill(session, settled, 7, due=date(2026, 11, 15), amount=1855, paid=True)
    _bill(session, settled, 8, due=date(2026, 11, 15), amount=999)  # unpaid: no invoice yet
    web.login(make_user(session, Role.FINANCE).email)
    resp = web.get("/finance/invoices.csv?period=2026-10")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["来源", "单号", "支付日期"]
    assert [r[:2] for r in rows[1:]] == [["账单", "ZD202610-000007"]]
    bill = rows[1]
    assert bill[3:6] == [settled.buyer.name, settled.buyer.uscc, "普通发票"]
    assert bill[7:9] == ["18.55", "1.05"] and bill[10:] == [settled.operator.name, settled.operator.uscc]
    xlsx = web.get("/finance/invoices.xlsx?period=2026-10")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws.freeze_panes == "A2" and round(ws["H2"].value * 100) == 1855
    assert web.get("/finance/invoices.xlsx?period=2026-10").data == xlsx.data
    assert web.get("/finance/invoices.csv?period=2026-11").data.decode("utf-8-sig").count("\n") == 1


def _row(period: str, share: int, gross: int = 0) -> dashboards.RevenueRow:
    return dashboards.RevenueRow(period, "x", 1, gross or share * 2, gross // 10, 0, share)


@pytest.mark.parametrize(
    ("year", "shown", "share", "months", "years"),
    [
        (None, "2026", 300, ["2026-01", "2026-03"], ["2026", "2025"]),  # the newest year with revenue
        ("2025", "2025", 3000, ["2025-11", "2025-12"], ["2026", "2025"]),
        ("all", "", 3300, ["2025-11", "2025-12", "2026-01", "2026-03"], ["2026", "2025"]),
        ("2024", "2024", 0, [], ["2026", "2025"]),
    ],
)
def test_a_party_year_holds_that_years_rows_totals_and_months(year, shown, share, months, years):
    rows = [_row("2026-03", 200), _row("2026-01", 100), _row("2025-12", 1000), _row("2025-11", 2000)]
    view = dashboards.party_year(rows, year=year)
    assert (view.year, view.share_fen, view.months, view.years) == (shown, share, months, years)
    assert view.gross_fen == sum(r.gross_fen for r in view.rows) == 2 * share
    assert all(r.period.startswith(shown) for r in view.rows)


def test_a_party_year_of_every_year_charts_the_last_twelve_months():
    rows = [_row(f"{2025 + m // 12}-{m % 12 + 1:02d}", 1) for m in range(18)]
    view = dashboards.party_year(rows, year="all")
    assert view.months[0] == "2025-07" and len(view.months) == 12 and view.share_fen == 18
    assert dashboards.party_year([], year=None).year == ""


def test_party_page_is_for_one_year_with_its_statements(session, web, settled):
    web.login(make_user(session, Role.OPERATOR, org=settled.operator).email)
    page = _text(web.get("/money/revenue"))
    assert "运营单位所得 · 2026 年" in page and 'data-total="share">¥276.22<' in page
    assert 'aria-current="page">2026 年<' in page and "?year=all" in page
    assert settled.statements[PartyKind.OPERATOR].number in page
    earlier = _text(web.get("/money/revenue?year=2025"))
    assert 'data-total="share">¥0.00<' in earlier and "2025 年没有结算过的收入。" in earlier
    assert settled.statements[PartyKind.OPERATOR].number not in earlier and "暂无结算单" in earlier
    every = _text(web.get("/money/revenue?year=all"))
    assert "运营单位所得 · 全部年度" in every and 'data-total="share">¥276.22<' in every
    bad = web.get("/money/revenue?year=26")
    assert bad.status_code == 400 and "年份格式应为 YYYY" in _text(bad)
