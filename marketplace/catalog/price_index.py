"""The public price index from the database: listed prices and settled sales per domain, charge form and month.

Listed: the plans of the products on sale today (the imported real listings included), version by version —
in each month the version in force at the month's end (now, for this month), each product's lowest unit
price per charge form. Settled: the billed lines (sales and usage bills, not refunds) of closed or confirmed
settlement periods, amount / units, in the month of the sale (of the calls, for a usage bill).
The figures are `pricing.price_index`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from marketplace.catalog.params import ALLOWED, BadParameter
from marketplace.clock import SHANGHAI, as_utc, now, today
from marketplace.i18n_marker import N_
from marketplace.models import OrderLine, PricePlan, Product
from marketplace.models.billing import UsageBill
from marketplace.models.settlement import BilledLine, LineSource, PeriodStatus, SettlementPeriod
from marketplace.supply.on_sale import on_sale_clause, plan_counts, version_made_at
from pricing import InvalidPlan, PlanTerms, terms_from_json
from pricing.price_index import (
    INDEX_FORMS,
    LISTED,
    SETTLED,
    IndexSeries,
    Observation,
    in_force_at_each,
    index_series,
    month_of,
    months_ending,
    next_month_start,
    sale_unit_price_fen,
    sale_units,
)
from pricing.reference import unit_price_fen

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
FORM_VALUES = frozenset(f.value for f in INDEX_FORMS)


@dataclass(frozen=True)
class IndexQuery:
    """The filters: one domain and one charge form (empty: all), and how many months back from this one."""

    domain: str = ""
    charge_form: str = ""
    months: int = DEFAULT_MONTHS


@dataclass(frozen=True)
class PriceIndex:
    """The months asked for (oldest first) and the series that have observations in them."""

    months: list[str]
    series: list[IndexSeries]


def parse_index_filters(args: Mapping) -> dict[str, str]:
    """The domain and charge form filters; BadParameter naming the first bad one."""
    domain = (args.get("domain") or "").strip()
    if domain and domain not in ALLOWED["domain"]:
        raise BadParameter(N_("参数 domain 不是已知的数据领域"), field="domain")
    form = (args.get("charge_form") or "").strip()
    if form and form not in ALLOWED["charge_form"]:
        raise BadParameter(N_("参数 charge_form 不是已知的收费方式"), field="charge_form")
    if form and form not in FORM_VALUES:
        raise BadParameter(N_("面议和公益免费的产品没有公开单价，不进入价格指数"), field="charge_form")
    return {"domain": domain, "charge_form": form}


def _month_ends(months: list[str], current: datetime) -> dict[str, datetime]:
    """The instant each month's listed price is read: the start of the next month (Shanghai), or now."""
    ends = {}
    for month in months:
        start = datetime.combine(next_month_start(month), time(0), tzinfo=SHANGHAI).astimezone(UTC)
        ends[month] = min(start, current)
    return ends


def _unit_price(terms: str | None, cache: dict) -> Decimal | None:
    """A stored plan's unit price in its form's unit (reference.unit_price_fen); None when it has none or is broken."""
    if terms not in cache:
        try:
            cache[terms] = unit_price_fen(terms_from_json(terms))
        except InvalidPlan:  # a broken stored plan is simply not in the index
            cache[terms] = None
    return cache[terms]


