"""Shared helpers of the orders package: errors, lookups, local dates."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.errors import DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderLine
from marketplace.models.accounts import TaxpayerKind
from pricing import VAT_GENERAL_BPS, VAT_SMALL_SCALE_BPS


class OrderError(DomainError):
    """An order rule was broken (bad input or a state that forbids the step)."""


def vat_rate_bps(taxpayer_kind: str) -> int:
    """VAT rate for a taxpayer kind (R7: general 6%, small-scale 1%)."""
    return VAT_SMALL_SCALE_BPS if taxpayer_kind == TaxpayerKind.SMALL else VAT_GENERAL_BPS


def get_order(session: Session, order_id: int, *, lock: bool = False) -> Order:
    """The order or NotFound; `lock` takes a row lock on PostgreSQL (SQLite writers are serialized)."""
    query = select(Order).where(Order.id == order_id)
    if lock:
        query = query.with_for_update()
    order = session.execute(query).scalar_one_or_none()
    if order is None:
        raise NotFound(N_("订单不存在"))
    return order


def get_order_by_number(session: Session, number: str, *, buyer_org_id: int | None = None) -> Order:
    """The order with this number; another buyer's order answers NotFound."""
    order = session.execute(select(Order).where(Order.number == number)).scalar_one_or_none()
    if order is None or (buyer_org_id is not None and order.buyer_org_id != buyer_org_id):
        raise NotFound(N_("订单不存在"))
    return order


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    """The lines of an order in insertion order."""
    return list(session.execute(select(OrderLine).where(OrderLine.order_id == order_id)
                                .order_by(OrderLine.id)).scalars())


def order_summary(order: Order) -> dict:
    """The audited view of an order's state."""
    return {"number": order.number, "status": order.status, "total_fen": order.total_fen}
