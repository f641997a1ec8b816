"""What sells: products on sale ranked by paid order lines plus billable calls in the last days (the home page).

Calls of ended days come from the sealed daily usage receipts (one row per entitlement and day, see
billing/receipts.py); only the days of the window that have no receipt yet (today, and any day the nightly
`seal-usage` has not reached) are counted from the usage events. Counting 30 days of events instead reads every
one (seconds per million), so the scores are also kept in memory for `REFRESH` per database; which products show is
still decided live (on sale).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from marketplace.clock import now, today
from marketplace.models import Entitlement, Order, OrderLine, OrderStatus, Organization, Product, ProductType
from marketplace.models.billing import UsageReceipt
from marketplace.models.metering import UsageEvent
from marketplace.supply.on_sale import on_sale_clause

POPULAR_DAYS = 30
SOLD = (OrderStatus.PAID, OrderStatus.DELIVERED)  # paid and not refunded
REFRESH = timedelta(minutes=10)
_CACHE: dict[tuple, tuple[object, dict[int, int]]] = {}


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
    receipts = (
        select(Entitlement.product_id, func.sum(UsageReceipt.calls))
        .join(Entitlement, Entitlement.id == UsageReceipt.entitlement_id)
        .where(Entitlement.product_id.in_(live), UsageReceipt.day >= first_day)
        .group_by(Entitlement.product_id)
    )
    sealed = set(session.execute(select(UsageReceipt.day).where(UsageReceipt.day >= first_day).distinct()).scalars())
    window = [(today() - timedelta(days=n)).isoformat() for n in range(days)]
    unsealed = (
        select(UsageEvent.product_id, func.count())
        .where(
            UsageEvent.product_id.in_(live),
            UsageEvent.day.in_([day for day in window if day not in sealed]),
            UsageEvent.billable,
        )
        .group_by(UsageEvent.product_id)
    )
    for stmt in (sales, receipts, unsealed):
        for product_id, count in session.execute(stmt):
            if count:
                scores[product_id] = scores.get(product_id, 0) + int(count)
    return scores


def refresh_popularity(session: Session, *, days: int = POPULAR_DAYS) -> int:
    """Store each product's `activity` as product.popularity, which the catalog's 最受欢迎 sort orders by; returns
    how many products changed (caller commits). Run nightly by `seal-usage`, after the day's receipts are sealed."""
    scores = activity(session, days=days)
    stored = session.execute(select(Product.id, Product.popularity))
    changed = [{"pid": pid, "score": scores.get(pid, 0)} for pid, old in stored if scores.get(pid, 0) != old]
    if changed:
        table = Product.__table__
        session.execute(update(table).where(table.c.id == bindparam("pid")).values(popularity=bindparam("score")),
                        changed)
    return len(changed)


def recent_activity(session: Session, *, days: int = POPULAR_DAYS) -> dict[int, int]:
    """`activity`, computed at most once per REFRESH for this database (a GET never writes)."""
    first = session.execute(select(Organization.id, Organization.created_at).order_by(Organization.id).limit(1)).first()
    key = (str(session.get_bind().url), tuple(first or ()), days)  # the first organization tells databases apart
    cached = _CACHE.get(key)
    if cached and now() - cached[0] < REFRESH:
        return cached[1]
    scores = activity(session, days=days)
    _CACHE[key] = (now(), scores)
    return scores


def popular_products(session: Session, *, limit: int, days: int = POPULAR_DAYS) -> list[Product]:
    """The products on sale with the most sales and calls in the last `days` days, most first; none without any."""
    scores = recent_activity(session, days=days)
    if not scores:
        return []
    rows = session.execute(select(Product).where(Product.id.in_(list(scores)), on_sale_clause())).scalars().all()
    rows = sorted(rows, key=lambda p: (-scores[p.id], -p.id))
    return rows[:limit]
