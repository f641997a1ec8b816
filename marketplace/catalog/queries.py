"""The catalog query: full-text match, filters, facets with counts, sorting and pagination.

Each facet is counted with every other filter applied (so the counts equal the results a click gives).
The text match is computed once per query as a subquery of ids (FTS5 rowids, or the tsvector match).
Counts and the relevance page read the narrow `product_facet` table (catalog.facet_index), or the counts kept
ahead: `facet_count` without search words, `word_count` for one plain word; the other sorts read `product`
through its sort indexes.
Relevance ranks by where the words are (every one in the title first), then newest: no per-match score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, and_, bindparam, func, literal_column, not_, select, text
from sqlmodel import Session

from marketplace.catalog.facet_index import FACET_COLUMNS, PRICE_RANGES, combo_values, price_bucket  # noqa: F401
from marketplace.catalog.search import fts_match_expression, pg_tsquery_expression, query_terms
from marketplace.clock import today
from marketplace.models import FacetCount, Product, ProductFacet, WordCount
from marketplace.supply.on_sale import in_force_agreement_ids, on_sale_clause, unmandated_ids

SORTS = ("relevance", "newest", "popular", "price_asc", "price_desc")
FILTERS = ("type", "domain", "region", "operator", "openness", "charge_form", "update_frequency", "price")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class CatalogQuery:
    """What the user asked for; filters map a name of FILTERS to one value."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    type_words: tuple[str, ...] = ()  # product-type words taken out of the typed query (params.split_type_words)


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


def _filter_condition(name: str, value: str):
    if name == "charge_form":
        return Product.charge_forms.like(f"% {value} %")
    if name == "price":
        return _price_condition(value)
    if name == "operator":
        return Product.operator_id == int(value)
    return getattr(Product, name) == value


def _facet_condition(name: str, value: str):
    """The same filter on the facet table (whose price column holds the PRICE_RANGES key)."""
    if name == "charge_form":
        return ProductFacet.charge_forms.like(f"% {value} %")
    if name == "operator":
        return ProductFacet.operator_id == int(value)
    return getattr(ProductFacet, name) == value


_LIKE_SPECIAL = re.compile(r"[/%_]")


def _containing(word: str) -> str:
    """A LIKE pattern (escape character /) for a string that holds this word anywhere."""
    return "%" + _LIKE_SPECIAL.sub(lambda m: "/" + m.group(0), word) + "%"


def _inline(value: str):
    """A string written into the SQL itself: PostgreSQL then plans for this word, and a statement psycopg prepares
    after five runs keeps a plan per word (a generic plan scans every match of a common word to sort them)."""
    return bindparam(None, value, type_=String, literal_execute=True)


class _Match:
    """The text match of one query on one backend: `ids` (a subquery of product ids) to filter by.

    On PostgreSQL `on_product` / `on_facet` are the match as a condition on `product` / `product_facet`
    themselves (each holds the tsvector; a self-join misleads the planner). `newest` orders matches newest
    first as the match yields them (SQLite: FTS5 rowids descending, so a LIMIT stops the scan early).
    """

    def __init__(self, session: Session, q: str):
        on = today()  # few rows each; literal lists plan better
        self.live = list(session.execute(in_force_agreement_ids(on)).scalars())
        self.unmandated = list(session.execute(unmandated_ids(on)).scalars())
        self.terms = query_terms(q)
        self.ids = self.on_product = self.on_facet = None
        self.newest = ProductFacet.product_id.desc()
        if not self.terms:
            return
        if session.get_bind().dialect.name == "sqlite":
            plain = text("SELECT rowid AS id FROM product_fts WHERE product_fts MATCH :m")
            self.ids = plain.bindparams(m=fts_match_expression(self.terms)).columns(id=Integer).subquery("fts_ids")
            self.newest = self.ids.c.id.desc()
        else:
            vector = literal_column("product.search_vector")  # generated column, see search.install_search
            tsq = func.to_tsquery(literal_column("'simple'::regconfig"), _inline(pg_tsquery_expression(self.terms)))
            self.ids = select(Product.id.label("id")).where(vector.op("@@")(tsq)).subquery("fts_ids")
            self.on_product = vector.op("@@")(tsq)
            facet_vector = literal_column("product_facet.search_vector")  # see facet_index.install_facets
            self.on_facet = facet_vector.op("@@")(tsq)


