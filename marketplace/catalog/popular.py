"""What sells: products on sale ranked by paid order lines plus billable calls in the last days (the home page)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.clock import now, today
from marketplace.models import Order, OrderLine, OrderStatus, Product, ProductType
from marketplace.models.metering import UsageEvent
from marketplace.supply.on_sale import on_sale_clause

POPULAR_DAYS = 30
SOLD = (OrderStatus.PAID, OrderStatus.DELIVERED)  # paid and not refunded


def activity(session: Session, *, days: int = POPULAR_DAYS) -> dict[int, int]:
    """Paid order lines plus billable calls per product, over the last `days` days."""
    since = now() - timedelta(days=days)
    first_day = (today() - timedelta(days=days - 1)).isoformat()  # usage days are Shanghai dates
    scores: dict[int, int] = {}
    sales = (
        select(OrderLine.product_id, func.count())
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(SOLD), Order.paid_at >= since)
        .group_by(OrderLine.product_id)
    )
    live = select(Product.id).where(on_sale_clause(), Product.type == ProductType.API)  # only data APIs are called
    calls = (
        select(UsageEvent.product_id, func.count())
        .where(UsageEvent.product_id.in_(live), UsageEvent.day >= first_day, UsageEvent.billable)
        .group_by(UsageEvent.product_id)
    )
    for stmt in (sales, calls):
        for product_id, count in session.execute(stmt):
            scores[product_id] = scores.get(product_id, 0) + count
    return scores


def popular_products(session: Session, *, limit: int, days: int = POPULAR_DAYS) -> list[Product]:
    """The products on sale with the most sales and calls in the last `days` days, most first; none without any."""
    scores = activity(session, days=days)
    if not scores:
        return []
    rows = session.execute(select(Product).where(Product.id.in_(list(scores)), on_sale_clause())).scalars().all()
    rows = sorted(rows, key=lambda p: (-scores[p.id], -p.id))
    return rows[:limit]
