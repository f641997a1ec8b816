"""Template globals other pages use to link to an API product's docs and show how to call it."""

from __future__ import annotations

from flask import g

from marketplace.gateway.resolve import DatasetDef, load_dataset
from marketplace.web.db import get_db
from marketplace.web.gateway import bp


@bp.app_template_global()
def api_definition(product) -> DatasetDef | None:
    """The product's data API definition (None for products without one); cached per request."""
    if product is None or getattr(product, "type", None) != "api":
        return None
    cache = g.setdefault("api_definitions", {})
    if product.id not in cache:
        cache[product.id] = load_dataset(get_db().connection(), product.id)
    return cache[product.id]