def _where(query: CatalogQuery, match: _Match) -> list:
    conds = [on_sale_clause(agreement_ids=match.live, unmandated=match.unmandated)]
    return conds + [_filter_condition(k, v) for k, v in query.filters.items()]


def _select(columns, match: _Match, query: CatalogQuery):
    """Visible products passing the query, read from `product` (for the sorts its indexes serve)."""
    stmt = select(*columns).select_from(Product)
    if match.on_product is not None:
        return stmt.where(match.on_product, *_where(query, match))
    if match.ids is not None:  # scan the matches, then look each product up by id
        stmt = stmt.join(match.ids, match.ids.c.id == Product.id)
    return stmt.where(*_where(query, match))


def _facet_select(columns, match: _Match, *, filters: dict | None = None, hidden: bool = False):
    """Visible products passing the text match (and these filters), read from the narrow facet table; `hidden`:
    instead the matching unmandated broker products, which the counts kept ahead include."""
    stmt = select(*columns).select_from(ProductFacet)
    conds = [_facet_condition(k, v) for k, v in (filters or {}).items()]
    if match.on_facet is not None:
        conds.append(match.on_facet)
    elif match.ids is not None:
        stmt = stmt.join(match.ids, match.ids.c.id == ProductFacet.product_id)
    # the facet table holds only listed products with no stored reason (supply.on_sale.stored_block)
    if hidden:
        conds.append(ProductFacet.product_id.in_(match.unmandated))
    elif match.unmandated:
        conds.append(ProductFacet.product_id.not_in(match.unmandated))
    return stmt.where(ProductFacet.agreement_id.in_(match.live), *conds)


CUBE_DIMS = ("type", "domain", "region", "operator", "openness", "update_frequency", "price", "charge_form")
assert len(FACET_COLUMNS) == len(CUBE_DIMS)  # the same dimensions in the same order
_FORMS = CUBE_DIMS.index("charge_form")


# A word FTS5 and PostgreSQL's parser both keep as one token, whatever their Unicode tables: ASCII letters and
# digits, CJK ideographs of Unicode 1.1. A one-word query of such a word is counted from word_count.
_PLAIN_WORD = re.compile(r"[0-9a-z\u4e00-\u9fa5]+")


def _counted_ahead(session: Session, match: _Match) -> dict[int, int]:
    """Visible products per combination from the counts kept ahead: facet_count without a text match, word_count
    for one plain word; the agreements in force only, less the unmandated broker products (few, read live)."""
    groups: dict[int, int] = {}
    if match.terms:
        table = WordCount
        counted = select(WordCount.combo_id, WordCount.listed).where(WordCount.word == _inline(match.terms[0]))
    else:
        table = FacetCount
        counted = select(FacetCount.combo_id, FacetCount.listed)
    counted = counted.where(table.agreement_id.in_(match.live), table.listed > 0)
    connection = session.connection()  # Core rows: the ORM's result handling costs more than the query here
    for combo, count in connection.execute(counted):
        groups[combo] = groups.get(combo, 0) + count
    if match.unmandated:
        hidden = _facet_select([ProductFacet.combo_id], match, hidden=True)
        for combo in connection.execute(hidden).scalars():
            groups[combo] = groups.get(combo, 0) - 1
    return {combo: count for combo, count in groups.items() if count > 0}


def _combo_counts(session: Session, match: _Match) -> dict[tuple[str, ...], int]:
    """Visible matches per combination of facet values (CUBE_DIMS order), from two-integer groups."""
    if match.ids is None or (len(match.terms) == 1 and _PLAIN_WORD.fullmatch(match.terms[0])):
        groups = _counted_ahead(session, match)
    else:
        stmt = _facet_select([ProductFacet.combo_id, func.count()], match)
        groups = {}
        grouped = stmt.group_by(ProductFacet.agreement_id, ProductFacet.combo_id)
        for combo, count in session.connection().execute(grouped):
            groups[combo] = groups.get(combo, 0) + count
    known = combo_values(session.connection(), list(groups))
    return {known[c]: n for c, n in groups.items()}


