"""The reasonable-return report of one operator's year, computed live from cost entries and confirmed statements.

Actual revenue is the operator's settled revenue: the totals of its operator statements (运营单位应得, the
operator's share after the platform fee, broker commission and authority share, VAT included) of the year's
settlement periods that finance confirmed. Draft statements and months not yet closed do not count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session

from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, OrderLine, Organization, PricePlan, Product, ProductStatus
from marketplace.models.billing import UsageBill
from marketplace.models.returns import CostEntry, ReportStatus, ReturnReport
from marketplace.models.settlement import (
    BilledLine,
    LineSource,
    PartyKind,
    PeriodStatus,
    SettlementPeriod,
    Statement,
    StatementLine,
    StatementStatus,
)
from marketplace.returns.costs import cost_totals, year_entries
from marketplace.supply.caps import current_caps
from pricing import ChargeForm, PlanTerms, format_unit_price
from pricing.charge_forms import PRICE_UNITS
from pricing.plans import highest_unit_price
from pricing.reasonable_return import (
    YEAR_MONTHS,
    allowed_revenue_fen,
    cumulative_fen,
    forecast_revenue,
    return_position,
)

SETTLED = (StatementStatus.CONFIRMED, StatementStatus.PAID)


@dataclass(frozen=True)
class ProductRow:
    """One product in the report: its prices and caps (form → text), units sold and revenue in the year."""

    product_id: int
    slug: str
    title: str
    status: str
    prices: list[list[str]]  # [charge form, price text]
    caps: list[list[str]]  # [charge form, cap text]
    units: int
    revenue_fen: int
    attributed_cost_fen: int


@dataclass(frozen=True)
class ReportFigures:
    """Every figure of the report; the snapshot of a submitted report is this, as canonical JSON."""

    year: int
    operator_id: int
    operator_name: str
    operator_uscc: str
    authority_id: int
    authority_name: str
    agreement_id: int
    agreement_code: str
    rate_bps: int
    costs: dict[str, int]
    cost_fen: int
    profit_fen: int
    taxes_fen: int
    carried_in_fen: int
    allowed_fen: int
    actual_fen: int
    headroom_fen: int
    excess_fen: int
    months: list[list]  # [YYYY-MM, revenue, cumulative] for each month of the year
    months_covered: int  # months of the year whose settlement finance confirmed (the latest one's number)
    products: list[ProductRow] = field(default_factory=list)
    running: bool = False  # the year is not over: a forecast is shown
    forecast_fen: int | None = None
    run_rate_fen: int | None = None
    months_operated: int = 0  # confirmed months of the year within the agreement's term (the run rate's months)
    months_remaining: int = 0  # months of the agreement's term this year after the latest confirmed one

    @property
    def months_shown(self) -> int:
        """How many months the cumulative line covers: the confirmed ones, or up to the last with revenue."""
        with_revenue = max((n + 1 for n, m in enumerate(self.months) if m[1]), default=0)
        return max(self.months_covered, with_revenue)

    @property
    def forecast_passes(self) -> bool:
        return self.forecast_fen is not None and self.forecast_fen > self.allowed_fen

    def as_dict(self) -> dict:
        return asdict(self)

    def canonical(self) -> str:
        """The text the content hash covers: sorted keys, no spaces, Chinese as is."""
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> ReportFigures:
        products = [ProductRow(**p) for p in data.get("products", [])]
        return cls(**(data | {"products": products}))


def report_agreement(session: Session, *, operator_id: int, year: int) -> Agreement:
    """The agreement that rates the year: of those covering part of it, the one that started last."""
    found = session.execute(
        select(Agreement)
        .where(
            Agreement.operator_id == operator_id,
            Agreement.start_date <= date(year, 12, 31),
            Agreement.end_date >= date(year, 1, 1),
        )
        .order_by(Agreement.start_date.desc(), Agreement.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(N_("该年度没有授权运营协议"))
    return found


def _year_periods(year: int):
    return SettlementPeriod.period.like(f"{year}-%")


def monthly_revenue(session: Session, *, operator_id: int, year: int) -> dict[str, int]:
    """The operator's confirmed statement totals per month of the year."""
    rows = session.execute(
        select(SettlementPeriod.period, func.sum(Statement.total_fen))
        .join(Statement, Statement.period_id == SettlementPeriod.id)
        .where(
            _year_periods(year),
            Statement.party_kind == PartyKind.OPERATOR,
            Statement.party_org_id == operator_id,
            Statement.status.in_(SETTLED),
        )
        .group_by(SettlementPeriod.period)
    ).all()
    return {period: int(total or 0) for period, total in rows}


