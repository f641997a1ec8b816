"""R5 enforcement: when an agreement expires or is terminated its products leave the catalog,
entitlements end, API keys stop working and stored copies are marked for destruction (封存销毁)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.entitlements import end_entitlement
from marketplace.keys import revoke_api_key
from marketplace.models import (
    Agreement,
    AgreementStatus,
    ApiKey,
    ApiKeyStatus,
    Entitlement,
    EntitlementStatus,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
)
from marketplace.models.base import utcnow
from marketplace.supply.on_sale import refresh_sale_block
from marketplace.supply.search_hook import index

OFF_SALE = (ProductStatus.LISTED, ProductStatus.IN_REVIEW)


@dataclass
class EnforcementReport:
    """What one enforcement run changed."""

    agreements: int = 0
    products: int = 0
    entitlements: int = 0
    keys: int = 0


def _delist(session: Session, actor: Actor, product: Product, reason: str) -> None:
    before = product.status
    product.status, product.updated_at = ProductStatus.DELISTED, utcnow()
    pending = session.execute(select(ProductRevision).where(ProductRevision.product_id == product.id,
                                                            ProductRevision.status == RevisionStatus.SUBMITTED))
    for revision in pending.scalars():
        revision.status, revision.reject_reason = RevisionStatus.REJECTED, reason
    record_audit(session, actor=actor, action="product.delist", object_type="product", object_id=product.id,
                 org_id=product.operator_id, before={"status": before}, after={"status": "delisted", "reason": reason})
    index(session, product)


def _end_rights(session: Session, actor: Actor, product_ids: list[int], reason: str, report) -> None:
    if not product_ids:
        return
    ents = session.execute(select(Entitlement).where(Entitlement.product_id.in_(product_ids),
                                                     Entitlement.status == EntitlementStatus.ACTIVE)).scalars().all()
    for ent in ents:
        keys = session.execute(select(ApiKey).where(ApiKey.entitlement_id == ent.id,
                                                    ApiKey.status == ApiKeyStatus.ACTIVE)).scalars().all()
        for key in keys:
            revoke_api_key(session, actor=actor, key=key)
            report.keys += 1
        end_entitlement(session, actor=actor, entitlement=ent, reason=reason)
        report.entitlements += 1


def end_agreement(session: Session, *, actor: Actor, agreement: Agreement, status: AgreementStatus, reason: str,
                  report: EnforcementReport | None = None) -> EnforcementReport:
    """Expire or terminate one agreement with every consequence of R5. Caller commits."""
    report = report or EnforcementReport()
    before = agreement.status
    agreement.status, agreement.status_reason, agreement.ended_at = status, reason, utcnow()
    record_audit(session, actor=actor, action=f"agreement.{status.value}", object_type="agreement",
                 object_id=agreement.id, org_id=agreement.operator_id, before={"status": before},
                 after={"status": status, "reason": reason, "code": agreement.code})
    products = session.execute(select(Product).where(Product.agreement_id == agreement.id)).scalars().all()
    for product in products:
        if product.status in OFF_SALE:
            _delist(session, actor, product, reason)
            report.products += 1
    _end_rights(session, actor, [p.id for p in products], reason, report)
    record_audit(session, actor=actor, action="agreement.destruction_marked", object_type="agreement",
                 object_id=agreement.id, org_id=agreement.operator_id,
                 after={"note": "授权数据及其存储副本已标记封存销毁（封存销毁）", "code": agreement.code,
                        "products": [p.slug for p in products]})
    report.agreements += 1
    return report


def enforce_terms(session: Session, *, actor: Actor, today: date | None = None) -> EnforcementReport:
    """Expire every active agreement whose end date has passed, with all consequences; the caller commits."""
    today = today or exchange_today()
    report = EnforcementReport()
    due = session.execute(select(Agreement).where(Agreement.status == AgreementStatus.ACTIVE,
                                                  Agreement.end_date < today).order_by(Agreement.id)).scalars().all()
    for agreement in due:
        end_agreement(session, actor=actor, agreement=agreement, status=AgreementStatus.EXPIRED,
                      reason=f"协议已于 {agreement.end_date.isoformat()} 到期", report=report)
    refresh_listed(session, on=today)
    session.flush()
    return report


def refresh_listed(session: Session, *, on: date) -> int:
    """Store every listed product's sale block for that day (caps that start or trial caps that end on it, R3)."""
    changed = 0
    for product in session.execute(select(Product).where(Product.status == ProductStatus.LISTED)).scalars().all():
        before = product.sale_block
        changed += before != refresh_sale_block(session, product, on=on)
    return changed
