"""Read-only queries of the finance pages: periods with totals, a period's lines and statements, one statement."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import Organization, Product
from marketplace.models.settlement import BilledLine, SettlementPeriod, Statement
from marketplace.settlement.statements import period_statements, statement_lines


@dataclass(frozen=True)
class PeriodRow:
    period: SettlementPeriod
    lines: int
    gross_fen: int
    vat_fen: int
    platform_fen: int
    statements: int


def period_rows(session: Session) -> list[PeriodRow]:
    """Every period, newest first, with its billed-line totals."""
    totals = (
        select(
            BilledLine.period_id,
            func.count().label("n"),
            func.sum(BilledLine.gross_fen).label("g"),
            func.sum(BilledLine.vat_fen).label("v"),
            func.sum(BilledLine.platform_fen).label("p"),
        )
        .group_by(BilledLine.period_id)
        .subquery()
    )
    counts = select(Statement.period_id, func.count().label("s")).group_by(Statement.period_id).subquery()
    query = (
        select(SettlementPeriod, totals.c.n, totals.c.g, totals.c.v, totals.c.p, counts.c.s)
        .outerjoin(totals, totals.c.period_id == SettlementPeriod.id)
        .outerjoin(counts, counts.c.period_id == SettlementPeriod.id)
        .order_by(SettlementPeriod.period.desc())
    )
    return [PeriodRow(p, n or 0, g or 0, v or 0, f or 0, s or 0) for p, n, g, v, f, s in session.execute(query)]


@dataclass(frozen=True)
class LineRow:
    line: BilledLine
    product: str
    buyer: str
    broker: str


def period_lines(session: Session, *, period_id: int) -> list[LineRow]:
    """A period's billed lines with product, buyer and broker names, by date (then as taken in)."""
    buyer, broker = Organization.__table__.alias("buyer"), Organization.__table__.alias("broker")
    query = (
        select(BilledLine, Product.title, buyer.c.name, broker.c.name)
        .join(Product, Product.id == BilledLine.product_id)
        .join(buyer, buyer.c.id == BilledLine.buyer_org_id)
        .outerjoin(broker, broker.c.id == BilledLine.broker_id)
        .where(BilledLine.period_id == period_id)
        .order_by(BilledLine.occurred_on, BilledLine.id)
    )
    return [LineRow(line, title, b, br or "") for line, title, b, br in session.execute(query)]


def statements_with_parties(session: Session, *, period_id: int) -> list[tuple[Statement, Organization]]:
    """A period's statements with the party's organization."""
    return [(st, session.get(Organization, st.party_org_id)) for st in period_statements(session, period_id=period_id)]


def statement_rows(session: Session, *, statement_id: int) -> list[tuple]:
    """A statement's lines as (statement line, billed line, detail dict)."""
    return [(sl, line, json.loads(sl.detail)) for sl, line in statement_lines(session, statement_id=statement_id)]


__all__ = ["period_lines", "period_rows", "statement_rows", "statements_with_parties"]
