"""Access applications for conditional (有条件开放) products: the buyer applies, the operator decides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.demand.common import (
    DemandError,
    clean_text,
    get_listed_product,
    parse_use_type,
    require_verified_buyer,
)
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Openness, Organization, Product, User
from marketplace.models.base import utcnow
from marketplace.models.demand import AccessApplication, ApplicationStatus
from marketplace.notifications import Notice, notify

PURPOSE_MAX = 2000
REASON_MAX = 1000


def has_approved_access(session: Session, *, buyer_org_id: int, product_id: int) -> bool:
    """True when the product is unconditional, or the buyer holds an approved application for it."""
    product = session.get(Product, product_id)
    if product is None:
        return False
    if product.openness != Openness.CONDITIONAL:
        return True
    return approved_application(session, buyer_org_id=buyer_org_id, product_id=product_id) is not None


def approved_application(session: Session, *, buyer_org_id: int, product_id: int) -> AccessApplication | None:
    """The buyer's latest approved application for the product, if any."""
    return session.execute(
        select(AccessApplication)
        .where(AccessApplication.buyer_org_id == buyer_org_id, AccessApplication.product_id == product_id,
               AccessApplication.status == ApplicationStatus.APPROVED)
        .order_by(AccessApplication.id.desc()).limit(1)
    ).scalar_one_or_none()


def own_application(session: Session, *, buyer_org_id: int, product_id: int) -> AccessApplication | None:
    """The buyer's application for the product that tells where it stands: approved, else pending, else declined."""
    rank = {ApplicationStatus.APPROVED: 0, ApplicationStatus.PENDING: 1, ApplicationStatus.DECLINED: 2}
    rows = session.execute(
        select(AccessApplication)
        .where(AccessApplication.buyer_org_id == buyer_org_id, AccessApplication.product_id == product_id,
               AccessApplication.status.in_(list(rank)))
        .order_by(AccessApplication.id.desc())
    ).scalars().all()
    return min(rows, key=lambda a: rank[a.status], default=None)


def _pending_key(buyer_org_id: int, product_id: int) -> str:
    return f"{buyer_org_id}:{product_id}"


def apply_for_access(session: Session, *, actor: Actor, slug: str, use_type: str, purpose: str,
                     scenario: str) -> AccessApplication:
    """Submit an application for a conditional product (one pending per buyer and product)."""
    org = require_verified_buyer(session, actor)
    product = get_listed_product(session, slug)
    if product.openness != Openness.CONDITIONAL:
        raise DemandError(N_("该产品无条件开放，无需申请，可直接购买"))
    use = parse_use_type(use_type)
    purpose = clean_text(purpose, field="purpose", label="用途说明", max_len=PURPOSE_MAX)
    scenario = clean_text(scenario, field="scenario", label="应用场景", max_len=PURPOSE_MAX)
    if approved_application(session, buyer_org_id=org.id, product_id=product.id):
        raise Conflict(N_("贵单位已获准使用该产品，无需重复申请"))
    app = AccessApplication(product_id=product.id, buyer_org_id=org.id, user_id=actor.user_id, use_type=use,
                            purpose=purpose, scenario=scenario,
                            pending_key=_pending_key(org.id, product.id))
    try:
        with session.begin_nested():
            session.add(app)
            session.flush()
    except IntegrityError:
        raise Conflict(N_("贵单位已有一份待审核的申请，请等待运营单位处理")) from None
    record_audit(session, actor=actor, action="application.submit", object_type="access_application",
                 object_id=app.id, org_id=org.id,
                 after={"product": product.slug, "use_type": use, "status": app.status})
    session.flush()
    return app


def get_application_for_seller(session: Session, *, actor: Actor, application_id: int) -> AccessApplication:
    """An application for one of the actor's organization's products, else NotFound."""
    app = session.get(AccessApplication, application_id)
    product = session.get(Product, app.product_id) if app else None
    if app is None or product is None or product.operator_id != actor.org_id:
        raise NotFound(N_("申请不存在"))
    return app


