"""Statements (结算单): one per party and period, its lines with that party's share, canonical content and hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace.models import Order, OrderLine, Organization, Product
from marketplace.models.billing import UsageBill
from marketplace.models.settlement import (
    BilledLine,
    LineSource,
    PartyKind,
    SettlementPeriod,
    Statement,
    StatementLine,
    StatementStatus,
)
from marketplace.settlement.ledger import insert_rows

CODES = {PartyKind.OPERATOR: "OP", PartyKind.BROKER: "BR", PartyKind.AUTHORITY: "AU", PartyKind.EXCHANGE: "EX"}
KIND_ORDER = [PartyKind.OPERATOR, PartyKind.BROKER, PartyKind.AUTHORITY, PartyKind.EXCHANGE]


def share_of(line: BilledLine, kind: PartyKind) -> int:
    """A party's share of a billed line; the operator's includes the VAT it invoices and pays."""
    return {
        PartyKind.OPERATOR: line.operator_fen + line.vat_fen,
        PartyKind.BROKER: line.broker_fen,
        PartyKind.AUTHORITY: line.authority_fen,
        PartyKind.EXCHANGE: line.platform_fen,
    }[kind]


def parties_of(line: BilledLine, *, exchange_id: int) -> list[tuple[PartyKind, int]]:
    """The parties that share in a line, each with its organization."""
    parties = [(PartyKind.OPERATOR, line.operator_id)]
    if line.broker_id:
        parties.append((PartyKind.BROKER, line.broker_id))
    return [*parties, (PartyKind.AUTHORITY, line.authority_id), (PartyKind.EXCHANGE, exchange_id)]


@dataclass
class _Names:
    """Look-ups the line details need, cached for one build."""

    session: Session

    def __post_init__(self):
        self.orgs: dict[int, Organization] = {}
        self.titles: dict[int, str] = {}
        self.refs: dict[int, str] = {}

    def prefetch(self, lines: list[BilledLine], exchange_id: int) -> None:
        """Load every name the lines need in a few queries instead of one per line."""
        org_ids = {exchange_id} | {
            i for ln in lines for i in (ln.buyer_org_id, ln.operator_id, ln.broker_id, ln.authority_id) if i
        }
        self.orgs.update(
            (o.id, o) for o in self.session.execute(select(Organization).where(Organization.id.in_(org_ids))).scalars()
        )
        self.titles.update(
            self.session.execute(
                select(Product.id, Product.title).where(Product.id.in_({ln.product_id for ln in lines}))
            ).all()
        )
        bills = dict(
            self.session.execute(
                select(UsageBill.id, UsageBill.number).where(
                    UsageBill.id.in_({ln.usage_bill_id for ln in lines if ln.usage_bill_id})
                )
            ).all()
        )
        orders = dict(
            self.session.execute(
                select(OrderLine.id, Order.number)
                .join(Order, Order.id == OrderLine.order_id)
                .where(OrderLine.id.in_({ln.order_line_id for ln in lines if ln.order_line_id}))
            ).all()
        )
        for ln in lines:
            ref = bills.get(ln.usage_bill_id) if ln.usage_bill_id else orders.get(ln.order_line_id)
            if ref is not None:
                self.refs[ln.id] = ref

    def org(self, org_id: int) -> Organization:
        if org_id not in self.orgs:
            self.orgs[org_id] = self.session.get(Organization, org_id)
        return self.orgs[org_id]

    def title(self, product_id: int) -> str:
        if product_id not in self.titles:
            self.titles[product_id] = self.session.get(Product, product_id).title
        return self.titles[product_id]

    def reference(self, line: BilledLine) -> str:
        """The order number or bill number the line came from."""
        if line.id not in self.refs:
            if line.usage_bill_id:
                ref = self.session.get(UsageBill, line.usage_bill_id).number
            else:
                ref = self.session.execute(
                    select(Order.number)
                    .join(OrderLine, OrderLine.order_id == Order.id)
                    .where(OrderLine.id == line.order_line_id)
                ).scalar_one()
            self.refs[line.id] = ref
        return self.refs[line.id]


def _kind(line: BilledLine) -> str:
    if line.source == LineSource.REFUND:
        return "refund"
    if line.is_adjustment:
        return "adjustment"
    return "usage" if line.source == LineSource.USAGE_BILL else "order"


def line_detail(names: _Names, line: BilledLine, kind: PartyKind, lines_by_id: dict[int, BilledLine]) -> dict:
    """The agreed detail object of a statement line (what exports print)."""
    buyer = names.org(line.buyer_org_id)
    adjusted = lines_by_id.get(line.adjusts_line_id) if line.adjusts_line_id else None
    if line.adjusts_line_id and adjusted is None:
        adjusted = names.session.get(BilledLine, line.adjusts_line_id)
    return {
        "date": line.occurred_on.isoformat(),
        "kind": _kind(line),
        "reference": names.reference(line),
        "product": names.title(line.product_id),
        "buyer": buyer.name,
        "buyer_uscc": buyer.uscc,
        "gross_fen": line.gross_fen,
        "vat_fen": line.vat_fen,
        "net_fen": line.net_fen,
        "share_fen": share_of(line, kind),
        "adjusts": names.reference(adjusted) if adjusted else "",
    }


def statement_content(session: Session, statement: Statement, *, details: list[dict] | None = None) -> dict:
    """The canonical content of a statement: what its hash covers and every export shows.

    details: the line details in billed-line order when the caller holds them all (a statement just made).
    """
    period = session.get(SettlementPeriod, statement.period_id)
    party = session.get(Organization, statement.party_org_id)
    if details is None:
        rows = (
            session.execute(
                select(StatementLine.detail)
                .where(StatementLine.statement_id == statement.id)
                .order_by(StatementLine.billed_line_id)
            )
            .scalars()
            .all()
        )
        details = [json.loads(detail) for detail in rows]
    return {
        "number": statement.number,
        "period": period.period,
        "party_kind": statement.party_kind.value,
        "party_name": party.name,
        "party_uscc": party.uscc,
        "lines": details,
        "line_count": statement.line_count,
        "gross_fen": statement.gross_fen,
        "vat_fen": statement.vat_fen,
        "net_fen": statement.net_fen,
        "total_fen": statement.total_fen,
    }


def content_hash(content: dict) -> str:
    """SHA-256 hex of the canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _statement(session: Session, found: dict, *, period: SettlementPeriod, kind: PartyKind, org: Organization):
    key = (kind, org.id)
    if key not in found:
        statement = Statement(
            number=f"JS{period.period.replace('-', '')}-{CODES[kind]}-{org.uscc}",
            period_id=period.id,
            party_kind=kind,
            party_org_id=org.id,
        )
        session.add(statement)
        session.flush()
        found[key] = statement
    return found[key]


