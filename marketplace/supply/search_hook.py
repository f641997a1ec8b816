"""The one place the supply side tells the catalog search that a product changed."""

from __future__ import annotations

from sqlmodel import Session

from marketplace.models import Product


def index(session: Session, product: Product) -> None:
    """Re-index a product after it was listed, changed or delisted (catalog.search owns the index)."""
    from marketplace.catalog.search import index_product

    session.flush()
    index_product(session, product)
