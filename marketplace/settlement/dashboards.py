"""Who earned what: read-only queries over billed lines, statements and usage bills for the money pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from marketplace.models import Organization, Product
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.settlement import BilledLine, SettlementPeriod, Statement
from marketplace.models.supply import Mandate, MandateProduct

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class PeriodTotals:
    """Sums over one period's billed lines (refunds and adjustments included, with their sign)."""

    period: str
    lines: int = 0
    gross_fen: int = 0
    vat_fen: int = 0
    net_fen: int = 0
    platform_fen: int = 0
    broker_fen: int = 0
    authority_fen: int = 0
    operator_fen: int = 0


@dataclass(frozen=True)
class Payout:
    """One party's statement of a period."""

    statement_id: int
    number: str
    party_kind: str
    party_name: str
    party_uscc: str
    status: str
    total_fen: int


@dataclass(frozen=True)
class UnpaidBills:
    """Usage bills issued and not yet paid (all periods), and how many are past their due date."""

    count: int
    amount_fen: int
    overdue_count: int
    overdue_fen: int


@dataclass(frozen=True)
class FinanceDashboard:
    period: str
    totals: PeriodTotals
    payouts: list[Payout]
    unpaid: UnpaidBills
    months: list[PeriodTotals]


def _sums():
    b = BilledLine
    return (
        func.count(b.id),
        func.coalesce(func.sum(b.gross_fen), 0),
        func.coalesce(func.sum(b.vat_fen), 0),
        func.coalesce(func.sum(b.net_fen), 0),
        func.coalesce(func.sum(b.platform_fen), 0),
        func.coalesce(func.sum(b.broker_fen), 0),
        func.coalesce(func.sum(b.authority_fen), 0),
        func.coalesce(func.sum(b.operator_fen), 0),
    )


def _totals(period: str, row) -> PeriodTotals:
    return PeriodTotals(period, *(int(v or 0) for v in row))


def periods(session: Session) -> list[str]:
    """Every settlement period known, newest first."""
    return list(session.execute(select(SettlementPeriod.period).order_by(SettlementPeriod.period.desc())).scalars())


def monthly_totals(session: Session, *, months: int = MONTHS_SHOWN, **where) -> list[PeriodTotals]:
    """Per period (oldest first, the last `months`), the sums of billed lines matching `where` (column=value)."""
    query = (
        select(SettlementPeriod.period, *_sums())
        .join(BilledLine, BilledLine.period_id == SettlementPeriod.id)
        .where(*(getattr(BilledLine, k) == v for k, v in where.items()))
        .group_by(SettlementPeriod.period)
        .order_by(SettlementPeriod.period.desc())
        .limit(months)
    )
    return [_totals(row[0], row[1:]) for row in reversed(session.execute(query).all())]


def period_totals(session: Session, *, period: str) -> PeriodTotals:
    """The sums over one period's billed lines; zeros when the period has none."""
    query = (
        select(*_sums())
        .join(SettlementPeriod, BilledLine.period_id == SettlementPeriod.id)
        .where(SettlementPeriod.period == period)
    )
    return _totals(period, session.execute(query).one())


def payouts(session: Session, *, period: str) -> list[Payout]:
    """The period's statements with their party and total, by party kind then number."""
    query = (
        select(Statement, Organization)
        .join(Organization, Organization.id == Statement.party_org_id)
        .join(SettlementPeriod, SettlementPeriod.id == Statement.period_id)
        .where(SettlementPeriod.period == period)
        .order_by(Statement.party_kind, Statement.number)
    )
    return [
        Payout(s.id, s.number, str(s.party_kind), o.name, o.uscc, str(s.status), s.total_fen)
        for s, o in session.execute(query).all()
    ]


def party_statements(session: Session, *, org_id: int, year: str = "") -> list[tuple[Statement, str]]:
    """One organization's statements with their period, newest period first; of one year when `year` is given."""
    query = (
        select(Statement, SettlementPeriod.period)
        .join(SettlementPeriod, SettlementPeriod.id == Statement.period_id)
        .where(Statement.party_org_id == org_id)
        .order_by(SettlementPeriod.period.desc(), Statement.number)
    )
    if year:
        query = query.where(SettlementPeriod.period.like(f"{year}-%"))
    return [(s, p) for s, p in session.execute(query).all()]


def unpaid_bills(session: Session, *, today: date) -> UnpaidBills:
    """Issued, unpaid usage bills: count and amount, and those past their due date."""
    issued = UsageBill.status == BillStatus.ISSUED
    overdue = and_(issued, UsageBill.due_date < today)
    row = session.execute(
        select(
            func.count(UsageBill.id),
            func.coalesce(func.sum(UsageBill.amount_fen), 0),
            func.count(UsageBill.id).filter(overdue),
            func.coalesce(func.sum(UsageBill.amount_fen).filter(overdue), 0),
        ).where(issued)
    ).one()
    return UnpaidBills(*(int(v or 0) for v in row))


def finance_dashboard(session: Session, *, period: str, today: date) -> FinanceDashboard:
    """Everything the finance page shows for one period."""
    return FinanceDashboard(
        period=period,
        totals=period_totals(session, period=period),
        payouts=payouts(session, period=period),
        unpaid=unpaid_bills(session, today=today),
        months=monthly_totals(session),
    )


