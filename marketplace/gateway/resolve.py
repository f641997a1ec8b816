"""Key → entitlement → product, plan, agreement and dataset, cached per process for a few seconds.

The cache only saves reads: a billable call re-checks in its own UPDATE that the key and the entitlement are
still active, so a revoked key never gets a billable answer from a stale entry.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from marketplace.clock import today
from marketplace.gateway.masking import FieldRule
from marketplace.keys import digest_key
from marketplace.models import (
    Agreement,
    ApiKey,
    Entitlement,
    Organization,
    PricePlan,
    Product,
)
from marketplace.models.metering import ApiDataset
from marketplace.supply.caps import applicable_cap, cap_problem
from marketplace.supply.on_sale import SaleFacts, domains_of, mandates_in_force
from pricing import ChargeForm, PlanTerms
from pricing.charge_forms import TIERED_FORMS, UNIT_PRICED_FORMS

# Plans whose calls are rated one by one after the call (R3: never above the cap in force on the call's day);
# subscriptions and prepaid packages were priced and checked when bought.
RATED_PER_CALL = TIERED_FORMS | UNIT_PRICED_FORMS

CACHE_TTL_SECONDS = 5.0


@dataclass(frozen=True)
class DatasetDef:
    """The API definition a call is answered from."""

    id: int
    key_fields: tuple[str, ...]
    match_fields: tuple[str, ...]
    rules: tuple[FieldRule, ...]
    verification: bool
    unique_key: bool
    salt: str

    @property
    def params(self) -> tuple[str, ...]:
        """Every query parameter the API takes."""
        return self.key_fields + self.match_fields


@dataclass(frozen=True)
class KeyInfo:
    """Everything a call needs to know about the presented key."""

    key_id: int
    key_active: bool
    entitlement_id: int
    ent_status: str
    ent_source: str
    use_type: str
    starts_at: datetime
    ends_at: datetime | None
    calls_total: int | None
    buyer_org_id: int
    org_status: str
    product_id: int
    slug: str
    product_status: str
    agreement_status: str
    agreement_start: date
    agreement_end: date
    plan_id: int
    terms: PlanTerms
    dataset: DatasetDef | None
    sale: SaleFacts  # supply.on_sale.product_problem decides on these, per call, without a query
    plan_problem: str | None = None  # the pinned plan against the cap in force when read ("no_cap", "above_cap")
    overdue_bill: str | None = None  # the unpaid bill past its due date that suspends the keys (billing.overdue)

    @property
    def quota(self) -> int | None:
        """Calls allowed in total (granted calls or a prepaid package); None = unlimited."""
        if self.calls_total is not None:
            return self.calls_total
        if self.terms.form is ChargeForm.PREPAID_CALLS:
            return self.terms.package_calls
        return None


def load_dataset(conn: Connection, product_id: int) -> DatasetDef | None:
    """The product's API definition, if it has one."""
    d = conn.execute(select(ApiDataset).where(ApiDataset.product_id == product_id)).first()
    if d is None:
        return None
    rules = tuple(FieldRule.from_dict(r) for r in json.loads(d.returned_fields or "[]"))
    return DatasetDef(d.id, tuple(json.loads(d.key_fields or "[]")), tuple(json.loads(d.match_fields or "[]")),
                      rules, d.verification, d.unique_key, d.salt)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def load_key_info(conn: Connection, key_hash: str) -> KeyInfo | None:
    """Read the key and everything behind it in one joined query (plus the dataset)."""
    row = conn.execute(
        select(ApiKey.id, ApiKey.status, Entitlement.id.label("ent_id"), Entitlement.status.label("ent_status"),
               Entitlement.source, Entitlement.use_type, Entitlement.starts_at, Entitlement.ends_at,
               Entitlement.calls_total, Entitlement.overdue_bill,
               Entitlement.buyer_org_id, Entitlement.product_id, Entitlement.plan_id,
               Organization.status.label("org_status"), Product.slug,
               Product.status.label("product_status"), Product.security_grade, Product.domain, Product.broker_id,
               Product.operator_id, Agreement.status.label("agreement_status"), Agreement.domains,
               Agreement.start_date, Agreement.end_date, PricePlan.terms)
        .join(Entitlement, Entitlement.id == ApiKey.entitlement_id)
        .join(Organization, Organization.id == Entitlement.buyer_org_id)
        .join(Product, Product.id == Entitlement.product_id)
        .join(Agreement, Agreement.id == Product.agreement_id)
        .join(PricePlan, PricePlan.id == Entitlement.plan_id)
        .where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        return None
    on, terms = today(), PlanTerms.from_dict(json.loads(row.terms))
    return KeyInfo(
        key_id=row.id, key_active=row.status == "active", entitlement_id=row.ent_id, ent_status=str(row.ent_status),
        ent_source=row.source, use_type=str(row.use_type), starts_at=_aware(row.starts_at),
        ends_at=_aware(row.ends_at), calls_total=row.calls_total, buyer_org_id=row.buyer_org_id,
        org_status=str(row.org_status), product_id=row.product_id, slug=row.slug,
        product_status=str(row.product_status), agreement_status=str(row.agreement_status),
        agreement_start=row.start_date, agreement_end=row.end_date, plan_id=row.plan_id,
        terms=terms, dataset=load_dataset(conn, row.product_id), sale=_sale_facts(conn, row, on),
        plan_problem=_plan_problem(conn, row.product_id, terms, on), overdue_bill=row.overdue_bill)


def _sale_facts(conn: Connection, row, on: date) -> SaleFacts:
    """The product-level facts of supply.on_sale from the joined row (and the mandate, for a broker's product)."""
    mandated = row.broker_id is not None and conn.execute(mandates_in_force(
        on, broker_id=row.broker_id, operator_id=row.operator_id, product_id=row.product_id).limit(1)).first()
    return SaleFacts(product_status=str(row.product_status), security_grade=str(row.security_grade),
                     domain=row.domain, agreement_status=str(row.agreement_status), agreement_start=row.start_date,
                     agreement_end=row.end_date, agreement_domains=domains_of(row.domains),
                     brokered=row.broker_id is not None, mandate_in_force=bool(mandated))


def _plan_problem(conn: Connection, product_id: int, terms: PlanTerms, on: date) -> str | None:
    """R3 for a plan rated per call: the cap in force (supply.caps) must exist and not be below the plan."""
    if terms.form not in RATED_PER_CALL:
        return None
    with Session(bind=conn) as session:
        return cap_problem(terms, applicable_cap(session, product_id, terms.form.value, today=on))


class KeyCache:
    """A small per-process TTL cache of KeyInfo by key digest."""

    def __init__(self, ttl: float = CACHE_TTL_SECONDS):
        self.ttl = ttl
        self._items: dict[str, tuple[float, KeyInfo]] = {}
        self._lock = threading.Lock()

    def get(self, conn_factory, plaintext: str) -> KeyInfo | None:
        """Cached info for a presented key, read through `conn_factory()` on a miss or expiry."""
        digest = digest_key(plaintext)
        now = time.monotonic()
        hit = self._items.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        with conn_factory() as conn:
            info = load_key_info(conn, digest)
        if info is not None:
            with self._lock:
                if len(self._items) > 10_000:
                    self._items.clear()
                self._items[digest] = (now + self.ttl, info)
        return info

    def forget(self, plaintext: str) -> None:
        """Drop one entry (after a failed re-check)."""
        self._items.pop(digest_key(plaintext), None)

    def clear(self) -> None:
        """Drop everything (tests)."""
        self._items.clear()
