"""What the home page shows: organization counts, domains with product counts, newest and popular products."""

from sqlalchemy import func, select

from marketplace.catalog.queries import CatalogQuery, search_catalog
from marketplace.catalog_terms import DOMAINS, PRODUCT_TYPES
from marketplace.models import Organization, OrgKind
from marketplace.web.catalog.helpers import operator_names
from marketplace.web.db import get_db

HOME_PRODUCTS = 6


def home_context() -> dict:
    """Counts and lists for the front page."""
    db = get_db()
    counts = dict(db.execute(select(Organization.kind, func.count()).group_by(Organization.kind)).all())
    overview = search_catalog(db, CatalogQuery(sort="newest", per_page=HOME_PRODUCTS))
    popular = search_catalog(db, CatalogQuery(sort="popular", per_page=HOME_PRODUCTS), facets=False)
    domain_counts = overview.facets.get("domain", {})
    domains = sorted(((code, DOMAINS.get(code, code), n) for code, n in domain_counts.items()), key=lambda d: -d[2])
    ids = {p.operator_id for p in overview.items + popular.items}
    return {"org_counts": {OrgKind(k).value: v for k, v in counts.items()}, "products_total": overview.total,
            "domains": domains, "newest": overview.items, "popular": popular.items,
            "operators": operator_names(db, ids), "types": PRODUCT_TYPES, "domain_labels": DOMAINS}
