"""Public-use orders (R1): the operator of the product approves (free entitlement) or declines with a reason."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderLine, OrderStatus
from marketplace.models.base import utcnow
from marketplace.orders.common import OrderError, get_order, order_summary
from marketplace.orders.fulfilment import fulfil_order


def _own_pending(session: Session, order_id: int, operator_org_id: int) -> Order:
    order = get_order(session, order_id, lock=True)
    owned = session.execute(select(OrderLine.id).where(OrderLine.order_id == order.id,
                                                       OrderLine.operator_id == operator_org_id)).first()
    if owned is None:
        raise NotFound(N_("订单不存在"))
    if order.status != OrderStatus.AWAITING_APPROVAL:
        raise Conflict(N_("订单 %(number)s 不在待审核状态"), params={"number": order.number})
    return order


def approve_public_use(session: Session, *, actor: Actor, order_id: int, operator_org_id: int) -> Order:
    """Approve a free public-use order: the buyer gets a free entitlement at once."""
    order = _own_pending(session, order_id, operator_org_id)
    record_audit(session, actor=actor, action="order.approve_public_use", object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, before={"status": order.status}, after=order_summary(order))
    order.status, order.paid_at = OrderStatus.PAID, utcnow()
    fulfil_order(session, actor=actor, order=order)
    session.flush()
    return order


def decline_public_use(session: Session, *, actor: Actor, order_id: int, operator_org_id: int,
                       reason: str) -> Order:
    """Decline a public-use order with a reason the buyer sees."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise OrderError(N_("驳回时必须填写原因（买方可见）"), field="reason")
    order = _own_pending(session, order_id, operator_org_id)
    before = order.status
    order.status, order.closed_at, order.note = OrderStatus.CANCELLED, utcnow(), f"公益用途申请未通过：{reason}"[:500]
    record_audit(session, actor=actor, action="order.decline_public_use", object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, before={"status": before},
                 after={**order_summary(order), "reason": reason})
    session.flush()
    return order
