"""Catalog pages: search with facets, and the product page."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.catalog.details import ProductGone, load_product_page
from marketplace.catalog.params import parse_query_leniently
from marketplace.catalog.queries import FILTERS, search_catalog
from marketplace.catalog_terms import DOMAINS, OPENNESS, PRODUCT_TYPES, SECURITY_GRADES, UPDATE_FREQUENCIES
from marketplace.demand.applications import own_application
from marketplace.errors import NotFound
from marketplace.models import Openness, Role
from marketplace.web.access import public
from marketplace.web.catalog.helpers import (
    FACET_TITLES,
    SORT_LABELS,
    catalog_url,
    facet_labels,
    operator_names,
)
from marketplace.web.db import get_db
from pricing import CHARGE_FORM_LABELS

bp = Blueprint("catalog", __name__)
TERMS = {"types": PRODUCT_TYPES, "domains": DOMAINS, "openness": OPENNESS, "grades": SECURITY_GRADES,
         "frequencies": UPDATE_FREQUENCIES, "charge_forms": CHARGE_FORM_LABELS}


@bp.get("/products")
@public
def index():
    """Search the catalog with facets, sorting and pages."""
    db = get_db()
    query = parse_query_leniently(request.args)
    result = search_catalog(db, query)
    operators = operator_names(db, set(result.facets.get("operator", {})) | {p.operator_id for p in result.items})
    labels = {name: facet_labels(name, operators) for name in FILTERS}
    return render_template("catalog/index.html", query=query, result=result, facets=FILTERS, labels=labels,
                           facet_titles=FACET_TITLES, sort_labels=SORT_LABELS, operators=operators,
                           catalog_url=catalog_url, **TERMS)


@bp.get("/products/<slug>")
@public
def product(slug: str):
    """A product's page: everything about the listing, its plans with caps, and what to do next."""
    try:
        page = load_product_page(get_db(), slug)
    except ProductGone as gone:
        return render_template("catalog/gone.html", message=_(gone.message), reason=gone.reason), 404
    except NotFound:
        return render_template("errors/error.html", status=404, title=_("页面不存在"),
                               message=_("数据产品不存在")), 404
    application = None
    buyer = current_user.is_authenticated and current_user.role == Role.BUYER
    if page.product.openness == Openness.CONDITIONAL and buyer:
        application = own_application(get_db(), buyer_org_id=current_user.org_id, product_id=page.product.id)
    return render_template("catalog/product.html", page=page, p=page.product, application=application, **TERMS)
