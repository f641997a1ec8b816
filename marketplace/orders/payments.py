"""Payments, refunds and cancellations of orders; each idempotent where it can be retried."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderStatus, PaymentMethod
from marketplace.models.base import utcnow
from marketplace.models.payments import Payment, PaymentKind
from marketplace.orders.common import OrderError, get_order, order_summary
from marketplace.orders.fulfilment import fulfil_order, withdraw_order_rights
from pricing import format_fen

PAID_STATES = (OrderStatus.PAID, OrderStatus.DELIVERED)
OPEN_STATES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.AWAITING_APPROVAL)


def _payment_by_external_id(session: Session, external_id: str) -> Payment | None:
    return session.execute(select(Payment).where(Payment.external_id == external_id)).scalar_one_or_none()


def _check_external_id(external_id: str) -> str:
    text = (external_id or "").strip()
    if not text or len(text) > 120:
        raise OrderError(N_("请填写银行流水号或支付单号（不超过 120 个字符）"), field="external_id")
    return text


def record_payment(session: Session, *, actor: Actor, order_id: int, method: str, amount_fen: int,
                   external_id: str) -> Order:
    """Record money received for an order, then fulfil it; the same external id twice changes nothing."""
    external_id = _check_external_id(external_id)
    seen = _payment_by_external_id(session, external_id)
    if seen is not None:
        if seen.order_id != order_id:
            raise Conflict(N_("该流水号已用于其他订单"), field="external_id")
        return get_order(session, order_id)
    order = get_order(session, order_id, lock=True)
    _check_payable(order, amount_fen)
    payment = Payment(order_id=order.id, kind=PaymentKind.PAYMENT, method=PaymentMethod(method),
                      amount_fen=amount_fen, external_id=external_id, recorded_by_id=actor.user_id)
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:  # the same receipt recorded concurrently (the savepoint is rolled back)
        return get_order(session, order_id)
    before = order.status
    order.status, order.paid_at, order.payment_method = OrderStatus.PAID, utcnow(), PaymentMethod(method)
    record_audit(session, actor=actor, action="order.pay", object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, before={"status": before},
                 after={**order_summary(order), "method": method, "external_id": external_id})
    fulfil_order(session, actor=actor, order=order)
    session.flush()
    return order


def _check_payable(order: Order, amount_fen) -> None:
    if order.status in PAID_STATES:
        raise Conflict(N_("订单 %(number)s 已支付，不能重复收款"), params={"number": order.number})
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise Conflict(N_("订单 %(number)s 当前状态不能收款"), params={"number": order.number})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen != order.total_fen:
        raise OrderError(N_("到账金额与订单应付金额 %(amount)s 不一致，不能确认收款"),
                         params={"amount": format_fen(order.total_fen)}, field="amount")


def record_refund(session: Session, *, actor: Actor, order_id: int, external_id: str | None = None,
                  reason: str) -> Order:
    """Refund a paid order in full: end its entitlements, revoke its keys, mark it refunded."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(N_("请填写退款原因"), field="reason")
    order = get_order(session, order_id, lock=True)
    if external_id and _payment_by_external_id(session, external_id) is not None:
        return order  # this refund was recorded already (webhook replay)
    if order.status == OrderStatus.REFUNDED and external_id:
        return order  # refunded here first, the gateway's notice arrives afterwards
    if order.status not in PAID_STATES:
        raise Conflict(N_("订单 %(number)s 未支付或已退款，不能退款"), params={"number": order.number})
    if order.total_fen > 0:
        session.add(Payment(order_id=order.id, kind=PaymentKind.REFUND, method=order.payment_method,
                            amount_fen=-order.total_fen, external_id=external_id or f"refund:{order.number}",
                            recorded_by_id=actor.user_id, note=reason[:500]))
    withdraw_order_rights(session, actor=actor, order=order, reason=f"退款：{reason}")
    _close(session, actor=actor, order=order, status=OrderStatus.REFUNDED, reason=reason, action="order.refund")
    session.flush()
    return order


def cancel_order(session: Session, *, actor: Actor, order_id: int, reason: str,
                 buyer_org_id: int | None = None) -> Order:
    """Cancel an unpaid order (finance, or the buyer itself when buyer_org_id is given)."""
    order = get_order(session, order_id, lock=True)
    if buyer_org_id is not None and order.buyer_org_id != buyer_org_id:
        raise NotFound(N_("订单不存在"))
    if order.status not in OPEN_STATES:
        raise Conflict(N_("订单 %(number)s 已支付或已关闭，不能取消"), params={"number": order.number})
    reason = (reason or "").strip() or "买方取消"
    _close(session, actor=actor, order=order, status=OrderStatus.CANCELLED, reason=reason, action="order.cancel")
    session.flush()
    return order


def _close(session: Session, *, actor: Actor, order: Order, status: OrderStatus, reason: str, action: str) -> None:
    before = order.status
    order.status, order.closed_at, order.note = status, utcnow(), reason[:500]
    record_audit(session, actor=actor, action=action, object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, before={"status": before},
                 after={**order_summary(order), "reason": reason})


def payments_of(session: Session, order_id: int) -> list[Payment]:
    """Payments and refunds recorded for an order, oldest first."""
    return list(session.execute(select(Payment).where(Payment.order_id == order_id)
                                .order_by(Payment.id)).scalars())