_SPLIT: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}  # combo values → each dimension's values


def _split(values: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A combination's non-empty values per dimension (charge forms split), cached per process like its values."""
    found = _SPLIT.get(values)
    if found is None:
        if len(_SPLIT) >= 200_000:
            _SPLIT.clear()
        found = _SPLIT[values] = tuple(
            tuple(v for v in (values[i].split() if i == _FORMS else (values[i],)) if v) for i in range(len(CUBE_DIMS)))
    return found


def _cube(session: Session, match: _Match, query: CatalogQuery) -> tuple[int, dict[str, dict[str, int]]]:
    """Total and every facet from one pass over the facet combinations of the matches.

    A combination counts for facet f when it passes every filter except possibly f's own, which gives
    each facet "with the other filters applied" without one query per facet.
    """
    wanted = [(i, want) for i, d in enumerate(CUBE_DIMS) if (want := query.filters.get(d)) is not None]
    facets: dict[str, dict[str, int]] = {d: {} for d in CUBE_DIMS}
    per_dim = [facets[d] for d in CUBE_DIMS]
    total = 0
    for values, count in _combo_counts(session, match).items():
        split = _split(values)
        misses = [i for i, want in wanted if want not in split[i]]
        if not misses:
            total += count
            dims = zip(per_dim, split, strict=True)
        elif len(misses) == 1:
            dims = ((per_dim[misses[0]], split[misses[0]]),)
        else:
            continue
        for counts, shown in dims:
            for value in shown:
                counts[value] = counts.get(value, 0) + count
    return total, facets


def _order(query: CatalogQuery) -> list:
    if query.sort == "popular":
        return [Product.popularity.desc(), Product.id.desc()]
    if query.sort in ("price_asc", "price_desc"):
        price = Product.min_price_fen.asc() if query.sort == "price_asc" else Product.min_price_fen.desc()
        return [Product.min_price_fen.is_(None), price, Product.id.desc()]
    return [Product.listed_at.desc(), Product.id.desc()]


def _relevance_ids(session: Session, match: _Match, query: CatalogQuery, offset: int) -> list[int]:
    """Relevance: first the matches whose title holds every search word, then the others; newest first in each.

    Each tier is read newest first with a LIMIT, so a page stops after the rows it shows (and those before it)
    instead of scoring every match.
    """
    titled = and_(*(ProductFacet.lower_title.like(_inline(_containing(term)), escape="/") for term in match.terms))
    want, found = offset + query.per_page, []
    for tier in (titled, not_(titled)):
        stmt = _facet_select([ProductFacet.product_id], match, filters=query.filters).where(tier)
        found += session.execute(stmt.order_by(match.newest).limit(want - len(found))).scalars()
        if len(found) >= want:
            break
    return found[offset:want]


def _page_ids(session: Session, match: _Match, query: CatalogQuery) -> list[int]:
    offset = (query.page - 1) * query.per_page
    if query.sort == "relevance" and match.terms:
        return _relevance_ids(session, match, query, offset)
    stmt = _select([Product.id], match, query).order_by(*_order(query))
    return list(session.execute(stmt.limit(query.per_page).offset(offset)).scalars())


def search_catalog(session: Session, query: CatalogQuery, *, facets: bool = True) -> CatalogResult:
    """Run a catalog query: one page of visible products, the total, and the facet counts."""
    match = _Match(session, query.q)
    if facets:
        total, counts = _cube(session, match, query)
    else:
        stmt = _facet_select([func.count()], match, filters=query.filters)
        total, counts = session.execute(stmt).scalar_one(), {}
    ids = _page_ids(session, match, query)
    rows = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()} if ids else {}
    return CatalogResult(items=[rows[i] for i in ids], total=total, facets=counts, page=query.page,
                         per_page=query.per_page)
