"""Notifications of the supply side: review decisions, cap changes, agreements nearing their end."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace.models import (
    Agreement,
    AgreementStatus,
    CapPrice,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
)
from marketplace.notifications import Notice, notify, notify_all
from marketplace.supply.caps import cap_problem
from marketplace.supply.on_sale import active_plans, plan_terms
from pricing import CHARGE_FORM_LABELS, ChargeForm, format_unit_price

ENDING_THRESHOLDS = (7, 30, 60)  # days before an agreement's end date; each told once


def _listers(product: Product) -> tuple[int, ...]:
    """The organizations that keep a listing: its operator, and its broker when a broker lists it."""
    return tuple(o for o in (product.operator_id, product.broker_id) if o is not None)


def notify_listing_decision(session: Session, *, product: Product, revision: ProductRevision) -> int:
    """Tell the listing's operator (and broker) that a revision was approved or rejected."""
    approved = revision.status == RevisionStatus.APPROVED
    params = {"product": product.title, "revision": revision.number}
    if not approved:
        params["reason"] = revision.reject_reason
    return notify(session, Notice("listing_approved" if approved else "listing_rejected", _listers(product),
                                  params, subject_type="product", subject_id=product.id))


def notify_cap_change(session: Session, *, product: Product, cap: CapPrice, effective_on: date) -> int:
    """Tell the listing's operator (and broker) about a new cap on a listed product, and how many of its active
    plans the cap puts above it (a draft's first caps are part of preparing it, not news)."""
    if product.status != ProductStatus.LISTED:
        return 0
    form = ChargeForm(cap.charge_form)
    above = sum(1 for plan in active_plans(session, product.id)
                if (terms := plan_terms(plan)) is not None and terms.form is form
                and cap_problem(terms, cap) == "above_cap")
    params = {"product": product.title, "form_label": CHARGE_FORM_LABELS[form], "cap": format_unit_price(cap.cap_fen),
              "effective_on": effective_on.isoformat(), "plans": above}
    return notify(session, Notice("cap_above_plans" if above else "cap_changed", _listers(product), params,
                                  subject_type="product", subject_id=product.id))


def _threshold(days_left: int) -> int | None:
    """The nearest threshold not yet passed (7 at 5 days left, 30 at 20); None beyond the furthest."""
    return next((t for t in sorted(ENDING_THRESHOLDS) if days_left <= t), None) if days_left >= 0 else None


def notify_agreements_ending(session: Session, *, today: date) -> int:
    """Tell operator and authority of each active agreement 60, 30 and 7 days before its end (each once)."""
    rows = session.execute(select(Agreement).where(
        Agreement.status == AgreementStatus.ACTIVE, Agreement.end_date >= today,
        Agreement.end_date <= today + timedelta(days=max(ENDING_THRESHOLDS))).order_by(Agreement.id)).scalars()
    notices = []
    for a in rows:
        days_left = (a.end_date - today).days
        threshold = _threshold(days_left)
        notices.append(Notice("agreement_ending", (a.operator_id, a.authority_id),
                              {"title": a.title, "code": a.code, "end": a.end_date.isoformat(), "days": days_left},
                              subject_type="agreement", subject_id=a.id,
                              dedupe_key=f"agreement_end:{a.id}:{a.end_date.isoformat()}:{threshold}"))
    return notify_all(session, notices)
