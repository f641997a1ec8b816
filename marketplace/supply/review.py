"""Review: the queue of submitted revisions, the diff against the listed one, approve or reject."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.i18n_marker import N_
from marketplace.models import PricePlan, Product, ProductRevision, ProductStatus, RevisionStatus
from marketplace.models.base import utcnow
from marketplace.supply.checks import raise_if_failed, run_checks
from marketplace.supply.content import CONTENT_FIELDS
from marketplace.supply.errors import Conflict, NotFound
from marketplace.supply.listing import apply_content, revision_content
from marketplace.supply.notices import notify_listing_decision
from marketplace.supply.on_sale import refresh_sale_block
from marketplace.supply.search_hook import index
from marketplace.supply.util import require_text
from pricing import lowest_entry_price_fen, terms_from_json


def review_queue(session: Session) -> list[tuple[ProductRevision, Product]]:
    """Submitted revisions, oldest first."""
    rows = session.execute(select(ProductRevision, Product).join(Product, Product.id == ProductRevision.product_id)
                           .where(ProductRevision.status == RevisionStatus.SUBMITTED)
                           .order_by(ProductRevision.submitted_at, ProductRevision.id)).all()
    return [(r, p) for r, p in rows]


def get_revision(session: Session, revision_id: int) -> ProductRevision:
    """A revision or NotFound."""
    revision = session.get(ProductRevision, revision_id)
    if revision is None:
        raise NotFound(N_("版本不存在"))
    return revision


def listed_revision(session: Session, product_id: int) -> ProductRevision | None:
    """The approved revision currently on sale."""
    return session.execute(select(ProductRevision).where(ProductRevision.product_id == product_id,
                                                         ProductRevision.status == RevisionStatus.APPROVED)
                           .order_by(ProductRevision.number.desc()).limit(1)).scalar_one_or_none()


def diff_revision(session: Session, revision: ProductRevision) -> list[dict]:
    """Changed fields against the listed revision: {field, before, after} as text, old/new as stored values.

    Everything is "changed" when the product is listed for the first time (old is None then)."""
    new = revision_content(revision)
    base = listed_revision(session, revision.product_id)
    old = revision_content(base) if base and base.id != revision.id else {}
    out = []
    for name in (*CONTENT_FIELDS, "plans"):
        before, after = old.get(name), new.get(name)
        if before != after:
            out.append({"field": name, "before": _show(before), "after": _show(after), "old": before, "new": after})
    return out


def _show(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def _replace_plans(session: Session, product: Product, plans: list[dict]) -> None:
    old = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()
    version = max((p.version for p in old), default=0) + 1
    for plan in old:
        plan.active = False  # entitlements keep pointing at the version they bought
    for plan in plans:
        terms = {k: v for k, v in plan.items() if k != "name"}
        session.add(PricePlan(product_id=product.id, name=plan["name"], charge_form=plan["form"],
                              terms=json.dumps(terms, ensure_ascii=False), version=version))


def _load_submitted(session: Session, revision_id: int) -> tuple[ProductRevision, Product]:
    revision = get_revision(session, revision_id)
    if revision.status != RevisionStatus.SUBMITTED:
        raise Conflict(N_("该版本不在待审核状态"))
    return revision, session.get(Product, revision.product_id)


def approve_revision(session: Session, *, actor: Actor, revision_id: int, today: date | None = None) -> Product:
    """Re-run the checks, then put the revision on sale: fields, plans and minimum price."""
    today = today or exchange_today()
    revision, product = _load_submitted(session, revision_id)
    content = revision_content(revision)
    raise_if_failed(run_checks(session, product=product, content=content, plans=content["plans"], today=today))
    previous = listed_revision(session, product.id)
    if previous is not None:
        previous.status = RevisionStatus.SUPERSEDED
    apply_content(product, content)
    _replace_plans(session, product, content["plans"])
    session.flush()
    plans = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()
    product.min_price_fen = lowest_entry_price_fen(terms_from_json(p.terms) for p in plans if p.active)
    product.status, product.listed_at = ProductStatus.LISTED, product.listed_at or utcnow()
    refresh_sale_block(session, product, on=today)
    revision.status, revision.reviewer_id, revision.reviewed_at = RevisionStatus.APPROVED, actor.user_id, utcnow()
    session.flush()
    record_audit(session, actor=actor, action="product.approve", object_type="product", object_id=product.id,
                 org_id=product.operator_id, after={"revision": revision.number, "status": "listed",
                                                    "min_price_fen": product.min_price_fen})
    notify_listing_decision(session, product=product, revision=revision)
    index(session, product)
    session.flush()
    return product


def reject_revision(session: Session, *, actor: Actor, revision_id: int, reason: str) -> ProductRevision:
    """Send a revision back with a reason the lister sees; a listed product stays on sale."""
    revision, product = _load_submitted(session, revision_id)
    reason = require_text(reason, "reason", "驳回原因", 1000)
    revision.status, revision.reject_reason = RevisionStatus.REJECTED, reason
    revision.reviewer_id, revision.reviewed_at = actor.user_id, utcnow()
    if product.status != ProductStatus.LISTED:
        product.status = ProductStatus.REJECTED
    record_audit(session, actor=actor, action="product.reject", object_type="product", object_id=product.id,
                 org_id=product.operator_id, after={"revision": revision.number, "reason": reason})
    notify_listing_decision(session, product=product, revision=revision)
    session.flush()
    return revision
