"""Usage read side: counts per key/product/day, cost so far under the pinned plan, receipts, CSV log."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from marketplace.clock import SHANGHAI, today
from marketplace.models import ApiKey, Entitlement, Organization, PricePlan, Product
from marketplace.models.metering import QuotaCounter, UsageEvent
from pricing import ChargeForm, PlanTerms, UsageCharge, charge_usage, remaining_calls, terms_from_json

CSV_HEADER = ("request_id", "time", "day", "product", "key_prefix", "status", "billable", "records")


def period_start(on: date | None = None) -> date:
    """First day of the current billing period (the calendar month)."""
    return (on or today()).replace(day=1)


@dataclass(frozen=True)
class UsageRow:
    """Calls of one key, product and day."""

    day: str
    product_id: int
    slug: str
    title: str
    key_id: int
    key_prefix: str
    billable: int
    non_billable: int
    records: int


def _count_columns():
    return (func.sum(case((UsageEvent.billable, 1), else_=0)).label("billable"),
            func.sum(case((UsageEvent.billable, 0), else_=1)).label("non_billable"),
            func.sum(UsageEvent.records).label("records"))


def usage_rows(session: Session, *, since: date, until: date, buyer_org_id: int | None = None,
               key_id: int | None = None, entitlement_id: int | None = None) -> list[UsageRow]:
    """Counts per day, product and key (newest day first) for a buyer organization or one key."""
    query = (select(UsageEvent.day, UsageEvent.product_id, Product.slug, Product.title, UsageEvent.api_key_id,
                    ApiKey.prefix, *_count_columns())
             .join(Product, Product.id == UsageEvent.product_id).join(ApiKey, ApiKey.id == UsageEvent.api_key_id)
             .where(UsageEvent.day >= since.isoformat(), UsageEvent.day <= until.isoformat())
             .group_by(UsageEvent.day, UsageEvent.product_id, Product.slug, Product.title, UsageEvent.api_key_id,
                       ApiKey.prefix)
             .order_by(UsageEvent.day.desc(), Product.slug, ApiKey.prefix))
    if buyer_org_id is not None:
        query = query.where(UsageEvent.buyer_org_id == buyer_org_id)
    if key_id is not None:
        query = query.where(UsageEvent.api_key_id == key_id)
    if entitlement_id is not None:  # a key's calls are found through its entitlement's (entitlement, day) index
        query = query.where(UsageEvent.entitlement_id == entitlement_id)
    return [UsageRow(r.day, r.product_id, r.slug, r.title, r.api_key_id, r.prefix, int(r.billable or 0),
                     int(r.non_billable or 0), int(r.records or 0)) for r in session.execute(query)]


@dataclass(frozen=True)
class EntitlementPosition:
    """One entitlement's period: billable units, the cost so far and what is left."""

    entitlement: Entitlement
    product: Product
    plan: PricePlan
    terms: PlanTerms
    units: int
    charge: UsageCharge
    used_total: int
    remaining: int | None  # calls left (quota, prepaid or free quota); None = unlimited


def _period_units(session: Session, ent: Entitlement, terms: PlanTerms, since: date) -> int:
    column = UsageEvent.records if terms.form is ChargeForm.PER_RECORD else 1
    total = session.execute(select(func.coalesce(func.sum(case((UsageEvent.billable, column), else_=0)), 0))
                            .where(UsageEvent.entitlement_id == ent.id, UsageEvent.day >= since.isoformat())
                            .where(UsageEvent.plan_id == ent.plan_id)).scalar_one()
    return int(total)


def position(session: Session, ent: Entitlement, *, since: date | None = None) -> EntitlementPosition:
    """The current period's cost under the entitlement's pinned plan version (R2, R7)."""
    since = since or period_start()
    plan, product = session.get(PricePlan, ent.plan_id), session.get(Product, ent.product_id)
    terms = terms_from_json(plan.terms)
    units = _period_units(session, ent, terms, since)
    used_total = session.execute(select(QuotaCounter.used).where(QuotaCounter.entitlement_id == ent.id)).scalar() or 0
    if ent.calls_total is not None:
        remaining = max(0, ent.calls_total - used_total)
    elif terms.form is ChargeForm.PREPAID_CALLS:
        remaining = remaining_calls(terms, used=used_total)
    else:
        remaining = remaining_calls(terms, used=units)
    return EntitlementPosition(ent, product, plan, terms, units, charge_usage(terms, units=units), used_total,
                               remaining)


