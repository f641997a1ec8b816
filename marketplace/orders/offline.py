"""Offline (contract) delivery: the operator records what it handed over, the buyer confirms receipt.

Use cases flush; the request boundary commits. The order becomes 已交付 only when the buyer has confirmed
every offline line (and every other line is delivered too), see fulfilment.mark_delivered_if_complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as today_local
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderLine, OrderStatus, Organization, Product
from marketplace.models.base import utcnow
from marketplace.models.delivery import OfflineDelivery, OfflineDeliveryStatus
from marketplace.orders.common import OrderError
from marketplace.orders.fulfilment import mark_delivered_if_complete

METHOD_MAX, REFERENCE_MAX, NOTE_MAX = 100, 100, 1000


@dataclass(frozen=True)
class OfflineDeliveryIn:
    """What the operator enters when it records a delivery."""

    method: str
    delivered_on: date | None
    reference: str = ""
    note: str = ""


@dataclass(frozen=True)
class OfflineLine:
    """A paid order line of an offline product, with its delivery record if any."""

    line: OrderLine
    order: Order
    product: Product
    buyer: Organization
    record: OfflineDelivery | None


def _text(value: str, *, field: str, message: str, max_len: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise OrderError(message, field=field)
    if len(text) > max_len:
        raise OrderError(N_("%(message)s（最多 %(max_len)s 个字，现在 %(length)s 个）"),
                         params={"message": message, "max_len": max_len, "length": len(text)}, field=field)
    return text


def _check_input(data: OfflineDeliveryIn, order: Order) -> OfflineDeliveryIn:
    method = _text(data.method, field="method", message="请填写交付方式", max_len=METHOD_MAX, required=True)
    reference = _text(data.reference, field="reference", message="交付单号或合同编号过长", max_len=REFERENCE_MAX)
    note = _text(data.note, field="note", message="交付说明过长", max_len=NOTE_MAX)
    if data.delivered_on is None:
        raise OrderError(N_("请填写交付日期"), field="delivered_on")
    if data.delivered_on > today_local():
        raise OrderError(N_("交付日期不能晚于今天"), field="delivered_on")
    paid_on = order.paid_at.date() if order.paid_at else None
    if paid_on and data.delivered_on < paid_on:
        raise OrderError(N_("交付日期不能早于付款日期 %(paid_on)s"), params={"paid_on": paid_on}, field="delivered_on")
    return OfflineDeliveryIn(method=method, delivered_on=data.delivered_on, reference=reference, note=note)


def _seller_line(session: Session, line_id: int, operator_org_id: int) -> tuple[OrderLine, Order, Product]:
    line = session.get(OrderLine, line_id)
    if line is None or line.operator_id != operator_org_id:
        raise NotFound(N_("订单不存在"))
    order, product = session.get(Order, line.order_id), session.get(Product, line.product_id)
    if not product.offline_delivery:
        raise Conflict(N_("该产品不是线下交付产品"))
    if order.status not in (OrderStatus.PAID, OrderStatus.DELIVERED):
        raise Conflict(N_("订单 %(number)s 尚未付款或已关闭，不能登记交付"), params={"number": order.number})
    return line, order, product


def record_offline_delivery(
    session: Session, *, actor: Actor, operator_org_id: int, line_id: int, data: OfflineDeliveryIn
) -> OfflineDelivery:
    """Record (or, until the buyer confirms, correct) the offline delivery of one paid order line."""
    line, order, product = _seller_line(session, line_id, operator_org_id)
    data = _check_input(data, order)
    record = session.execute(select(OfflineDelivery).where(OfflineDelivery.order_line_id == line.id)).scalar()
    if record is not None and record.status == OfflineDeliveryStatus.CONFIRMED:
        raise Conflict(N_("买方已确认收货，不能再修改交付记录"))
    if record is None:
        record = OfflineDelivery(
            order_id=order.id,
            order_line_id=line.id,
            product_id=product.id,
            operator_id=operator_org_id,
            buyer_org_id=order.buyer_org_id,
            method=data.method,
            delivered_on=data.delivered_on,
        )
        session.add(record)
    record.method, record.reference, record.note = data.method, data.reference, data.note
    record.delivered_on, record.recorded_by_id, record.recorded_at = data.delivered_on, actor.user_id, utcnow()
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="offline_delivery.record",
        object_type="order",
        object_id=order.id,
        org_id=operator_org_id,
        after={
            "line": line.id,
            "product": product.slug,
            "method": data.method,
            "reference": data.reference,
            "delivered_on": data.delivered_on,
        },
    )
    return record


def confirm_offline_receipt(session: Session, *, actor: Actor, buyer_org_id: int, delivery_id: int) -> OfflineDelivery:
    """The buyer confirms it received an offline delivery; the order is delivered once nothing is missing."""
    record = session.get(OfflineDelivery, delivery_id)
    if record is None or record.buyer_org_id != buyer_org_id:
        raise NotFound(N_("交付记录不存在"))
    if record.status == OfflineDeliveryStatus.CONFIRMED:
        raise Conflict(N_("已确认收货"))
    order = session.get(Order, record.order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.DELIVERED):
        raise Conflict(N_("订单 %(number)s 已关闭，不能确认收货"), params={"number": order.number})
    record.status = OfflineDeliveryStatus.CONFIRMED
    record.confirmed_by_id, record.confirmed_at = actor.user_id, utcnow()
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="offline_delivery.confirm",
        object_type="order",
        object_id=order.id,
        org_id=buyer_org_id,
        before={"status": OfflineDeliveryStatus.RECORDED},
        after={"line": record.order_line_id, "status": record.status},
    )
    mark_delivered_if_complete(session, actor=actor, order=order)
    return record


def order_offline_records(session: Session, order_id: int) -> dict[int, OfflineDelivery]:
    """The offline delivery records of an order by line id."""
    rows = session.execute(select(OfflineDelivery).where(OfflineDelivery.order_id == order_id)).scalars()
    return {r.order_line_id: r for r in rows}


def operator_offline_lines(session: Session, operator_org_id: int) -> list[OfflineLine]:
    """Paid lines of the operator's offline products, those still to deliver or confirm first."""
    rows = session.execute(
        select(OrderLine, Order, Product, Organization, OfflineDelivery)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Organization, Organization.id == Order.buyer_org_id)
        .outerjoin(OfflineDelivery, OfflineDelivery.order_line_id == OrderLine.id)
        .where(
            OrderLine.operator_id == operator_org_id,
            Product.offline_delivery.is_(True),
            Order.status.in_([OrderStatus.PAID, OrderStatus.DELIVERED]),
        )
        .order_by(Order.paid_at.desc(), OrderLine.id)
    ).all()
    lines = [OfflineLine(line=li, order=o, product=p, buyer=b, record=r) for li, o, p, b, r in rows]
    order = {None: 0, OfflineDeliveryStatus.RECORDED: 1, OfflineDeliveryStatus.CONFIRMED: 2}
    return sorted(lines, key=lambda x: order[x.record.status if x.record else None])
