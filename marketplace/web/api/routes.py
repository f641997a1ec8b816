"""GET /api/v1/products, /products/<slug>, /price-reference, /price-index and /openapi.json."""

from flask import Blueprint, jsonify, request

from marketplace.catalog.comparables import parse_reference_query, price_reference
from marketplace.catalog.details import load_product_page
from marketplace.catalog.params import BadParameter, parse_query
from marketplace.catalog.price_index import DEFAULT_MONTHS, MAX_MONTHS, IndexQuery, parse_index_filters, price_index
from marketplace.catalog.queries import search_catalog
from marketplace.web.access import public
from marketplace.web.api.openapi import build_spec
from marketplace.web.api.serialize import price_index_body, price_reference_body, product_detail, product_item
from marketplace.web.catalog.helpers import operator_names
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.ints import query_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(BadParameter)
def _bad_parameter(e: BadParameter):
    return jsonify({"error": {"code": "bad_parameter", "message": error_text(e), "parameter": e.field}}), 400


@bp.get("/products")
@public
def products():
    """Search the catalog: the same query, filters and sorting as /products."""
    db = get_db()
    query = parse_query(request.args)
    result = search_catalog(db, query, facets=request.args.get("facets") == "1")
    names = operator_names(db, {p.operator_id for p in result.items})
    body = {"items": [product_item(p, names.get(str(p.operator_id), "")) for p in result.items],
            "total": result.total, "page": result.page, "per_page": result.per_page}
    if result.facets:
        body["facets"] = result.facets
    return jsonify(body)


@bp.get("/products/<slug>")
@public
def product(slug: str):
    """One visible product in full; 404 when unknown or not on sale."""
    return jsonify(product_detail(load_product_page(get_db(), slug)))


@bp.get("/price-reference")
@public
def price_reference_json():
    """The pricing desk's reference: statistics of the comparable listings' unit prices, and the comparables."""
    stats, found = price_reference(get_db(), parse_reference_query(request.args))
    return jsonify(price_reference_body(stats, found))


@bp.get("/price-index")
@public
def price_index_json():
    """The public price index: median unit prices per domain and charge form by month, listed and settled."""
    filters = parse_index_filters(request.args)
    months = query_int("months", DEFAULT_MONTHS, low=1, high=MAX_MONTHS)
    return jsonify(price_index_body(price_index(get_db(), IndexQuery(months=months, **filters))))


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of the public API."""
    return jsonify(build_spec(get_db()))