def listed_observations(session: Session, query: IndexQuery, months: list[str]) -> list[Observation]:
    """Each on-sale product's lowest unit price per charge form, as its plan version in force each month."""
    live = select(Product.id).where(on_sale_clause(today()))
    if query.domain:
        live = live.where(Product.domain == query.domain)
    rows = session.execute(
        select(
            Product.id,
            Product.domain,
            PricePlan.version,
            PricePlan.created_at,
            PricePlan.active,
            PricePlan.charge_form,
            PricePlan.terms,
        )
        .join(PricePlan, PricePlan.product_id == Product.id)
        .where(Product.id.in_(live))
    ).all()
    made: dict[int, list] = {}
    for product_id, _, version, created_at, *_ in rows:
        made.setdefault(product_id, []).append((version, created_at))
    made_at = {product_id: version_made_at(pairs) for product_id, pairs in made.items()}
    # product → version → [made at (its first plan), {form: lowest unit price}], counting the plans
    # supply.on_sale.plan_counts counts (the rule of plans_in_force)
    versions: dict[int, dict[int, list]] = {}
    domains: dict[int, str] = {}
    cache: dict = {}
    for product_id, domain, version, _created_at, active, form, terms in rows:
        domains[product_id] = domain
        entry = versions.setdefault(product_id, {}).setdefault(version, [made_at[product_id][version], {}])
        wanted = form in FORM_VALUES and (not query.charge_form or form == query.charge_form)
        counts = plan_counts(active=active, version=version, latest=max(made_at[product_id]))
        price = _unit_price(terms, cache) if wanted and counts else None
        if price is not None:
            entry[1][form] = min(entry[1].get(form, price), price)
    ends = list(_month_ends(months, as_utc(now())).values())
    out = []
    for product_id, by_version in versions.items():
        timeline = [(made, prices) for made, prices in by_version.values()]
        for month, prices in zip(months, in_force_at_each(timeline, ends), strict=True):
            out += [Observation(LISTED, domains[product_id], form, month, p) for form, p in (prices or {}).items()]
    return out


def _terms(text: str | None) -> PlanTerms | None:
    try:
        return terms_from_json(text)
    except InvalidPlan:  # a broken stored plan is simply not in the index
        return None


def settled_observations(session: Session, query: IndexQuery, months: list[str]) -> list[Observation]:
    """amount / units of each sale and usage bill taken into a closed or confirmed period, in these months.

    A sale counts in the month it was paid, a usage bill in the month of its calls."""
    first = datetime.strptime(months[0], "%Y-%m").date()
    last = next_month_start(months[-1])
    stmt = (
        select(
            BilledLine.source,
            BilledLine.gross_fen,
            BilledLine.occurred_on,
            Product.domain,
            PricePlan.charge_form,
            PricePlan.terms,
            OrderLine.quantity,
            UsageBill.calls,
            UsageBill.records,
            UsageBill.period,
        )
        .join(SettlementPeriod, SettlementPeriod.id == BilledLine.period_id)
        .join(Product, Product.id == BilledLine.product_id)
        .outerjoin(OrderLine, OrderLine.id == BilledLine.order_line_id)
        .outerjoin(UsageBill, UsageBill.id == BilledLine.usage_bill_id)
        .join(PricePlan, PricePlan.id == _plan_id())
        .where(
            SettlementPeriod.status.in_([PeriodStatus.CLOSED, PeriodStatus.CONFIRMED]),
            BilledLine.source.in_([LineSource.ORDER_LINE, LineSource.USAGE_BILL]),
            or_(  # a sale in these months, or a bill for the calls of these months (issued the month after)
                and_(
                    BilledLine.source == LineSource.ORDER_LINE,
                    BilledLine.occurred_on >= first,
                    BilledLine.occurred_on < last,
                ),
                and_(BilledLine.source == LineSource.USAGE_BILL, UsageBill.period.in_(months)),
            ),
        )
    )
    if query.domain:
        stmt = stmt.where(Product.domain == query.domain)
    if query.charge_form:
        stmt = stmt.where(PricePlan.charge_form == query.charge_form)
    out = []
    for source, gross, day, domain, form, terms, quantity, calls, records, bill_month in session.execute(stmt):
        if form not in FORM_VALUES:
            continue
        plan = _terms(terms)
        units = sale_units(
            form,
            usage=source == LineSource.USAGE_BILL,
            quantity=quantity or 0,
            package_calls=plan.package_calls if plan else 0,
            calls=calls or 0,
            records=records or 0,
        )
        price = sale_unit_price_fen(gross, units)
        if price is not None:
            out.append(Observation(SETTLED, domain, form, bill_month or month_of(day), price))
    return out


def _plan_id():
    """The plan a billed line was sold under: its order line's, else its usage bill's."""
    return func.coalesce(OrderLine.plan_id, UsageBill.plan_id)


def price_index(session: Session, query: IndexQuery) -> PriceIndex:
    """The index for the filters: listed and settled series over the months ending with this one."""
    months = months_ending(today(), query.months)
    observations = listed_observations(session, query, months) + settled_observations(session, query, months)
    return PriceIndex(months=months, series=index_series(observations, months))
