"""Read-only lists for the order pages (buyer, seller, finance)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from marketplace.models import (
    ApiKey,
    Entitlement,
    Order,
    OrderLine,
    OrderStatus,
    Organization,
    PricePlan,
    Product,
)
from marketplace.supply.on_sale import plan_on_sale
from pricing import PlanTerms, is_quoted, terms_from_json

PAGE = 50


def buyer_orders(session: Session, buyer_org_id: int, *, status: str | None = None, page: int = 1):
    """The buyer's orders, newest first, with their first line's title."""
    query = select(Order).where(Order.buyer_org_id == buyer_org_id).order_by(Order.id.desc())
    if status in OrderStatus.__members__.values():
        query = query.where(Order.status == status)
    orders = session.execute(query.offset((page - 1) * PAGE).limit(PAGE)).scalars().all()
    return [(o, _first_title(session, o.id)) for o in orders]


def _first_title(session: Session, order_id: int) -> str:
    return session.execute(select(OrderLine.title).where(OrderLine.order_id == order_id)
                           .order_by(OrderLine.id).limit(1)).scalar() or ""


def seller_lines(session: Session, seller_org_id: int, *, status: str | None = None):
    """(line, order, buyer) for lines of products the organization operates or brokers, newest first."""
    query = (select(OrderLine, Order, Organization).join(Order, Order.id == OrderLine.order_id)
             .join(Organization, Organization.id == Order.buyer_org_id)
             .where(or_(OrderLine.operator_id == seller_org_id, OrderLine.broker_id == seller_org_id))
             .order_by(Order.id.desc()).limit(500))
    if status in OrderStatus.__members__.values():
        query = query.where(Order.status == status)
    return session.execute(query).all()


def approval_queue(session: Session, operator_org_id: int):
    """Public-use orders waiting for this operator's decision."""
    return session.execute(
        select(OrderLine, Order, Organization).join(Order, Order.id == OrderLine.order_id)
        .join(Organization, Organization.id == Order.buyer_org_id)
        .where(OrderLine.operator_id == operator_org_id, Order.status == OrderStatus.AWAITING_APPROVAL)
        .order_by(Order.id)).all()


def finance_orders(session: Session, *, status: str, q: str = ""):
    """Orders in a state with their buyer, searchable by number, bank reference or buyer name."""
    query = (select(Order, Organization).join(Organization, Organization.id == Order.buyer_org_id)
             .where(Order.status == status).order_by(Order.id.desc()).limit(200))
    q = (q or "").strip()
    if q:
        query = query.where(or_(Order.number.contains(q.upper()), Order.bank_reference == q.upper(),
                                Organization.name.contains(q)))
    return session.execute(query).all()


def buyer_entitlements(session: Session, buyer_org_id: int):
    """(entitlement, product, plan, keys, order number) of the buyer, newest first."""
    rows = session.execute(
        select(Entitlement, Product, PricePlan, Order.number).join(Product, Product.id == Entitlement.product_id)
        .join(PricePlan, PricePlan.id == Entitlement.plan_id).outerjoin(Order, Order.id == Entitlement.order_id)
        .where(Entitlement.buyer_org_id == buyer_org_id).order_by(Entitlement.id.desc())).all()
    keys = session.execute(select(ApiKey).where(ApiKey.buyer_org_id == buyer_org_id)
                           .order_by(ApiKey.id.desc())).scalars().all()
    by_ent: dict[int, list[ApiKey]] = {}
    for key in keys:
        by_ent.setdefault(key.entitlement_id, []).append(key)
    return [(e, p, plan, by_ent.get(e.id, []), number) for e, p, plan, number in rows]


def buyable_plans(session: Session, product_id: int) -> list[tuple[PricePlan, PlanTerms]]:
    """Active plans on sale with a public price (negotiated plans go through quotes; R3 via supply.on_sale)."""
    product = session.get(Product, product_id)
    plans = session.execute(select(PricePlan).where(PricePlan.product_id == product_id,
                                                    PricePlan.active.is_(True)).order_by(PricePlan.id)).scalars()
    return [(plan, terms_from_json(plan.terms)) for plan in plans
            if not is_quoted(plan.charge_form) and plan_on_sale(session, product, plan)]