def months_covered(session: Session, *, year: int) -> int:
    """How many months of the year finance has confirmed (the latest confirmed month's number)."""
    latest = session.execute(
        select(func.max(SettlementPeriod.period)).where(
            _year_periods(year), SettlementPeriod.status == PeriodStatus.CONFIRMED
        )
    ).scalar_one()
    return int(latest[5:7]) if latest else 0


def operating_months(agreement, *, year: int, latest: int) -> tuple[int, int]:
    """(months operated up to the latest confirmed month, months of operation left) within the agreement's term.

    The year's months of operation run from the agreement's start (January when it started earlier) to its end
    (December when it ends later); `latest` is the latest confirmed month's number (0: none).
    """
    first = agreement.start_date.month if agreement.start_date.year == year else 1
    last = agreement.end_date.month if agreement.end_date.year == year else YEAR_MONTHS
    if agreement.start_date.year > year or agreement.end_date.year < year:
        return 0, 0
    operated = max(0, min(latest, last) - first + 1)
    return operated, max(0, last - max(latest, first - 1))


def product_sales(session: Session, *, operator_id: int, year: int) -> dict[int, list[int]]:
    """product id → [units, revenue]: the operator's share of each confirmed statement line of the year."""
    rows = session.execute(
        select(
            BilledLine.product_id,
            BilledLine.source,
            StatementLine.share_fen,
            OrderLine.quantity,
            UsageBill.calls,
            UsageBill.records,
        )
        .join(StatementLine, StatementLine.billed_line_id == BilledLine.id)
        .join(Statement, Statement.id == StatementLine.statement_id)
        .join(SettlementPeriod, SettlementPeriod.id == Statement.period_id)
        .outerjoin(OrderLine, OrderLine.id == BilledLine.order_line_id)
        .outerjoin(UsageBill, UsageBill.id == BilledLine.usage_bill_id)
        .where(
            _year_periods(year),
            Statement.party_kind == PartyKind.OPERATOR,
            Statement.party_org_id == operator_id,
            Statement.status.in_(SETTLED),
        )
    ).all()
    out: dict[int, list[int]] = {}
    for product_id, source, share, quantity, calls, records in rows:
        units = quantity if quantity is not None else (calls or records or 0)
        sums = out.setdefault(product_id, [0, 0])
        sums[0] += -units if source == LineSource.REFUND else units
        sums[1] += int(share)
    return out


def _prices(session: Session, product: Product, on: date) -> tuple[list[list[str]], list[list[str]]]:
    plans = session.execute(
        select(PricePlan).where(PricePlan.product_id == product.id, PricePlan.active.is_(True)).order_by(PricePlan.id)
    ).scalars()
    prices = []
    for plan in plans:
        terms = PlanTerms.from_dict(json.loads(plan.terms))
        unit = PRICE_UNITS.get(terms.form, "")
        price = highest_unit_price(terms)
        prices.append([terms.form.value, f"{format_unit_price(price)}{unit}" if price else ""])
    caps = [
        [form, f"{format_unit_price(cap.cap_fen)}{PRICE_UNITS.get(ChargeForm(form), '')}"]
        for form, cap in sorted(current_caps(session, product.id, today=on).items())
    ]
    return prices, caps


def product_rows(
    session: Session, *, operator_id: int, year: int, on: date, attributed: dict[int, int]
) -> list[ProductRow]:
    """Listed products, and any other product that sold in the year or carries cost: the best sellers first."""
    sales = product_sales(session, operator_id=operator_id, year=year)
    wanted = set(sales) | set(attributed)
    products = session.execute(
        select(Product)
        .where(
            Product.operator_id == operator_id,
            or_(Product.status == ProductStatus.LISTED, Product.id.in_(wanted or {0})),
        )
        .order_by(Product.title, Product.id)
    ).scalars()
    rows = []
    for p in products:
        prices, caps = _prices(session, p, on)
        units, revenue = sales.get(p.id, [0, 0])
        rows.append(
            ProductRow(p.id, p.slug, p.title, str(p.status), prices, caps, units, revenue, attributed.get(p.id, 0))
        )
    return sorted(rows, key=lambda r: (-r.revenue_fen, -r.attributed_cost_fen))  # stable: by title within