def build_statements(session: Session, *, period: SettlementPeriod, exchange_id: int) -> list[Statement]:
    """Make or complete the draft statements of a period from its billed lines; totals and hash recomputed."""
    names = _Names(session)
    found = {(s.party_kind, s.party_org_id): s for s in period_statements(session, period_id=period.id)}
    table = BilledLine.__table__  # plain rows (attribute access by column name): no ORM objects to build
    lines = session.execute(select(*table.c).where(table.c.period_id == period.id).order_by(table.c.id)).all()
    by_id = {line.id: line for line in lines}
    names.prefetch(lines, exchange_id)
    have = set(
        session.execute(
            select(StatementLine.statement_id, StatementLine.billed_line_id)
            .join(Statement, Statement.id == StatementLine.statement_id)
            .where(Statement.period_id == period.id)
        )
    )
    had_lines = {statement_id for statement_id, _ in have}
    touched: dict[int, list[tuple[int, int, dict]]] = {}  # statement → its new (line id, share, detail)
    rows = []
    for line in lines:
        base = None
        for kind, org_id in parties_of(line, exchange_id=exchange_id):
            statement = _statement(session, found, period=period, kind=kind, org=names.org(org_id))
            if (statement.id, line.id) not in have:
                base = base or line_detail(names, line, kind, by_id)
                detail = {**base, "share_fen": share_of(line, kind)}
                rows.append(
                    {
                        "statement_id": statement.id,
                        "billed_line_id": line.id,
                        "share_fen": detail["share_fen"],
                        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                    }
                )
                touched.setdefault(statement.id, []).append((line.id, detail["share_fen"], detail))
    insert_rows(session, StatementLine.__table__, rows)
    for statement in found.values():
        if statement.id in touched:
            new = None if statement.id in had_lines else sorted(touched[statement.id], key=lambda t: t[0])
            _total(session, statement, by_id, new)
    return period_statements(session, period_id=period.id)


def _total(session: Session, statement: Statement, by_id: dict[int, BilledLine], new: list | None) -> None:
    """Totals and content hash of a statement; new: all its lines, when it had none before (nothing to read)."""
    if new is None:
        rows = session.execute(
            select(StatementLine.billed_line_id, StatementLine.share_fen)
            .where(StatementLine.statement_id == statement.id)
        ).all()
    else:
        rows = [(line_id, share) for line_id, share, _ in new]
    lines = [by_id[line_id] for line_id, _ in rows]
    statement.line_count = len(rows)
    statement.gross_fen = sum(line.gross_fen for line in lines)
    statement.vat_fen = sum(line.vat_fen for line in lines)
    statement.net_fen = sum(line.net_fen for line in lines)
    statement.total_fen = sum(share for _, share in rows)
    session.flush()
    details = None if new is None else [detail for _, _, detail in new]
    statement.content_hash = content_hash(statement_content(session, statement, details=details))


def period_statements(session: Session, *, period_id: int) -> list[Statement]:
    """A period's statements: operators, brokers, authorities, then the exchange; by number within a kind."""
    rows = session.execute(select(Statement).where(Statement.period_id == period_id)).scalars().all()
    return sorted(rows, key=lambda s: (KIND_ORDER.index(s.party_kind), s.number))


def statement_lines(session: Session, *, statement_id: int) -> list[tuple[StatementLine, BilledLine]]:
    """A statement's lines with their billed lines, in line order."""
    return session.execute(
        select(StatementLine, BilledLine)
        .join(BilledLine, BilledLine.id == StatementLine.billed_line_id)
        .where(StatementLine.statement_id == statement_id)
        .order_by(BilledLine.id)
    ).all()


__all__ = [
    "StatementStatus",
    "build_statements",
    "content_hash",
    "period_statements",
    "statement_content",
    "statement_lines",
]