def org_positions(session: Session, *, buyer_org_id: int) -> list[EntitlementPosition]:
    """Every API entitlement of a buyer with its period position."""
    ents = session.execute(select(Entitlement).join(Product, Product.id == Entitlement.product_id)
                           .where(Entitlement.buyer_org_id == buyer_org_id, Product.type == "api")
                           .order_by(Entitlement.id.desc())).scalars().all()
    return [position(session, e) for e in ents]


@dataclass(frozen=True)
class Receipt:
    """A day's billable calls of a buyer: count and SHA-256 over the sorted request ids, one per line."""

    day: str
    count: int
    digest: str


def receipt_digest(request_ids: list[str]) -> str:
    """SHA-256 hex of the sorted request ids joined by newlines (the buyer can recompute it)."""
    return hashlib.sha256("\n".join(sorted(request_ids)).encode("utf-8")).hexdigest()


def daily_receipts(session: Session, *, buyer_org_id: int, since: date, until: date) -> list[Receipt]:
    """One receipt per day with billable calls, newest first."""
    rows = session.execute(select(UsageEvent.day, UsageEvent.request_id)
                           .where(UsageEvent.buyer_org_id == buyer_org_id, UsageEvent.billable.is_(True),
                                  UsageEvent.day >= since.isoformat(), UsageEvent.day <= until.isoformat()))
    by_day: dict[str, list[str]] = {}
    for day, request_id in rows:
        by_day.setdefault(day, []).append(request_id)
    return [Receipt(day, len(ids), receipt_digest(ids)) for day, ids in sorted(by_day.items(), reverse=True)]


def calls_csv(session: Session, *, since: date, until: date, buyer_org_id: int | None = None,
              product_ids: list[int] | None = None) -> Iterator[str]:
    """The per-call log as CSV lines (header first), oldest first, streamed in batches."""
    query = (select(UsageEvent.request_id, UsageEvent.at, UsageEvent.day, Product.slug, ApiKey.prefix,
                    UsageEvent.status, UsageEvent.billable, UsageEvent.records, Organization.name)
             .join(Product, Product.id == UsageEvent.product_id).join(ApiKey, ApiKey.id == UsageEvent.api_key_id)
             .join(Organization, Organization.id == UsageEvent.buyer_org_id)
             .where(UsageEvent.day >= since.isoformat(), UsageEvent.day <= until.isoformat())
             .order_by(UsageEvent.id))
    if buyer_org_id is not None:
        query = query.where(UsageEvent.buyer_org_id == buyer_org_id)
    if product_ids is not None:
        query = query.where(UsageEvent.product_id.in_(product_ids or [-1]))
    seller = product_ids is not None
    yield _csv_line((*CSV_HEADER, "buyer") if seller else CSV_HEADER)
    for r in session.execute(query.execution_options(yield_per=2000)):
        at = r.at.astimezone(SHANGHAI).isoformat(timespec="seconds") if r.at.tzinfo else r.at.isoformat()
        values = (r.request_id, at, r.day, r.slug, r.prefix, r.status, int(bool(r.billable)), r.records)
        yield _csv_line((*values, r.name) if seller else values)


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


@dataclass(frozen=True)
class SellerRow:
    """Calls of one product by one buyer on one day."""

    day: str
    slug: str
    title: str
    buyer: str
    billable: int
    non_billable: int


def seller_product_ids(session: Session, *, org_id: int) -> list[int]:
    """API products an operator owns or a broker lists."""
    return list(session.execute(select(Product.id).where(Product.type == "api", or_(
        Product.operator_id == org_id, Product.broker_id == org_id))).scalars())


def seller_rows(session: Session, *, product_ids: list[int], since: date, until: date) -> list[SellerRow]:
    """Usage of these products per buyer and day (newest day first)."""
    billable, non_billable, _records = _count_columns()
    query = (select(UsageEvent.day, Product.slug, Product.title, Organization.name, billable, non_billable)
             .join(Product, Product.id == UsageEvent.product_id)
             .join(Organization, Organization.id == UsageEvent.buyer_org_id)
             .where(UsageEvent.product_id.in_(product_ids or [-1]), UsageEvent.day >= since.isoformat(),
                    UsageEvent.day <= until.isoformat())
             .group_by(UsageEvent.day, Product.slug, Product.title, Organization.name)
             .order_by(UsageEvent.day.desc(), Product.slug, Organization.name))
    return [SellerRow(r.day, r.slug, r.title, r.name, int(r.billable or 0), int(r.non_billable or 0))
            for r in session.execute(query)]
