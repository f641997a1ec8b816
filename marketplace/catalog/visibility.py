"""R5 at read time: which products the public may see, and the lowest public price of a product."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select
from sqlmodel import Session

from marketplace.clock import today
from marketplace.models import Agreement, AgreementStatus, PricePlan, Product, ProductStatus
from pricing import InvalidPlan, PlanTerms, lowest_entry_price_fen, terms_from_json


def live_agreements(on: date | None = None):
    """A subquery of the ids of agreements active and in term on that day."""
    on = on or today()
    return select(Agreement.id).where(Agreement.status == AgreementStatus.ACTIVE,
                                      Agreement.start_date <= on, Agreement.end_date >= on)


def visible_clause(on: date | None = None):
    """SQL condition: the product is listed under an agreement active and in term."""
    return and_(Product.status == ProductStatus.LISTED, Product.agreement_id.in_(live_agreements(on)))


def is_visible(session: Session, product: Product | None, on: date | None = None) -> bool:
    """True when this product may be shown to the public right now."""
    if product is None or product.status != ProductStatus.LISTED:
        return False
    agreement = session.get(Agreement, product.agreement_id)
    on = on or today()
    return bool(agreement and agreement.status == AgreementStatus.ACTIVE
                and agreement.start_date <= on <= agreement.end_date)


def plan_terms(plan: PricePlan) -> PlanTerms | None:
    """The plan's stored terms, or None when they cannot be read."""
    try:
        return terms_from_json(plan.terms)
    except InvalidPlan:  # a broken stored plan must not break the page
        return None


def lowest_price_fen(plans: list[PricePlan]) -> int | None:
    """The lowest entry price among active plans, None when none has a public price."""
    return lowest_entry_price_fen(t for p in plans if p.active and (t := plan_terms(p)) is not None)
