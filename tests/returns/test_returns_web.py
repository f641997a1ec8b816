"""The reasonable-return pages: the operator enters costs and a correction, sees the figures, submits;
the authority returns the report with a reason, then accepts the resubmission; exports; bad input."""

from __future__ import annotations

import html as html_lib
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models.returns import CostEntry, ReportStatus, ReturnReport
from tests.factories import make_user

SHARE = 10100  # a ¥106.00 sale with a 5% platform fee


def _text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def _figure(html: str, key: str) -> str:
    return re.search(rf'data-figure="{key}">([^<]+)<', html).group(1)


def test_operator_enters_costs_corrects_and_submits(session, web, books):
    books.order(10600, paid="2026-02-10")
    books.settle("2026-01", "2026-02")
    web.login(books.op_user.email)
    assert web.get("/money/returns").headers["Location"].endswith("/money/returns/2026")
    url = "/money/returns/2026/costs"
    resp = web.post(
        url,
        {"category": "labour", "amount": "1,000.00", "spent_on": "2026-03-01", "note": "运维人员", "product_id": "0"},
    )
    assert resp.status_code == 302
    web.post(
        url,
        {
            "category": "compute_storage",
            "amount": "50",
            "spent_on": "2026-04-01",
            "note": "云主机",
            "product_id": str(books.product.id),
        },
    )
    web.post(url, {"category": "taxes", "amount": "10", "spent_on": "2026-05-01", "note": "附加税", "product_id": "0"})
    labour = session.execute(select(CostEntry).where(CostEntry.category == "labour")).scalar_one()
    resp = web.post(
        f"/money/returns/2026/costs/{labour.id}/correct",
        {"amount": "-200", "spent_on": "2026-06-01", "note": "重复计入"},
    )
    assert resp.status_code == 302
    html = _text(web.get("/money/returns/2026"))
    # cost 1,000 − 200 + 50 = 850; profit 8% = 68; taxes 10 → allowed 928; actual 101
    assert _figure(html, "cost") == "¥850.00" and _figure(html, "profit") == "¥68.00"
    assert _figure(html, "allowed") == "¥928.00" and _figure(html, "actual") == "¥101.00"
    assert _figure(html, "headroom") == "¥827.00"
    assert "重复计入" in html and 'id="return-chart"' in html
    # two months confirmed: forecast 101 × 6 = 606, under the allowed revenue, no warning
    assert "¥606.00" in html and 'data-warning="forecast"' not in html
    assert web.post("/money/returns/2026/submit").status_code == 302
    report = session.execute(select(ReturnReport)).scalar_one()
    assert report.status is ReportStatus.SUBMITTED and report.allowed_fen == 92_800
    assert report.content_hash in _text(web.get("/money/returns/2026"))
    resp = web.post(
        url, {"category": "other", "amount": "1", "spent_on": "2026-07-01", "note": "迟到", "product_id": "0"}
    )
    assert resp.status_code == 400 and "不能再记录成本" in _text(resp)
    assert session.execute(select(CostEntry).where(CostEntry.note == "迟到")).first() is None
    resp = web.get("/money/returns/2026/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.data))["合理收益报告"]
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert values["内容哈希 (SHA-256)"] == report.content_hash and round(values["允许收入"] * 100) == 92_800
    assert web.get("/money/returns/2026/export.pdf").data == web.get("/money/returns/2026/export.pdf").data


def test_zero_data_page_hands_the_chart_zeros_and_the_shared_money_axis(session, web, books):
    """Nothing sold or spent: the chart's data are all zero and the page loads static/js/fen_axis.js (the one rule
    for the money charts' ticks, tests/browser/test_browser_money_axes.py) before the chart script."""
    web.login(books.op_user.email)
    resp = web.get("/money/returns/2026")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and _figure(_text(resp), "allowed") == "¥0.00"
    chart = json.loads(html_lib.unescape(re.search(r'id="return-chart"[^>]*data-chart="([^"]*)"', page).group(1)))
    assert chart["allowed"] == 0 and chart["forecast"] == 0 and len(chart["labels"]) == 12
    assert chart["cumulative"] and not any(chart["cumulative"])
    scripts = re.findall(r'<script src="/static/([^"]+)"', page)
    assert scripts.index("js/fen_axis.js") < scripts.index("js/returns.js"), scripts


def test_forecast_warning_shows(session, web, books):
    books.cost(10_000)
    books.order(10600, paid="2026-02-10")
    books.settle("2026-01", "2026-02")
    web.login(books.op_user.email)
    assert 'data-warning="forecast"' in _text(web.get("/money/returns/2026"))


def test_authority_returns_with_reason_then_accepts(session, web, books):
    books.cost(100_000)
    web.login(books.op_user.email)
    web.post("/money/returns/2026/submit")
    report = session.execute(select(ReturnReport)).scalar_one()
    web.logout()
    web.login(books.auth_user.email)
    html = _text(web.get("/authority/returns/2026"))
    assert books.operator.name in html and "¥1,080.00" in html
    detail = f"/authority/returns/report/{report.id}"
    assert report.content_hash in _text(web.get(detail))
    resp = web.post(f"{detail}/return", {"reason": ""})
    assert resp.status_code == 400 and "请填写退回原因" in _text(resp)
    assert web.post(f"{detail}/return", {"reason": "缺少人工成本合同"}).status_code == 302
    session.refresh(report)
    assert report.status is ReportStatus.RETURNED
    web.logout()
    web.login(books.op_user.email)
    assert "缺少人工成本合同" in _text(web.get("/money/returns/2026"))
    web.post("/money/returns/2026/submit")
    second = session.execute(select(ReturnReport).where(ReturnReport.version == 2)).scalar_one()
    web.logout()
    web.login(books.auth_user.email)
    assert web.post(f"/authority/returns/report/{second.id}/accept").status_code == 302
    session.refresh(second)
    assert second.status is ReportStatus.ACCEPTED
    pdf = web.get(f"/authority/returns/report/{second.id}/export.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert web.post(f"/authority/returns/report/{second.id}/accept").status_code == 302  # refused, flashed


def test_other_authority_and_operator_see_nothing(session, web, books, login_as):
    books.cost(100)
    web.login(books.op_user.email)
    web.post("/money/returns/2026/submit")
    report = session.execute(select(ReturnReport)).scalar_one()
    web.logout()
    login_as("authority")
    assert web.get(f"/authority/returns/report/{report.id}").status_code == 404
    assert web.post(f"/authority/returns/report/{report.id}/accept").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "labour", "amount": "abc", "spent_on": "2026-03-01", "note": "x", "product_id": "0"}, "金额"),
        ({"category": "labour", "amount": "-5", "spent_on": "2026-03-01", "note": "x", "product_id": "0"}, "金额"),
        ({"category": "labour", "amount": "5", "spent_on": "2025-03-01", "note": "x", "product_id": "0"}, "年度内"),
        ({"category": "labour", "amount": "5", "spent_on": "2026-03-01", "note": "", "product_id": "0"}, "说明"),
        ({"category": "labour", "amount": "5", "spent_on": "2026-03-01", "note": "x", "product_id": "99999999999"}, ""),
        ({"category": "nope", "amount": "5", "spent_on": "2026-03-01", "note": "x", "product_id": "0"}, ""),
        ({"category": "labour", "amount": "5", "spent_on": "bad", "note": "x", "product_id": "0"}, ""),
        ({"category": "labour", "amount": "5", "spent_on": "2026-03-01", "note": "x" * 501, "product_id": "0"}, "500"),
    ],
)
def test_bad_cost_input_is_a_400_and_saves_nothing(session, web, books, data, message):
    web.login(books.op_user.email)
    resp = web.post("/money/returns/2026/costs", data)
    assert resp.status_code == 400 and message in _text(resp)
    assert session.execute(select(CostEntry)).first() is None


@pytest.mark.parametrize(
    "url",
    [
        "/money/returns/1999",
        "/money/returns/2027",
        "/money/returns/99999999999",
        "/money/returns/2026/export.csv",
        "/authority/returns/report/99999999999",
    ],
)
def test_bad_urls_are_404(session, web, books, url):
    web.login(books.op_user.email)
    assert web.get(url).status_code == 404


def test_operator_without_agreement_sees_a_message(session, web):
    user = make_user(session, "operator")
    web.login(user.email)
    resp = web.get("/money/returns/2026")
    assert resp.status_code == 200 and "没有授权运营协议" in _text(resp)
    assert web.get("/money/returns/2026/export.pdf").status_code == 404