def accepted_excess(session: Session, *, operator_id: int, year: int) -> int | None:
    """The excess carried out of the year's accepted report, or None when none was accepted."""
    return session.execute(
        select(ReturnReport.excess_fen)
        .where(
            ReturnReport.operator_id == operator_id,
            ReturnReport.year == year,
            ReturnReport.status == ReportStatus.ACCEPTED,
        )
        .order_by(ReturnReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def _first_year(session: Session, operator_id: int) -> int | None:
    return session.execute(select(func.min(CostEntry.year)).where(CostEntry.operator_id == operator_id)).scalar_one()


def carried_in(session: Session, *, operator_id: int, year: int, on: date) -> int:
    """Last year's excess: from its accepted report, else computed from its figures; nothing before the
    operator's first year with cost entries (the chain of reports starts there)."""
    first = _first_year(session, operator_id)
    if first is None or year - 1 < first:
        return 0
    accepted = accepted_excess(session, operator_id=operator_id, year=year - 1)
    if accepted is not None:
        return accepted
    try:
        return compute_report(session, operator_id=operator_id, year=year - 1, on=on).excess_fen
    except NotFound:  # no agreement that year: nothing was allowed, nothing carries
        return 0


def compute_report(session: Session, *, operator_id: int, year: int, on: date) -> ReportFigures:
    """The year's figures as of day `on` (prices and caps as of that day)."""
    operator = session.get(Organization, operator_id)
    if operator is None:
        raise NotFound(N_("运营单位不存在"))
    agreement = report_agreement(session, operator_id=operator_id, year=year)
    totals = cost_totals(year_entries(session, operator_id=operator_id, year=year))
    carried = carried_in(session, operator_id=operator_id, year=year, on=on)
    monthly = monthly_revenue(session, operator_id=operator_id, year=year)
    actual = sum(monthly.values())
    position = return_position(
        cost_fen=totals.cost_fen,
        rate_bps=agreement.allowed_return_bps,
        taxes_fen=totals.taxes_fen,
        actual_fen=max(0, actual),
        carried_excess_fen=carried,
    )
    periods = [f"{year}-{m:02d}" for m in range(1, YEAR_MONTHS + 1)]
    running_totals = cumulative_fen([monthly.get(p, 0) for p in periods])
    covered = months_covered(session, year=year)
    operated, remaining = operating_months(agreement, year=year, latest=covered)
    running = year >= on.year and covered < YEAR_MONTHS
    forecast = (forecast_revenue(to_date_fen=max(0, actual), months_covered=operated, months_remaining=remaining)
                if running else None)
    profit = allowed_revenue_fen(cost_fen=totals.cost_fen, rate_bps=agreement.allowed_return_bps, taxes_fen=0)
    authority = session.get(Organization, agreement.authority_id)
    return ReportFigures(
        year=year,
        operator_id=operator.id,
        operator_name=operator.name,
        operator_uscc=operator.uscc,
        authority_id=authority.id,
        authority_name=authority.name,
        agreement_id=agreement.id,
        agreement_code=agreement.code,
        rate_bps=agreement.allowed_return_bps,
        costs=totals.by_category,
        cost_fen=totals.cost_fen,
        profit_fen=profit - totals.cost_fen,
        taxes_fen=totals.taxes_fen,
        carried_in_fen=carried,
        allowed_fen=position.allowed_fen,
        actual_fen=actual,
        headroom_fen=position.headroom_fen,
        excess_fen=position.excess_fen,
        months=[[p, monthly.get(p, 0), c] for p, c in zip(periods, running_totals, strict=True)],
        months_covered=covered,
        products=product_rows(session, operator_id=operator_id, year=year, on=on, attributed=totals.by_product),
        running=running,
        forecast_fen=forecast.forecast_fen if forecast else None,
        run_rate_fen=forecast.run_rate_fen if forecast else None,
        months_operated=operated,
        months_remaining=remaining,
    )


__all__ = ["ProductRow", "ReportFigures", "compute_report", "monthly_revenue", "report_agreement"]
