"""What the pricing desk takes from the cost ledger: a product's share of the year's cost, its revenue so far.

A product's cost is what is attributed to it plus an equal share of the costs attributed to no product,
shared among the operator's listed products (and this product, if it is not listed yet). Equal shares, not
shares by revenue: a product that has not sold yet still carries its part of the shared costs. Taxes are
left out (they earn no allowed profit and the desk compares unit prices).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import Product, ProductStatus
from marketplace.returns.costs import cost_totals, year_entries
from marketplace.returns.report import product_sales


@dataclass(frozen=True)
class DeskDefaults:
    """The desk's default cost and revenue for one product and year (fen), and how the cost was made up."""

    year: int
    attributed_fen: int
    shared_fen: int  # this product's equal share of the unattributed costs
    sharing: int  # how many products share the unattributed costs
    revenue_fen: int

    @property
    def cost_fen(self) -> int:
        return self.attributed_fen + self.shared_fen


def _sharing(session: Session, product: Product) -> int:
    listed = session.execute(
        select(func.count(Product.id)).where(
            Product.operator_id == product.operator_id, Product.status == ProductStatus.LISTED
        )
    ).scalar_one()
    return int(listed) + (0 if product.status == ProductStatus.LISTED else 1)


def desk_defaults(session: Session, *, product: Product, year: int) -> DeskDefaults | None:
    """The defaults, or None when the operator entered no cost for the year."""
    entries = year_entries(session, operator_id=product.operator_id, year=year)
    if not entries:
        return None
    totals = cost_totals(entries)
    sharing = _sharing(session, product)
    shared = totals.unattributed_fen // sharing  # whole fen; the remainder stays unshared (under one fen each)
    sales = product_sales(session, operator_id=product.operator_id, year=year).get(product.id, [0, 0])
    return DeskDefaults(year, totals.by_product.get(product.id, 0), shared, sharing, sales[1])
