"""R3, R5, R6 in one place: whether a product (and one of its plans) is on sale on a day, and if not, why.

Every path that sells or prices asks this module: the catalog (`on_sale_clause`), the product page, checkout,
quote requests and offers, accepting an offer, access applications, the gateway (`product_problem` over the
facts its joined key query reads) and review. The reasons are codes (also the gateway's error codes) with one
message each, so every path refuses with the same words.

The SQL clause reads dates live (agreement term, mandate term); what does not depend on the query day —
core data, domain scope and whether a plan is within its cap — is stored as `Product.sale_block` by
`refresh_sale_block`, called whenever a product, its plans or its caps change and by the daily
`enforce-terms` run (a cap or trial cap that starts or ends on a later day). The Python predicate always
computes every condition from the tables, so a sale is never decided on a stale stored value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from marketplace.clock import SHANGHAI, as_utc
from marketplace.clock import today as exchange_today
from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.models import (
    Agreement,
    AgreementStatus,
    CapPrice,
    Mandate,
    MandateProduct,
    MandateStatus,
    PricePlan,
    Product,
    ProductStatus,
    SecurityGrade,
)
from marketplace.supply.caps import applicable_cap, cap_problem
from pricing import InvalidPlan, PlanTerms, terms_from_json
from pricing.price_index import in_force_at_each


def plan_terms(plan: PricePlan) -> PlanTerms | None:
    """The plan's stored terms, or None when they cannot be read."""
    try:
        return terms_from_json(plan.terms)
    except InvalidPlan:  # a broken stored plan must not break the page
        return None


class OffSale(StrEnum):
    """Why a product or plan is not on sale (the values are also the data API's error codes)."""

    AGREEMENT = "agreement_inactive"
    NOT_LISTED = "product_unavailable"
    CORE = "core_data"
    SCOPE = "out_of_scope"
    MANDATE = "mandate_inactive"
    NO_PLAN = "no_plan"
    NO_CAP = "no_cap"
    ABOVE_CAP = "above_cap"


MESSAGES = {
    OffSale.AGREEMENT: N_("该产品的授权运营协议已终止或不在有效期内，暂停销售"),
    OffSale.NOT_LISTED: N_("产品不存在或已下架"),
    OffSale.CORE: N_("核心数据不得交易"),
    OffSale.SCOPE: N_("该产品的数据领域不在授权运营协议的授权范围内，暂停销售"),
    OffSale.MANDATE: N_("该产品的经纪委托已失效，暂停销售"),
    OffSale.NO_PLAN: N_("该产品没有可售的价格方案"),
    OffSale.NO_CAP: N_("该收费方案没有生效的上限收费标准，暂停销售"),
    OffSale.ABOVE_CAP: N_("该收费方案的价格高于现行上限收费标准，暂停销售，待运营单位调整价格"),
}
ENGLISH = {  # for the data API, which answers in both languages
    OffSale.AGREEMENT: "The authorization agreement behind this product is not in force",
    OffSale.NOT_LISTED: "The product is not listed",
    OffSale.CORE: "Core data is never traded",
    OffSale.SCOPE: "The product's data domain is outside its agreement's scope",
    OffSale.MANDATE: "The broker's mandate for this product is not in force",
    OffSale.NO_PLAN: "The product has no plan on sale",
    OffSale.NO_CAP: "The plan has no cap price in force",
    OffSale.ABOVE_CAP: "The plan's price is above the cap price in force",
}


class NotOnSale(DomainError):
    """A product or plan was asked for that is not on sale; `reason` is an OffSale code."""

    status = 409

    def __init__(self, reason: OffSale, *, field: str | None = None):
        super().__init__(MESSAGES[reason], field=field)
        self.reason = reason
        if reason is OffSale.NOT_LISTED:
            self.status = 404  # like an unknown product


@dataclass(frozen=True)
class SaleFacts:
    """What decides whether a product is on sale apart from its plans (read in one row by the gateway)."""

    product_status: str
    security_grade: str
    domain: str
    agreement_status: str | None
    agreement_start: date | None
    agreement_end: date | None
    agreement_domains: tuple[str, ...]
    brokered: bool
    mandate_in_force: bool


def agreement_in_force(status: str | None, start: date | None, end: date | None, on: date) -> bool:
    """R5: an agreement is in force when active and the day inside its term (even before enforce-terms ran)."""
    return status == AgreementStatus.ACTIVE and start is not None and end is not None and start <= on <= end


def product_problem(facts: SaleFacts, on: date) -> OffSale | None:
    """The first product-level reason it is not on sale on that day (R5, R6), or None."""
    if not agreement_in_force(facts.agreement_status, facts.agreement_start, facts.agreement_end, on):
        return OffSale.AGREEMENT
    if facts.product_status != ProductStatus.LISTED:
        return OffSale.NOT_LISTED
    if facts.security_grade == SecurityGrade.CORE:
        return OffSale.CORE
    if facts.domain not in facts.agreement_domains:
        return OffSale.SCOPE
    if facts.brokered and not facts.mandate_in_force:
        return OffSale.MANDATE
    return None