@dataclass(frozen=True)
class RevenueRow:
    """One month and one group (product, mandate or operator) of billed lines."""

    period: str
    label: str
    lines: int
    gross_fen: int
    vat_fen: int  # output VAT inside the gross: gross − VAT − fees = the operator's share
    fees_fen: int  # platform fee + broker commission + authority share
    share_fen: int  # what this party earned: operator remainder, broker commission or authority share


@dataclass(frozen=True)
class PartyYear:
    """A party's revenue rows of one year (or of every year), with the totals and the months its chart shows."""

    year: str  # "2026", or "" for every year
    years: list[str]  # the years with settled revenue, newest first
    rows: list[RevenueRow]
    months: list[str]  # the chart's: the year's months with revenue, or the last MONTHS_SHOWN of every year
    share_fen: int
    gross_fen: int
    vat_fen: int


def party_year(rows: list[RevenueRow], *, year: str | None) -> PartyYear:
    """Rows of `year` ("all": every year; None: the newest year with revenue, or every year when there is none)."""
    years = sorted({r.period[:4] for r in rows}, reverse=True)
    if year is None:
        year = years[0] if years else "all"
    shown = rows if year == "all" else [r for r in rows if r.period.startswith(f"{year}-")]
    months = sorted({r.period for r in shown})
    if year == "all":
        months = months[-MONTHS_SHOWN:]
    return PartyYear(
        year="" if year == "all" else year,
        years=years,
        rows=shown,
        months=months,
        share_fen=sum(r.share_fen for r in shown),
        gross_fen=sum(r.gross_fen for r in shown),
        vat_fen=sum(r.vat_fen for r in shown),
    )


def _grouped(session: Session, labels: tuple, share, where, *, joins=(), fmt=str) -> list[RevenueRow]:
    """Sum billed lines per period and label columns; `fmt` turns the label values into the shown label."""
    b = BilledLine
    query = select(
        SettlementPeriod.period,
        func.count(b.id),
        func.sum(b.gross_fen),
        func.sum(b.vat_fen),
        func.sum(b.platform_fen + b.broker_fen + b.authority_fen),
        func.sum(share),
        *labels,
    )
    query = query.join(SettlementPeriod, SettlementPeriod.id == b.period_id)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(*where).group_by(SettlementPeriod.period, *labels)
    rows = [
        RevenueRow(p, fmt(*lbl), int(n), int(g or 0), int(v or 0), int(f or 0), int(s or 0))
        for p, n, g, v, f, s, *lbl in session.execute(query).all()
    ]
    return sorted(rows, key=lambda r: (-int(r.period.replace("-", "")), r.label))


def operator_revenue(session: Session, *, operator_id: int) -> list[RevenueRow]:
    """An operator's revenue by month and product, net of VAT, the platform fee, commission and authority share."""
    return _grouped(
        session,
        (Product.title,),
        BilledLine.operator_fen,
        (BilledLine.operator_id == operator_id,),
        joins=((Product, Product.id == BilledLine.product_id),),
    )


def covering_mandate():
    """SQL: the id of the broker's mandate that covered a billed line's product on the day of the sale.

    A refund or adjustment counts under the mandate of the line it adjusts (the day of the original sale).
    """
    original = aliased(BilledLine)
    sale_day = func.coalesce(
        select(original.occurred_on)
        .where(original.id == BilledLine.adjusts_line_id)
        .correlate(BilledLine)
        .scalar_subquery(),
        BilledLine.occurred_on,
    )
    return (
        select(Mandate.id)
        .join(MandateProduct, MandateProduct.mandate_id == Mandate.id)
        .where(
            MandateProduct.product_id == BilledLine.product_id,
            Mandate.broker_id == BilledLine.broker_id,
            Mandate.operator_id == BilledLine.operator_id,
            Mandate.start_date <= sale_day,
            Mandate.end_date >= sale_day,
        )
        .order_by(Mandate.id.desc())
        .limit(1)
        .correlate(BilledLine)
        .scalar_subquery()
    )


def broker_commissions(session: Session, *, broker_id: int) -> list[RevenueRow]:
    """A broker's commissions by month and mandate, at the commission rate of the sale."""
    operator = aliased(Organization)
    return _grouped(
        session,
        (covering_mandate().label("mandate_id"), operator.name, BilledLine.commission_bps),
        BilledLine.broker_fen,
        (BilledLine.broker_id == broker_id,),
        fmt=_mandate_label,
        joins=((operator, operator.id == BilledLine.operator_id),),
    )


def _mandate_label(mandate_id: int | None, operator_name: str, commission_bps: int) -> str:
    number = f"#{mandate_id}" if mandate_id is not None else "—"
    return f"委托 {number} · {operator_name} · {commission_bps / 100:g}%"


def authority_revenue(session: Session, *, authority_id: int) -> list[RevenueRow]:
    """An authority's share by month and operator, with each operator's gross revenue."""
    operator = aliased(Organization)
    return _grouped(
        session,
        (operator.name,),
        BilledLine.authority_fen,
        (BilledLine.authority_id == authority_id,),
        joins=((operator, operator.id == BilledLine.operator_id),),
    )