def get_application_for_buyer(session: Session, *, actor: Actor, application_id: int) -> AccessApplication:
    """One of the actor's organization's applications, else NotFound."""
    app = session.get(AccessApplication, application_id)
    if app is None or app.buyer_org_id != actor.org_id:
        raise NotFound(N_("申请不存在"))
    return app


def decide_application(session: Session, *, actor: Actor, application_id: int, approve: bool,
                       reason: str = "") -> AccessApplication:
    """The operator approves or declines a pending application; a decline needs a reason."""
    app = get_application_for_seller(session, actor=actor, application_id=application_id)
    if app.status != ApplicationStatus.PENDING:
        raise Conflict(N_("该申请已处理，不能重复审批"))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DemandError(N_("拒绝申请时必须填写原因（将告知申请方）"), field="reason")
    if len(reason) > REASON_MAX:
        raise DemandError(N_("原因不能超过 %(REASON_MAX)s 个字符"), params={"REASON_MAX": REASON_MAX}, field="reason")
    app.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.DECLINED
    app.decision_reason, app.pending_key = reason, None
    app.decided_by_id, app.decided_at = actor.user_id, utcnow()
    record_audit(session, actor=actor, action=f"application.{app.status.value}",
                 object_type="access_application", object_id=app.id, org_id=app.buyer_org_id,
                 before={"status": ApplicationStatus.PENDING}, after={"status": app.status, "reason": reason})
    notify(session, Notice(f"application_{app.status.value}", (app.buyer_org_id,), {
        "product": session.get(Product, app.product_id).title, "reason": reason},
        subject_type="application", subject_id=app.id))
    session.flush()
    return app


def withdraw_application(session: Session, *, actor: Actor, application_id: int) -> AccessApplication:
    """The buyer withdraws its own pending application."""
    app = get_application_for_buyer(session, actor=actor, application_id=application_id)
    if app.status != ApplicationStatus.PENDING:
        raise Conflict(N_("只有待审核的申请可以撤回"))
    app.status, app.pending_key = ApplicationStatus.WITHDRAWN, None
    record_audit(session, actor=actor, action="application.withdraw", object_type="access_application",
                 object_id=app.id, before={"status": ApplicationStatus.PENDING}, after={"status": app.status})
    session.flush()
    return app


def list_buyer_applications(session: Session, *, org_id: int) -> list[tuple[AccessApplication, Product]]:
    """The buyer organization's applications, newest first, with their products."""
    return list(session.execute(
        select(AccessApplication, Product).join(Product, Product.id == AccessApplication.product_id)
        .where(AccessApplication.buyer_org_id == org_id).order_by(AccessApplication.id.desc())
    ).all())


def list_incoming_applications(session: Session, *, org_id: int,
                               status: str | None = None) -> list[tuple[AccessApplication, Product]]:
    """Applications for the operator's products, pending first, newest first."""
    query = (select(AccessApplication, Product).join(Product, Product.id == AccessApplication.product_id)
             .where(Product.operator_id == org_id))
    if status:
        query = query.where(AccessApplication.status == status)
    rows = session.execute(query.order_by(AccessApplication.id.desc())).all()
    return sorted(rows, key=lambda r: r[0].status != ApplicationStatus.PENDING)


def application_detail(session: Session, app: AccessApplication) -> dict:
    """The product, the applicant organization and user, and the pair's earlier applications."""
    earlier = session.execute(
        select(AccessApplication).where(AccessApplication.buyer_org_id == app.buyer_org_id,
                                        AccessApplication.product_id == app.product_id,
                                        AccessApplication.id != app.id)
        .order_by(AccessApplication.id.desc())
    ).scalars().all()
    return {"product": session.get(Product, app.product_id), "buyer": session.get(Organization, app.buyer_org_id),
            "applicant": session.get(User, app.user_id), "earlier": list(earlier)}


__all__ = [
    "application_detail", "apply_for_access", "approved_application", "decide_application",
    "get_application_for_buyer", "get_application_for_seller", "has_approved_access", "list_buyer_applications",
    "list_incoming_applications", "withdraw_application",
]