def domains_of(agreement_domains_json: str | None) -> tuple[str, ...]:
    """The domain codes stored on an agreement (a JSON list)."""
    try:
        value = json.loads(agreement_domains_json or "[]")
    except ValueError:
        return ()
    return tuple(str(d) for d in value) if isinstance(value, list) else ()


# --- mandates (R6): the one "mandate in force" query ---------------------------------------------------

def _mandate_terms(on: date, *, broker_id, operator_id) -> list:
    return [Mandate.broker_id == broker_id, Mandate.operator_id == operator_id,
            Mandate.status == MandateStatus.ACTIVE, Mandate.start_date <= on, Mandate.end_date >= on]


def mandates_in_force(on: date, *, broker_id: int, operator_id: int | None = None, product_id: int | None = None):
    """SELECT of the broker's mandates in force on that day (from that operator, covering that product)."""
    query = select(Mandate).where(Mandate.broker_id == broker_id, Mandate.status == MandateStatus.ACTIVE,
                                  Mandate.start_date <= on, Mandate.end_date >= on)
    if operator_id is not None:
        query = query.where(Mandate.operator_id == operator_id)
    if product_id is not None:
        query = query.join(MandateProduct, MandateProduct.mandate_id == Mandate.id) \
            .where(MandateProduct.product_id == product_id)
    return query.order_by(Mandate.id.desc())


def product_mandate(session: Session, product: Product, on: date | None = None) -> Mandate | None:
    """The mandate in force from the product's operator to its broker that covers it (None when sold directly)."""
    if product.broker_id is None:
        return None
    return session.execute(mandates_in_force(on or exchange_today(), broker_id=product.broker_id,
                                             operator_id=product.operator_id, product_id=product.id)
                           .limit(1)).scalar_one_or_none()


def _mandate_exists(on: date):
    """SQL: a mandate in force covers the product row from its operator to its broker."""
    return exists(select(MandateProduct.mandate_id).join(Mandate, Mandate.id == MandateProduct.mandate_id)
                  .where(MandateProduct.product_id == Product.id,
                         *_mandate_terms(on, broker_id=Product.broker_id, operator_id=Product.operator_id)))


# --- the predicate ------------------------------------------------------------------------------------

def sale_facts(session: Session, product: Product, on: date) -> SaleFacts:
    """The product-level facts of one product on that day."""
    agreement = session.get(Agreement, product.agreement_id)
    return SaleFacts(
        product_status=str(product.status), security_grade=str(product.security_grade), domain=product.domain,
        agreement_status=str(agreement.status) if agreement else None,
        agreement_start=agreement.start_date if agreement else None,
        agreement_end=agreement.end_date if agreement else None,
        agreement_domains=domains_of(agreement.domains) if agreement else (),
        brokered=product.broker_id is not None,
        mandate_in_force=product.broker_id is not None and product_mandate(session, product, on) is not None)


def plan_problem(session: Session, product: Product, plan: PricePlan, on: date, *,
                 offer: bool = False) -> OffSale | None:
    """R3: a charged plan needs a cap in force on that day and must not be above it (offers: the 面议 cap too)."""
    terms = plan_terms(plan)  # None when the stored terms cannot be read: not on sale
    if terms is None:
        return OffSale.NO_PLAN
    cap = applicable_cap(session, product.id, terms.form.value, today=on, offer=offer)
    problem = cap_problem(terms, cap)
    return OffSale(problem) if problem else None


def active_plans(session: Session, product_id: int) -> list[PricePlan]:
    """The plans currently offered (newest version), in display order."""
    return list(session.execute(select(PricePlan).where(PricePlan.product_id == product_id, PricePlan.active)
                                .order_by(PricePlan.id)).scalars())


def plan_counts(*, active: bool, version: int, latest: int) -> bool:
    """Whether a plan was offered while its version was in force: an inactive plan of an earlier version was
    replaced together with its version (offered until then); an inactive one of the newest version was withdrawn
    (when is not kept, so it counts as never offered)."""
    return active or version != latest


def version_made_at(plans) -> dict[int, datetime]:
    """When each plan version was made: its first plan's creation (UTC). `plans`: (version, created_at) pairs."""
    made: dict[int, datetime] = {}
    for version, created_at in plans:
        at = as_utc(created_at)
        made[version] = min(made.get(version, at), at)
    return made


def plans_in_force(session: Session, product_id: int, on: date) -> list[PricePlan]:
    """The plans offered at the end of day `on` (Asia/Shanghai): those of the newest version made by then, in
    display order (the price index reads listed prices by the same rule)."""
    plans = list(session.execute(select(PricePlan).where(PricePlan.product_id == product_id)
                                 .order_by(PricePlan.id)).scalars())
    if not plans:
        return []
    made = version_made_at((p.version, p.created_at) for p in plans)
    end = datetime.combine(on + timedelta(days=1), time.min, SHANGHAI).astimezone(UTC)
    [version] = in_force_at_each([(at, v) for v, at in made.items()], [end])
    latest = max(made)
    return [p for p in plans if p.version == version and plan_counts(active=p.active, version=p.version, latest=latest)]


