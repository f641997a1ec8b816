"""Bill pages: the buyer's list and detail, the finance list with its receipt form, nav and the usage link."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.billing.run import bill_usage
from marketplace.models import AuditRecord, Role
from marketplace.models.billing import BillStatus, UsageBill
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events, count
from tests.factories import make_user

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


def _bill(session, api, calls=3, **kw):
    a = api(FLAT, **kw)
    add_events(session, a.ent, ["2026-10-02"] * calls + ["2026-10-09"])
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    return bill, a


def test_buyer_sees_bills_with_totals_and_a_bill_with_lines_vat_receipts_and_how_to_pay(web, session, api):
    bill, a = _bill(session, api)
    user = make_user(session, Role.BUYER, org=a.buyer)
    web.login(user.email)
    html = web.get("/bills").get_data(as_text=True)
    assert bill.number in html and "¥2.00" in html and 'id="total-due">¥2.00' in html
    assert 'id="total-overdue">¥2.00' in html  # due 2026-11-16, already past
    resp = web.get(f"/bills/{bill.number}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "按次计费" in html and "¥0.11" in html and "2026-11-16" in html  # line, VAT 6 % of ¥2.00, due date
    assert bill.bank_reference in html and "如何核对" in html
    for receipt in json.loads(bill.receipts):
        assert receipt["sha256"] in html
    assert "402 bill_overdue" in html


def test_another_buyers_bill_is_not_found(web, session, api, login_as):
    bill, _ = _bill(session, api)
    login_as(Role.BUYER)
    assert web.get(f"/bills/{bill.number}").status_code == 404
    assert bill.number not in web.get("/bills").get_data(as_text=True)


def test_nav_and_usage_page_link_to_bills(web, session, login_as):
    login_as(Role.BUYER)
    html = web.get("/bills").get_data(as_text=True)
    assert 'href="/bills"' in html and "还没有账单" in html
    assert 'id="bills-link" href="/bills"' in web.get("/usage").get_data(as_text=True)


def test_finance_lists_unpaid_bills_and_records_a_receipt(web, session, api, login_as):
    bill, a = _bill(session, api)
    login_as(Role.FINANCE)
    html = web.get("/finance/bills").get_data(as_text=True)
    assert bill.number in html and a.buyer.name in html and bill.bank_reference in html
    assert bill.number in web.get("/finance/bills?status=overdue").get_data(as_text=True)
    assert bill.number in web.get(f"/finance/bills?status=all&q={bill.bank_reference}").get_data(as_text=True)
    assert bill.number not in web.get("/finance/bills?status=paid").get_data(as_text=True)
    audits = count(session, AuditRecord)
    resp = web.post(f"/finance/bills/{bill.id}/receipt", {"amount": "1.99", "external_id": "BK-1"})
    assert resp.status_code == 400 and "不一致" in resp.get_data(as_text=True)
    assert count(session, AuditRecord) == audits and session.get(UsageBill, bill.id).status == BillStatus.ISSUED
    resp = web.post(f"/finance/bills/{bill.id}/receipt", {"amount": "abc", "external_id": "BK-1"})
    assert resp.status_code == 400
    resp = web.post(f"/finance/bills/{bill.id}/receipt", {"amount": "2.00", "external_id": "BK-1"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.execute(select(UsageBill.status).where(UsageBill.id == bill.id)).scalar() == BillStatus.PAID
    assert bill.number in web.get("/finance/bills?status=paid").get_data(as_text=True)
    assert web.post("/finance/bills/9999/receipt", {"amount": "1", "external_id": "x"}).status_code == 404


def test_roles_of_the_bill_pages(web, session, login_as):
    login_as(Role.FINANCE)
    assert web.get("/bills").status_code == 403
    web.logout()
    login_as(Role.BUYER)
    assert web.get("/finance/bills").status_code == 403
    assert web.get("/bills/ZD202610-000001/pay/card").status_code == 404  # card payment not configured
