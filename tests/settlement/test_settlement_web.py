"""Finance pages: close a month, see statements and the split, confirm with a check, record a payout."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models.settlement import PartyKind, PeriodStatus, SettlementPeriod, Statement, StatementStatus
from tests.factories import PASSWORD


def _finance(web, books):
    web.login(books.finance.email, PASSWORD)


def test_finance_closes_confirms_and_pays(web, session, books):
    books.order(10600, paid="2026-10-05", broker=True, commission_bps=1000)
    _finance(web, books)
    assert "还没有结算过任何期间" in web.get("/finance/settlement/").get_data(as_text=True)
    resp = web.post("/finance/settlement/close", {"period": "2026-10"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/finance/settlement/2026-10")
    page = web.get("/finance/settlement/2026-10").get_data(as_text=True)
    assert f"JS202610-OP-{books.operator.uscc}" in page and "¥81.00" in page and "¥10.00" in page
    assert "2026-10" in web.get("/finance/settlement/").get_data(as_text=True)

    refused = web.post("/finance/settlement/2026-10/confirm", {})
    assert refused.status_code == 400 and "请先勾选确认" in refused.get_data(as_text=True)
    assert session.execute(select(SettlementPeriod.status)).scalar_one() == PeriodStatus.CLOSED
    assert web.post("/finance/settlement/2026-10/confirm", {"checked": "y"}).status_code == 302
    session.expire_all()
    assert session.execute(select(SettlementPeriod.status)).scalar_one() == PeriodStatus.CONFIRMED

    op = session.execute(select(Statement).where(Statement.party_kind == PartyKind.OPERATOR)).scalar_one()
    page = web.get(f"/finance/settlement/statements/{op.id}").get_data(as_text=True)
    assert op.content_hash in page and 'id="statement-exports"' in page and "¥81.00" in page
    bad = web.post(f"/finance/settlement/statements/{op.id}/paid", {"payout_reference": "", "payout_date": "x"})
    assert bad.status_code == 400 and "请填写付款流水号" in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Statement, op.id).status == StatementStatus.CONFIRMED
    ok = web.post(
        f"/finance/settlement/statements/{op.id}/paid",
        {"payout_reference": "HK-2026-1101", "payout_date": "2026-11-05"},
    )
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Statement, op.id).status == StatementStatus.PAID
    assert "HK-2026-1101" in web.get(f"/finance/settlement/statements/{op.id}").get_data(as_text=True)


def test_bad_month_shows_a_message_and_saves_nothing(web, session, books):
    _finance(web, books)
    resp = web.post("/finance/settlement/close", {"period": "2026-13"})
    assert resp.status_code == 400 and "YYYY-MM" in resp.get_data(as_text=True)
    assert session.execute(select(SettlementPeriod)).first() is None


def test_paying_a_draft_statement_is_refused(web, session, books):
    books.order(1060, paid="2026-10-05")
    _finance(web, books)
    web.post("/finance/settlement/close", {"period": "2026-10"})
    st = session.execute(select(Statement).where(Statement.party_kind == PartyKind.EXCHANGE)).scalar_one()
    resp = web.post(
        f"/finance/settlement/statements/{st.id}/paid", {"payout_reference": "X1", "payout_date": "2026-11-05"}
    )
    assert resp.status_code == 409 and "确认后才能登记付款" in resp.get_data(as_text=True)


def test_unknown_period_and_statement_are_404(web, books):
    _finance(web, books)
    assert web.get("/finance/settlement/2026-09").status_code == 404
    assert web.get("/finance/settlement/nonsense").status_code == 404
    assert web.get("/finance/settlement/statements/999").status_code == 404


def test_other_roles_are_refused(web, login_as):
    login_as("buyer")
    assert web.get("/finance/settlement/").status_code == 403
    assert web.post("/finance/settlement/close", {"period": "2026-10"}).status_code == 403


def test_the_close_form_holds_the_month_that_just_ended(web, books):
    import re
    from datetime import UTC, datetime

    from marketplace.clock import FixedClock, use_clock

    _finance(web, books)
    for now, month in [(datetime(2027, 1, 3, 2, tzinfo=UTC), "2026-12"), (datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
                                                                          "2026-12")]:  # 1 Jan 00:30 in Shanghai
        with use_clock(FixedClock(now)):
            page = web.get("/finance/settlement/").get_data(as_text=True)
        field = re.search(r'<input[^>]*name="period"[^>]*>', page).group(0)
        assert f'value="{month}"' in field and 'placeholder="YYYY-MM"' in field


def test_the_payout_form_holds_today_and_refuses_a_day_not_yet_come(web, session, books):
    import re
    from datetime import UTC, datetime

    from marketplace.clock import FixedClock, use_clock

    books.order(1060, paid="2026-10-05")
    _finance(web, books)
    web.post("/finance/settlement/close", {"period": "2026-10"})
    web.post("/finance/settlement/2026-10/confirm", {"checked": "y"})
    st = session.execute(select(Statement).where(Statement.party_kind == PartyKind.EXCHANGE)).scalar_one()
    with use_clock(FixedClock(datetime(2026, 11, 9, 17, tzinfo=UTC))):  # 10 November 01:00 in Shanghai
        page = web.get(f"/finance/settlement/statements/{st.id}").get_data(as_text=True)
        field = re.search(r'<input[^>]*name="payout_date"[^>]*>', page).group(0)
        assert 'value="2026-11-10"' in field
        late = web.post(f"/finance/settlement/statements/{st.id}/paid",
                        {"payout_reference": "HK-1", "payout_date": "2026-11-11"})
        assert late.status_code == 400 and "付款日期不能晚于今天（2026-11-10）" in late.get_data(as_text=True)
        session.expire_all()
        assert session.get(Statement, st.id).status == StatementStatus.CONFIRMED
        ok = web.post(f"/finance/settlement/statements/{st.id}/paid",
                      {"payout_reference": "HK-1", "payout_date": "2026-11-10"})
        assert ok.status_code == 302


def test_the_period_page_lists_its_lines_by_date(web, session, books):
    books.order(2120, paid="2026-10-20")
    books.order(1060, paid="2026-10-05")  # taken in after the line of the 20th
    _finance(web, books)
    web.post("/finance/settlement/close", {"period": "2026-10"})
    page = web.get("/finance/settlement/2026-10").get_data(as_text=True)
    assert page.index("2026-10-05") < page.index("2026-10-20")
