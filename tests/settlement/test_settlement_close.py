"""Closing a period: billed lines and their split, ledger, statements, idempotence, confirmation, adjustments."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import AuditRecord
from marketplace.models.settlement import (
    BilledLine,
    LedgerPosting,
    LedgerTransaction,
    LineSource,
    PartyKind,
    PeriodStatus,
    SettlementPeriod,
    Statement,
    StatementLine,
    StatementStatus,
)
from marketplace.settlement.close import close_period, confirm_period, mark_statement_paid
from marketplace.settlement.periods import SettlementError
from marketplace.settlement.statements import content_hash, statement_content
from marketplace.settlement.verify import verify_ledger
from tests.settlement.conftest import ACTOR


def _close(app, period):
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        statements = close_period(s, period=period, actor=ACTOR)
        s.commit()
        return {(st.party_kind, st.party_org_id): st for st in statements}


def _count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_close_splits_order_and_bill_and_makes_one_statement_per_party(app, session, books):
    books.order(10600, paid="2026-10-05", broker=True, commission_bps=1000)  # net 10000, vat 600
    books.bill(2120, period="2026-10", issued="2026-11-01")  # net 2000, vat 120
    books.order(5300, paid="2026-11-02")  # next month: not taken in
    got = _close(app, "2026-10")
    op = got[(PartyKind.OPERATOR, books.operator.id)]
    # order: platform 500, broker 1000, authority 1000, operator 7500; bill: platform 100, authority 200, op 1700
    assert (op.line_count, op.gross_fen, op.vat_fen, op.net_fen, op.total_fen) == (2, 12720, 720, 12000, 9920)
    assert got[(PartyKind.BROKER, books.broker.id)].total_fen == 1000
    assert got[(PartyKind.AUTHORITY, books.authority.id)].total_fen == 1200
    assert got[(PartyKind.EXCHANGE, books.exchange.id)].total_fen == 600
    assert op.number == f"JS202610-OP-{books.operator.uscc}"
    assert len(got) == 4 and all(st.status == StatementStatus.DRAFT for st in got.values())
    assert op.content_hash == content_hash(statement_content(session, op))
    detail = json.loads(
        session.execute(
            select(StatementLine.detail).where(StatementLine.statement_id == op.id).order_by(StatementLine.id)
        )
        .scalars()
        .first()
    )
    assert detail == {
        "date": "2026-10-05",
        "kind": "order",
        "reference": detail["reference"],
        "product": books.product.title,
        "buyer": books.buyer.name,
        "buyer_uscc": books.buyer.uscc,
        "gross_fen": 10600,
        "vat_fen": 600,
        "net_fen": 10000,
        "share_fen": 8100,
        "adjusts": "",
    }
    assert verify_ledger(session).ok


def test_close_twice_changes_nothing(app, session, books):
    books.order(999, paid="2026-10-31")
    books.bill(777, period="2026-10", issued="2026-11-01", paid=True)
    first = _close(app, "2026-10")
    counts = [_count(session, m) for m in (BilledLine, LedgerTransaction, LedgerPosting, StatementLine, AuditRecord)]
    second = _close(app, "2026-10")
    assert [
        _count(session, m) for m in (BilledLine, LedgerTransaction, LedgerPosting, StatementLine, AuditRecord)
    ] == counts
    assert {k: (s.total_fen, s.content_hash) for k, s in first.items()} == {
        k: (s.total_fen, s.content_hash) for k, s in second.items()
    }


def test_paid_at_uses_the_shanghai_month(app, session, books):
    order = books.order(1000, paid="2026-10-31")
    order.paid_at = order.paid_at.replace(hour=17)  # 01:00 on 1 November in Shanghai
    session.commit()
    assert _close(app, "2026-10") == {}
    assert len(_close(app, "2026-11")) == 3


def test_late_bill_after_confirmation_goes_to_next_period_as_adjustment(app, session, books):
    first = books.bill(1060, period="2026-10", issued="2026-11-01")
    _close(app, "2026-10")
    with Session(app.extensions["engine"]) as s:
        confirm_period(s, period="2026-10", actor=ACTOR)
        s.commit()
    late = books.bill(530, period="2026-10", issued="2026-11-20", adjusts=first)
    assert _close(app, "2026-10")[(PartyKind.OPERATOR, books.operator.id)].total_fen == 1060 - 50 - 100
    _close(app, "2026-11")
    line = session.execute(select(BilledLine).where(BilledLine.usage_bill_id == late.id)).scalar_one()
    original = session.execute(select(BilledLine).where(BilledLine.usage_bill_id == first.id)).scalar_one()
    nov = session.execute(select(SettlementPeriod).where(SettlementPeriod.period == "2026-11")).scalar_one()
    assert (line.period_id, line.is_adjustment, line.adjusts_line_id) == (nov.id, True, original.id)
    detail = json.loads(
        session.execute(select(StatementLine.detail).where(StatementLine.billed_line_id == line.id)).scalars().first()
    )
    assert (detail["kind"], detail["adjusts"]) == ("adjustment", first.number)
    assert verify_ledger(session).ok


def test_refund_reverses_the_split_in_the_period_of_the_refund(app, session, books):
    order = books.order(10601, paid="2026-10-05", broker=True, commission_bps=333)
    _close(app, "2026-10")
    books.refund(order, on="2026-11-03")
    got = _close(app, "2026-11")
    lines = session.execute(select(BilledLine).order_by(BilledLine.id)).scalars().all()
    original, refund = lines
    assert refund.source == LineSource.REFUND and refund.adjusts_line_id == original.id
    parts = ("gross_fen", "vat_fen", "net_fen", "platform_fen", "broker_fen", "authority_fen", "operator_fen")
    assert [getattr(refund, p) for p in parts] == [-getattr(original, p) for p in parts]
    assert got[(PartyKind.BROKER, books.broker.id)].total_fen == -original.broker_fen
    assert verify_ledger(session).ok


def test_confirm_then_pay_posts_the_payout(app, session, books):
    books.order(10600, paid="2026-10-05")
    _close(app, "2026-10")
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        with pytest.raises(SettlementError):
            mark_statement_paid(s, statement_id=1, payout_reference=" ", payout_date=date(2026, 11, 5), actor=ACTOR)
        s.rollback()
        confirm_period(s, period="2026-10", actor=ACTOR)
        op = s.execute(select(Statement).where(Statement.party_kind == PartyKind.OPERATOR)).scalar_one()
        paid = mark_statement_paid(
            s, statement_id=op.id, payout_reference="BANK-OUT-1", payout_date=date(2026, 11, 5), actor=ACTOR
        )
        again = mark_statement_paid(
            s, statement_id=op.id, payout_reference="BANK-OUT-1", payout_date=date(2026, 11, 5), actor=ACTOR
        )
        s.commit()
    assert paid.status == again.status == StatementStatus.PAID and paid.payout_reference == "BANK-OUT-1"
    period = session.execute(select(SettlementPeriod)).scalar_one()
    assert period.status == PeriodStatus.CONFIRMED
    payout = session.execute(select(LedgerTransaction).where(LedgerTransaction.statement_id == op.id)).scalar_one()
    amounts = (
        session.execute(select(LedgerPosting.amount_fen).where(LedgerPosting.transaction_id == payout.id))
        .scalars()
        .all()
    )
    assert sorted(amounts) == [-9100, 600, 8500]  # no broker: operator 10000 - 500 - 1000
    actions = set(session.execute(select(AuditRecord.action)).scalars())
    assert {"settlement.close", "settlement.confirm", "settlement.statement_paid"} <= actions
    assert verify_ledger(session).ok


def test_confirming_an_open_period_is_refused(app, books):
    with Session(app.extensions["engine"]) as s:
        with pytest.raises(Exception) as info:
            confirm_period(s, period="2026-10", actor=ACTOR)
    assert "请先结算" in info.value.text


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "abc", "", "1999-12"])
def test_bad_period_is_refused(app, text):
    with Session(app.extensions["engine"]) as s, pytest.raises(SettlementError) as info:
        close_period(s, period=text, actor=ACTOR)
    assert info.value.field == "period"


def test_reclose_of_a_closed_period_takes_in_new_lines_and_completes_the_drafts(app, session, books):
    books.order(10600, paid="2026-10-05")
    before = _close(app, "2026-10")[(PartyKind.OPERATOR, books.operator.id)]
    books.bill(2120, period="2026-10", issued="2026-11-01")  # arrives before confirmation
    after = _close(app, "2026-10")[(PartyKind.OPERATOR, books.operator.id)]
    assert after.id == before.id and (before.line_count, after.line_count) == (1, 2)
    assert (before.total_fen, after.total_fen) == (9100, 9100 + 1820)  # bill: net 2000 - fee 100 - authority 200 + vat
    assert after.content_hash != before.content_hash
    assert after.content_hash == content_hash(statement_content(session, after))
    assert verify_ledger(session).ok


def test_bill_paid_after_close_is_received_by_the_next_close(app, session, books):
    bill = books.bill(2120, period="2026-10", issued="2026-11-01")
    _close(app, "2026-10")
    cash = select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.key.like("cash:%"))
    assert session.execute(cash).scalar_one() == 0
    bill.status = "paid"
    session.commit()
    _close(app, "2026-10")
    assert session.execute(cash).scalar_one() == 1
    assert verify_ledger(session).ok
