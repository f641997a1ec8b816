"""The catalog query: full-text match, filters, facets with counts, sorting and pagination.

Each facet is counted with every other filter applied (so the counts equal the results a click gives).
The text match is computed once per query as a subquery of ids (FTS5 rowids, or the tsvector match).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, case, func, literal_column, select, text
from sqlmodel import Session

from marketplace.catalog.search import fts_match_expression, pg_tsquery_expression, query_terms
from marketplace.catalog.visibility import live_agreements
from marketplace.models import PricePlan, Product, ProductStatus

SORTS = ("relevance", "newest", "popular", "price_asc", "price_desc")
FILTERS = ("type", "domain", "region", "operator", "openness", "charge_form", "update_frequency", "price")
# Price ranges in fen: key → (lowest, highest or None); "negotiated" means no public price.
PRICE_RANGES: dict[str, tuple[int, int | None] | None] = {
    "free": (0, 0),
    "under_100": (1, 9999),
    "100_1000": (10000, 99999),
    "1000_10000": (100000, 999999),
    "over_10000": (1000000, None),
    "negotiated": None,
}
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class CatalogQuery:
    """What the user asked for; filters map a name of FILTERS to one value."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class CatalogResult:
    """One page of products, the total, and facet counts {facet: {value: count}}."""

    items: list[Product]
    total: int
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def _price_condition(key: str):
    bounds = PRICE_RANGES[key]
    if bounds is None:
        return Product.min_price_fen.is_(None)
    low, high = bounds
    cond = Product.min_price_fen >= low
    return cond if high is None else cond & (Product.min_price_fen <= high)


def _price_bucket():
    whens = [(_price_condition(k), k) for k in PRICE_RANGES]
    return case(*whens, else_="negotiated")


def _filter_condition(name: str, value: str):
    if name == "charge_form":
        return Product.id.in_(select(PricePlan.product_id).where(PricePlan.active, PricePlan.charge_form == value))
    if name == "price":
        return _price_condition(value)
    if name == "operator":
        return Product.operator_id == int(value)
    return getattr(Product, name) == value


class _Match:
    """The text match of one query on one backend: a subquery of (id, rank) or None."""

    def __init__(self, session: Session, q: str):
        terms = query_terms(q)
        self.sub = None
        if not terms:
            return
        if session.get_bind().dialect.name == "sqlite":
            sql = text("SELECT rowid AS id, bm25(product_fts) AS rank FROM product_fts "
                       "WHERE product_fts MATCH :m").bindparams(m=fts_match_expression(terms))
            self.sub = sql.columns(id=Integer, rank=Float).subquery("fts")
            self.order = self.sub.c.rank.asc()
        else:
            vector = func.to_tsvector(literal_column("'simple'::regconfig"), Product.search_words)
            tsq = func.to_tsquery(literal_column("'simple'::regconfig"), pg_tsquery_expression(terms))
            rank = func.ts_rank(vector, tsq).label("rank")
            self.sub = select(Product.id.label("id"), rank).where(vector.op("@@")(tsq)).subquery("fts")
            self.order = self.sub.c.rank.desc()


def _where(query: CatalogQuery, *, skip: str | None = None) -> list:
    conds = [Product.status == ProductStatus.LISTED, Product.agreement_id.in_(live_agreements())]
    conds += [_filter_condition(k, v) for k, v in query.filters.items() if k != skip]
    return conds


def _select(columns, match: _Match, query: CatalogQuery, skip: str | None = None):
    stmt = select(*columns).select_from(Product)
    if match.sub is not None:
        stmt = stmt.join(match.sub, match.sub.c.id == Product.id)
    return stmt.where(*_where(query, skip=skip))


def _facet(session: Session, match: _Match, query: CatalogQuery, name: str) -> dict[str, int]:
    if name == "charge_form":
        stmt = _select([PricePlan.charge_form, func.count(func.distinct(Product.id))], match, query, skip=name)
        stmt = stmt.join(PricePlan, PricePlan.product_id == Product.id).where(PricePlan.active)
        stmt = stmt.group_by(PricePlan.charge_form)
    else:
        column = _price_bucket() if name == "price" else getattr(Product, "operator_id" if name == "operator" else name)
        stmt = _select([column, func.count()], match, query, skip=name).group_by(column)
    return {str(value): count for value, count in session.execute(stmt).all() if value not in (None, "")}


def _order(query: CatalogQuery, match: _Match) -> list:
    newest = [Product.listed_at.desc(), Product.id.desc()]
    if query.sort == "relevance" and match.sub is not None:
        return [match.order, Product.id.desc()]
    if query.sort == "popular":
        return [Product.popularity.desc(), Product.id.desc()]
    if query.sort in ("price_asc", "price_desc"):
        price = Product.min_price_fen.asc() if query.sort == "price_asc" else Product.min_price_fen.desc()
        return [Product.min_price_fen.is_(None), price, Product.id.desc()]
    return newest


def search_catalog(session: Session, query: CatalogQuery, *, facets: bool = True) -> CatalogResult:
    """Run a catalog query: one page of visible products, the total, and the facet counts."""
    match = _Match(session, query.q)
    total = session.execute(_select([func.count()], match, query)).scalar_one()
    offset = (query.page - 1) * query.per_page
    ids_stmt = _select([Product.id], match, query).order_by(*_order(query, match))
    ids = list(session.execute(ids_stmt.limit(query.per_page).offset(offset)).scalars())
    rows = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()} if ids else {}
    counts = {name: _facet(session, match, query, name) for name in FILTERS} if facets else {}
    return CatalogResult(items=[rows[i] for i in ids], total=total, facets=counts, page=query.page,
                         per_page=query.per_page)