def plans_problem(session: Session, product: Product, on: date) -> OffSale | None:
    """None when at least one active plan is on sale, else the first plan's reason (NO_PLAN without plans)."""
    problems = [plan_problem(session, product, plan, on) for plan in active_plans(session, product.id)]
    if not problems:
        return OffSale.NO_PLAN
    return None if None in problems else problems[0]


def off_sale_reason(session: Session, product: Product | None, *, on: date | None = None,
                    plan: PricePlan | None = None, offer: bool = False,
                    product_only: bool = False) -> OffSale | None:
    """Why the product (or this plan of it) is not on sale on that day, or None when it is.

    `product_only` skips the plans (a caller that checks the chosen plan next)."""
    if product is None:
        return OffSale.NOT_LISTED
    on = on or exchange_today()
    problem = product_problem(sale_facts(session, product, on), on)
    if problem is not None:
        return problem
    if plan is not None:
        return plan_problem(session, product, plan, on, offer=offer)
    return None if product_only else plans_problem(session, product, on)


def is_on_sale(session: Session, product: Product | None, *, on: date | None = None) -> bool:
    """True when the product may be shown and sold on that day."""
    return off_sale_reason(session, product, on=on) is None


def require_on_sale(session: Session, product: Product | None, *, on: date | None = None,
                    plan: PricePlan | None = None, offer: bool = False, product_only: bool = False) -> None:
    """Refuse with NotOnSale (the reason's message) unless the product (and plan) is on sale."""
    reason = off_sale_reason(session, product, on=on, plan=plan, offer=offer, product_only=product_only)
    if reason is not None:
        raise NotOnSale(reason, field="plan_id" if reason in (OffSale.NO_CAP, OffSale.ABOVE_CAP) else None)


def plan_on_sale(session: Session, product: Product, plan: PricePlan, *, on: date | None = None) -> bool:
    """True when this plan of a product on sale may be bought on that day (the product page lists only these)."""
    return plan_problem(session, product, plan, on or exchange_today()) is None


# --- the stored part and the SQL clause ------------------------------------------------------------------

def stored_block(session: Session, product: Product, on: date) -> str:
    """The reasons the catalog cannot read from dates at query time: core data, scope, plans and caps."""
    agreement = session.get(Agreement, product.agreement_id)
    if product.security_grade == SecurityGrade.CORE:
        return OffSale.CORE.value
    if agreement is None or product.domain not in domains_of(agreement.domains):
        return OffSale.SCOPE.value
    return str(plans_problem(session, product, on) or "")


def refresh_sale_block(session: Session, product: Product, *, on: date | None = None) -> str:
    """Store the product's stored_block (the catalog and its facet index follow on flush)."""
    block = stored_block(session, product, on or exchange_today())
    if product.sale_block != block:
        product.sale_block = block
        session.flush()
    return block


def in_force_agreement_ids(on: date):
    """SELECT of the ids of agreements in force on that day."""
    return select(Agreement.id).where(Agreement.status == AgreementStatus.ACTIVE,
                                      Agreement.start_date <= on, Agreement.end_date >= on)


def unmandated_ids(on: date):
    """SELECT of the listed broker products no mandate in force covers on that day (few rows).

    Read through the broker index (broker products are few; the status index would scan every listed one)."""
    return select(Product.id).with_hint(Product, "INDEXED BY ix_product_broker_id", "sqlite") \
        .where(Product.broker_id > 0, Product.status == ProductStatus.LISTED, ~_mandate_exists(on))


def on_sale_clause(on: date | None = None, *, agreement_ids=None, unmandated=None):
    """SQL condition on `product`: on sale on that day (the SQL form of off_sale_reason).

    `agreement_ids` / `unmandated` may be given as literal lists already read (the catalog plans better so).
    """
    on = on or exchange_today()
    ids = in_force_agreement_ids(on) if agreement_ids is None else agreement_ids
    conds = [Product.status == ProductStatus.LISTED, Product.sale_block == "", Product.agreement_id.in_(ids)]
    if unmandated is None:
        conds.append(or_(Product.broker_id.is_(None), _mandate_exists(on)))
    elif unmandated:
        conds.append(Product.id.not_in(unmandated))
    return and_(*conds)


# --- what the operator must reprice --------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanToReprice:
    """An active plan of a listed product that is not on sale under the caps in force (R3)."""

    product: Product
    plan: PricePlan
    reason: OffSale
    cap: CapPrice | None


def plans_to_reprice(session: Session, *, operator_id: int, on: date | None = None) -> list[PlanToReprice]:
    """The operator's listed plans without a cap in force or above it on that day (its workbench lists them)."""
    on = on or exchange_today()
    products = session.execute(select(Product).where(Product.operator_id == operator_id,
                                                     Product.status == ProductStatus.LISTED)
                               .order_by(Product.id)).scalars().all()
    out = []
    for product in products:
        for plan in active_plans(session, product.id):
            problem = plan_problem(session, product, plan, on)
            if problem in (OffSale.NO_CAP, OffSale.ABOVE_CAP):
                cap = applicable_cap(session, product.id, plan.charge_form, today=on)
                out.append(PlanToReprice(product=product, plan=plan, reason=problem, cap=cap))
    return out
