"""The ledger check behind `flask verify-ledger`: names the first difference it finds, or reports all is well."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import OrderLine
from marketplace.models.billing import UsageBill
from marketplace.models.settlement import (
    Account,
    BilledLine,
    LedgerPosting,
    LedgerTransaction,
    LineSource,
    PartyKind,
    Statement,
    StatementLine,
)
from marketplace.settlement.statements import content_hash, statement_content

_PARTS = ("gross_fen", "vat_fen", "net_fen", "platform_fen", "broker_fen", "authority_fen", "operator_fen")


@dataclass(frozen=True)
class LedgerReport:
    ok: bool
    problem: str = ""
    transactions: int = 0
    statements: int = 0
    lines: int = 0


def _unbalanced(session: Session) -> str | None:
    query = (
        select(LedgerTransaction.id, LedgerTransaction.key, func.sum(LedgerPosting.amount_fen))
        .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.key)
        .having(func.sum(LedgerPosting.amount_fen) != 0)
        .order_by(LedgerTransaction.id)
        .limit(1)
    )
    row = session.execute(query).first()
    return f"transaction #{row[0]} ({row[1]}) does not balance: postings sum to {row[2]} fen" if row else None


def _line_problem(line: BilledLine, source_gross: int | None, source_vat: int | None) -> str | None:
    name = f"billed line #{line.id} ({line.source_key})"
    if line.vat_fen + line.net_fen != line.gross_fen:
        return f"{name}: vat {line.vat_fen} + net {line.net_fen} != gross {line.gross_fen}"
    parts = line.platform_fen + line.broker_fen + line.authority_fen + line.operator_fen
    if parts != line.net_fen:
        return f"{name}: shares sum to {parts}, net is {line.net_fen}"
    if source_gross is None:
        return f"{name}: its source is missing"
    if (line.gross_fen, line.vat_fen) != (source_gross, source_vat):
        return f"{name}: gross/vat {line.gross_fen}/{line.vat_fen} != source {source_gross}/{source_vat}"
    return None


def _lines(session: Session) -> tuple[str | None, int]:
    lines = session.execute(select(BilledLine).order_by(BilledLine.id)).scalars().all()
    orders = dict(
        session.execute(select(OrderLine.id, OrderLine).where(OrderLine.id.in_(select(BilledLine.order_line_id)))).all()
    )
    bills = dict(
        session.execute(select(UsageBill.id, UsageBill).where(UsageBill.id.in_(select(BilledLine.usage_bill_id)))).all()
    )
    by_id = {line.id: line for line in lines}
    for line in lines:
        if line.source == LineSource.REFUND:
            original = by_id.get(line.adjusts_line_id)
            if original is None or any(getattr(line, p) != -getattr(original, p) for p in _PARTS):
                return f"billed line #{line.id} ({line.source_key}) is not the exact reverse of its line", len(lines)
            gross, vat = -original.gross_fen, -original.vat_fen
        elif line.source == LineSource.ORDER_LINE:
            source = orders.get(line.order_line_id)
            gross, vat = (source.amount_fen, source.vat_fen) if source else (None, None)
        else:
            source = bills.get(line.usage_bill_id)
            gross, vat = (source.amount_fen, source.vat_fen) if source else (None, None)
        problem = _line_problem(line, gross, vat)
        if problem:
            return problem, len(lines)
    return None, len(lines)


def _posted_shares(session: Session) -> dict[tuple[int, Account, int | None], int]:
    """What each billed line's accrual credited to each (account, org), as a positive share."""
    query = (
        select(
            LedgerTransaction.billed_line_id,
            LedgerPosting.account,
            LedgerPosting.org_id,
            func.sum(LedgerPosting.amount_fen),
        )
        .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.key.like("billed_line:%"))
        .group_by(LedgerTransaction.billed_line_id, LedgerPosting.account, LedgerPosting.org_id)
    )
    return {(line_id, Account(account), org): -amount for line_id, account, org, amount in session.execute(query)}


def _posted(posted: dict, line_id: int, kind: PartyKind, org: int) -> int:
    if kind == PartyKind.OPERATOR:
        return posted.get((line_id, Account.PAYABLE, org), 0) + posted.get((line_id, Account.VAT_PAYABLE, org), 0)
    if kind == PartyKind.EXCHANGE:
        return posted.get((line_id, Account.PLATFORM_REVENUE, org), 0)
    return posted.get((line_id, Account.PAYABLE, org), 0)


def _statements(session: Session) -> tuple[str | None, int]:
    posted = _posted_shares(session)
    statements = session.execute(select(Statement).order_by(Statement.id)).scalars().all()
    rows = defaultdict(list)
    for line in session.execute(select(StatementLine).order_by(StatementLine.id)).scalars():
        rows[line.statement_id].append(line)
    for st in statements:
        for line in rows[st.id]:
            ledger_share = _posted(posted, line.billed_line_id, st.party_kind, st.party_org_id)
            if line.share_fen != ledger_share:
                return (
                    f"statement {st.number}: line for billed line #{line.billed_line_id} shows {line.share_fen} "
                    f"fen, the ledger holds {ledger_share} fen"
                ), len(statements)
        total = sum(line.share_fen for line in rows[st.id])
        if st.total_fen != total or st.line_count != len(rows[st.id]):
            return f"statement {st.number}: total {st.total_fen} fen != its lines' {total} fen", len(statements)
        if st.content_hash != content_hash(statement_content(session, st)):
            return f"statement {st.number}: content hash does not match its content", len(statements)
    return None, len(statements)


def verify_ledger(session: Session) -> LedgerReport:
    """Every transaction balances, every statement equals its postings, every billed line equals its source."""
    count = session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
    problem = _unbalanced(session)
    if problem:
        return LedgerReport(False, problem, count)
    problem, lines = _lines(session)
    if problem:
        return LedgerReport(False, problem, count, 0, lines)
    problem, statements = _statements(session)
    return LedgerReport(problem is None, problem or "", count, statements, lines)
