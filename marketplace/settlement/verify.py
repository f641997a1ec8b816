"""The ledger check behind `flask verify-ledger`: names the first difference it finds, or reports all is well."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from marketplace.models import ApiKey, Entitlement, OrderLine, PricePlan, UsageEvent
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


def _usage_problem(session: Session) -> str | None:
    """The first usage event naming a key, entitlement or plan that is missing or not its own (it has no FKs)."""
    ent, key, plan = aliased(Entitlement), aliased(ApiKey), aliased(PricePlan)
    event = UsageEvent
    query = (
        select(event.id, event.request_id, event.api_key_id, event.entitlement_id, event.product_id,
               event.buyer_org_id, event.plan_id, ent.id, ent.product_id, ent.buyer_org_id, key.id,
               key.entitlement_id, plan.id, plan.product_id)
        .outerjoin(ent, ent.id == event.entitlement_id)
        .outerjoin(key, key.id == event.api_key_id)
        .outerjoin(plan, plan.id == event.plan_id)
        .where(or_(ent.id.is_(None), key.id.is_(None), plan.id.is_(None), ent.product_id != event.product_id,
                   ent.buyer_org_id != event.buyer_org_id, key.entitlement_id != event.entitlement_id,
                   plan.product_id != event.product_id))
        .order_by(event.id)
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    (event_id, request_id, key_id, ent_id, product_id, buyer_id, plan_id,
     found_ent, ent_product, ent_buyer, found_key, key_ent, found_plan, plan_product) = row
    name = f"usage event #{event_id} ({request_id})"
    if found_ent is None:
        return f"{name}: its entitlement #{ent_id} does not exist"
    if (ent_product, ent_buyer) != (product_id, buyer_id):
        return (f"{name}: entitlement #{ent_id} is product #{ent_product} for buyer #{ent_buyer}, "
                f"the event says product #{product_id} for buyer #{buyer_id}")
    if found_key is None:
        return f"{name}: its API key #{key_id} does not exist"
    if key_ent != ent_id:
        return f"{name}: API key #{key_id} belongs to entitlement #{key_ent}, not #{ent_id}"
    if found_plan is None:
        return f"{name}: its price plan #{plan_id} does not exist"
    return f"{name}: price plan #{plan_id} is a plan of product #{plan_product}, not #{product_id}"


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
    """Every transaction balances, every usage event names its own key, entitlement and plan, every billed line
    equals its source, every statement equals its postings."""
    count = session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
    problem = _unbalanced(session) or _usage_problem(session)
    if problem:
        return LedgerReport(False, problem, count)
    problem, lines = _lines(session)
    if problem:
        return LedgerReport(False, problem, count, 0, lines)
    problem, statements = _statements(session)
    return LedgerReport(problem is None, problem or "", count, statements, lines)
