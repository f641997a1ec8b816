"""Entitlements: what a buyer organization may use, under a pinned plan version."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict
from marketplace.i18n_marker import N_
from marketplace.models import Entitlement, EntitlementStatus, PricePlan, Product, UseType
from marketplace.models.base import utcnow


def grant_entitlement(session: Session, *, actor: Actor, buyer_org_id: int, product: Product, plan: PricePlan,
                      use_type: UseType = UseType.INDUSTRY, order_id: int | None = None, source: str = "order",
                      ends_at: datetime | None = None, calls_total: int | None = None) -> Entitlement:
    """Record a right to use a product under a plan. Caller commits."""
    ent = Entitlement(buyer_org_id=buyer_org_id, product_id=product.id, plan_id=plan.id, order_id=order_id,
                      use_type=use_type, source=source, ends_at=ends_at, calls_total=calls_total)
    session.add(ent)
    session.flush()
    record_audit(session, actor=actor, action="entitlement.grant", object_type="entitlement", object_id=ent.id,
                 org_id=buyer_org_id, after={"product": product.slug, "plan": plan.id, "use": use_type,
                                             "source": source, "ends_at": ends_at, "calls": calls_total})
    return ent


def end_entitlement(session: Session, *, actor: Actor, entitlement: Entitlement, reason: str,
                    status: EntitlementStatus = EntitlementStatus.ENDED) -> Entitlement:
    """End a right (refund, agreement ended, revoked). Caller commits."""
    if entitlement.status != EntitlementStatus.ACTIVE:
        raise Conflict(N_("该权益已结束"))
    entitlement.status = status
    entitlement.ends_at = min(entitlement.ends_at or utcnow(), utcnow())
    record_audit(session, actor=actor, action=f"entitlement.{status.value}", object_type="entitlement",
                 object_id=entitlement.id, org_id=entitlement.buyer_org_id, before={"status": "active"},
                 after={"status": status, "reason": reason})
    return entitlement


def is_usable(entitlement: Entitlement, *, now: datetime | None = None) -> bool:
    """Active and inside its period."""
    now = now or utcnow()
    if entitlement.status != EntitlementStatus.ACTIVE:
        return False
    return entitlement.starts_at <= now and (entitlement.ends_at is None or now < entitlement.ends_at)
