"""The one place the supply side tells the catalog search that a product changed.

The catalog sits above supply (it reads what supply writes), so supply cannot import it; instead the
catalog's search module registers its indexer here when it is imported (`marketplace.schema` and the web
layer import it, so every app, CLI and test session has it).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from marketplace.models import Product

INDEXERS: list[Callable[[Session, Product], None]] = []


def register_indexer(indexer: Callable[[Session, Product], None]) -> None:
    """Add a function run whenever a product is listed, changed or delisted (idempotent)."""
    if indexer not in INDEXERS:
        INDEXERS.append(indexer)


def index(session: Session, product: Product) -> None:
    """Re-index a product after it was listed, changed or delisted (catalog.search owns the index)."""
    session.flush()
    for indexer in INDEXERS:
        indexer(session, product)
