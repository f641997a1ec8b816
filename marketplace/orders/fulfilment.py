"""Fulfilment: turn a paid (or approved free) order into entitlements; delivery files follow lazily."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.entitlements import end_entitlement, grant_entitlement
from marketplace.keys import revoke_api_key
from marketplace.models import (
    ApiKey,
    ApiKeyStatus,
    Entitlement,
    EntitlementStatus,
    Order,
    OrderLine,
    OrderStatus,
    PricePlan,
    Product,
    UseType,
)
from marketplace.models.base import utcnow
from marketplace.models.delivery import OfflineDelivery, OfflineDeliveryStatus
from marketplace.orders.common import order_lines
from marketplace.supply.deliverability import FILE_TYPES, KEYED_TYPES, has_definition, has_files
from pricing import ChargeForm, terms_from_json


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (clamped to the month's last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _entitlement_terms(plan: PricePlan, quantity: int, start: datetime) -> tuple[datetime | None, int | None]:
    """(ends_at, calls_total) for a line: subscriptions run quantity × period, prepaid packs add up calls."""
    terms = terms_from_json(plan.terms)
    if terms.period_months:
        return add_months(start, terms.period_months * quantity), None
    if terms.form is ChargeForm.PREPAID_CALLS:
        return None, terms.package_calls * quantity
    return None, None


__all__ = ["FILE_TYPES", "KEYED_TYPES", "fulfil_order", "line_delivered", "mark_delivered_if_complete"]


def line_delivered(session: Session, line: OrderLine, product: Product) -> bool:
    """Delivery really happened: files to download, an API that answers, or an offline delivery confirmed."""
    if product.offline_delivery:
        record = session.execute(select(OfflineDelivery).where(OfflineDelivery.order_line_id == line.id)).scalar()
        return record is not None and record.status == OfflineDeliveryStatus.CONFIRMED
    if product.type in FILE_TYPES:
        return has_files(session, product.id)
    return has_definition(session, product.id)


def mark_delivered_if_complete(session: Session, *, actor: Actor, order: Order) -> bool:
    """Mark a paid order 已交付 once every line is delivered; True when it is (now or already)."""
    if order.status == OrderStatus.DELIVERED:
        return True
    if order.status != OrderStatus.PAID:
        return False
    if not all(line_delivered(session, line, product) for line, product in line_products(session, order)):
        return False
    order.status, order.delivered_at = OrderStatus.DELIVERED, utcnow()
    session.flush()
    record_audit(session, actor=actor, action="order.deliver", object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, before={"status": OrderStatus.PAID}, after={"status": order.status})
    return True


def fulfil_order(session: Session, *, actor: Actor, order: Order) -> Order:
    """Grant one entitlement per line; the order is delivered only when every line really is. Caller commits."""
    now = utcnow()
    for line in order_lines(session, order.id):
        product = session.get(Product, line.product_id)
        plan = session.get(PricePlan, line.plan_id)
        ends_at, calls = _entitlement_terms(plan, line.quantity, now)
        grant_entitlement(session, actor=actor, buyer_org_id=order.buyer_org_id, product=product, plan=plan,
                          use_type=order.use_type, order_id=order.id, ends_at=ends_at, calls_total=calls,
                          source="public" if order.use_type == UseType.PUBLIC else "order")
    order.status, order.paid_at = OrderStatus.PAID, order.paid_at or now
    mark_delivered_if_complete(session, actor=actor, order=order)
    return order


def withdraw_order_rights(session: Session, *, actor: Actor, order: Order, reason: str) -> None:
    """End the order's active entitlements and revoke their API keys. Caller commits."""
    ents = session.execute(select(Entitlement).where(Entitlement.order_id == order.id,
                                                     Entitlement.status == EntitlementStatus.ACTIVE)).scalars()
    for ent in list(ents):
        keys = session.execute(select(ApiKey).where(ApiKey.entitlement_id == ent.id,
                                                    ApiKey.status == ApiKeyStatus.ACTIVE)).scalars()
        for key in list(keys):
            revoke_api_key(session, actor=actor, key=key)
        end_entitlement(session, actor=actor, entitlement=ent, reason=reason)


def line_products(session: Session, order: Order) -> list[tuple[OrderLine, Product]]:
    """Each line of the order with its product."""
    return [(line, session.get(Product, line.product_id)) for line in order_lines(session, order.id)]
