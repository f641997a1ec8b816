"""The catalog query: full-text match, filters, facets with counts, sorting and pagination.

Each facet is counted with every other filter applied (so the counts equal the results a click gives).
The text match is computed once per query as a subquery of ids (FTS5 rowids, or the tsvector match).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, func, literal_column, select, text
from sqlmodel import Session

from marketplace.catalog.search import fts_match_expression, pg_tsquery_expression, query_terms
from marketplace.catalog.visibility import live_agreements
from marketplace.models import Product, ProductStatus

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


def price_bucket(fen: int | None) -> str:
    """The PRICE_RANGES key of a lowest price (None: negotiated)."""
    for key, bounds in PRICE_RANGES.items():
        if bounds is not None and fen is not None and fen >= bounds[0] and (bounds[1] is None or fen <= bounds[1]):
            return key
    return "negotiated"


def _filter_condition(name: str, value: str):
    if name == "charge_form":
        return Product.charge_forms.like(f"% {value} %")
    if name == "price":
        return _price_condition(value)
    if name == "operator":
        return Product.operator_id == int(value)
    return getattr(Product, name) == value


class _Match:
    """The text match of one query on one backend: `ids` to filter by, `sub` (id, rank) to order by."""

    def __init__(self, session: Session, q: str):
        self.live = list(session.execute(live_agreements()).scalars())  # few rows; a literal list plans better
        terms = query_terms(q)
        self.sub = self.ids = None
        if not terms:
            return
        if session.get_bind().dialect.name == "sqlite":
            sql = text("SELECT rowid AS id, bm25(product_fts) AS rank FROM product_fts "
                       "WHERE product_fts MATCH :m").bindparams(m=fts_match_expression(terms))
            self.sub = sql.columns(id=Integer, rank=Float).subquery("fts")
            plain = text("SELECT rowid AS id FROM product_fts WHERE product_fts MATCH :m")
            self.ids = plain.bindparams(m=fts_match_expression(terms)).columns(id=Integer).subquery("fts_ids")
            self.order = self.sub.c.rank.asc()
        else:
            vector = literal_column("product.search_vector")  # generated column, see search.install_search
            tsq = func.to_tsquery(literal_column("'simple'::regconfig"), pg_tsquery_expression(terms))
            rank = func.ts_rank(vector, tsq).label("rank")
            self.sub = select(Product.id.label("id"), rank).where(vector.op("@@")(tsq)).subquery("fts")
            self.ids = select(Product.id.label("id")).where(vector.op("@@")(tsq)).subquery("fts_ids")
            self.order = self.sub.c.rank.desc()


def _where(query: CatalogQuery, live: list[int], *, skip_all=frozenset()) -> list:
    conds = [Product.status == ProductStatus.LISTED, Product.agreement_id.in_(live)]
    conds += [_filter_condition(k, v) for k, v in query.filters.items() if k not in skip_all]
    return conds


def _select(columns, match: _Match, query: CatalogQuery, *, ranked: bool = False, skip_all=frozenset()):
    stmt = select(*columns).select_from(Product)
    if ranked:
        stmt = stmt.join(match.sub, match.sub.c.id == Product.id)
    elif match.ids is not None:  # scan the matches, then look each product up by id
        stmt = stmt.join(match.ids, match.ids.c.id == Product.id)
    return stmt.where(*_where(query, match.live, skip_all=skip_all))


CUBE_DIMS = ("type", "domain", "region", "operator", "openness", "update_frequency", "price", "charge_form")


PRICE_DIM = CUBE_DIMS.index("price")


def _cube_columns() -> list:
    return [Product.type, Product.domain, Product.region, Product.operator_id, Product.openness,
            Product.update_frequency, Product.min_price_fen, Product.charge_forms]


def _passes(values: list, i: int, want: str) -> bool:
    return want in values[i].split() if CUBE_DIMS[i] == "charge_form" else values[i] == want


def _cube(session: Session, match: _Match, query: CatalogQuery) -> tuple[int, dict[str, dict[str, int]]]:
    """Total and every facet from one GROUP BY over all facet dimensions (a covering index serves it).

    A combination counts for facet f when it passes every filter except possibly f's own, which gives
    each facet "with the other filters applied" without one query per facet.
    """
    stmt = _select([*_cube_columns(), func.count()], match, query, skip_all=set(CUBE_DIMS))
    wanted = [(i, query.filters.get(d)) for i, d in enumerate(CUBE_DIMS)]
    facets: dict[str, dict[str, int]] = {d: {} for d in CUBE_DIMS}
    total = 0
    for row in session.execute(stmt.group_by(*_cube_columns())).all():
        values, count = [str(v) if v is not None else "" for v in row[:-1]], row[-1]
        values[PRICE_DIM] = price_bucket(row[PRICE_DIM])
        misses = [i for i, want in wanted if want is not None and not _passes(values, i, want)]
        if len(misses) > 1:
            continue
        total += 0 if misses else count
        for i in misses or range(len(CUBE_DIMS)):
            for value in values[i].split() if CUBE_DIMS[i] == "charge_form" else [values[i]]:
                if value:
                    facets[CUBE_DIMS[i]][value] = facets[CUBE_DIMS[i]].get(value, 0) + count
    return total, facets


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
    if facets:
        total, counts = _cube(session, match, query)
    else:
        total, counts = session.execute(_select([func.count()], match, query)).scalar_one(), {}
    offset = (query.page - 1) * query.per_page
    ranked = query.sort == "relevance" and match.sub is not None
    ids_stmt = _select([Product.id], match, query, ranked=ranked).order_by(*_order(query, match))
    ids = list(session.execute(ids_stmt.limit(query.per_page).offset(offset)).scalars())
    rows = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()} if ids else {}
    return CatalogResult(items=[rows[i] for i in ids], total=total, facets=counts, page=query.page,
                         per_page=query.per_page)


