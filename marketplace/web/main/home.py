"""What the home page shows: verified organizations, domains with product counts, newest and best-selling products."""

from sqlalchemy import func, select

from marketplace.catalog.popular import POPULAR_DAYS, popular_products
from marketplace.catalog.queries import CatalogQuery, search_catalog
from marketplace.catalog_terms import DOMAINS, PRODUCT_TYPES
from marketplace.models import Organization, OrgKind, OrgStatus
from marketplace.web.catalog.helpers import operator_names
from marketplace.web.db import get_db

HOME_PRODUCTS = 6


def home_context() -> dict:
    """Counts and lists for the front page."""
    db = get_db()
    counts = dict(db.execute(select(Organization.kind, func.count()).where(Organization.status == OrgStatus.VERIFIED)
                             .group_by(Organization.kind)).all())
    overview = search_catalog(db, CatalogQuery(sort="newest", per_page=HOME_PRODUCTS))
    popular = popular_products(db, limit=HOME_PRODUCTS)  # sales and calls of the last 30 days
    domain_counts = overview.facets.get("domain", {})
    domains = sorted(((code, DOMAINS.get(code, code), n) for code, n in domain_counts.items()), key=lambda d: -d[2])
    ids = {p.operator_id for p in overview.items + popular}
    return {"org_counts": {OrgKind(k).value: v for k, v in counts.items()}, "products_total": overview.total,
            "domains": domains, "newest": overview.items, "popular": popular,
            "popular_days": POPULAR_DAYS,
            "operators": operator_names(db, ids), "types": PRODUCT_TYPES, "domain_labels": DOMAINS}
