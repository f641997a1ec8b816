"""The narrow facet side table (models.catalog_index) and keeping it equal to the product table.

`index_product` syncs a product explicitly; an `after_flush` listener also syncs any Product whose
facet-relevant columns an ORM flush changed (or that was inserted or deleted), so other writers cannot
leave it stale. Core bulk writes to `product` must call `sync_product_facets` or `rebuild_facets`.
Both keep `facet_count` (listed products per agreement and combination) equal to product_facet counted, and
`word_count` (the same per word of the full-text index); `search.index_product` moves the word counts when it
rewrites a product's FTS5 row on SQLite.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from itertools import chain

from sqlalchemy import bindparam, delete, event, func, inspect, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from marketplace.models import FacetCombo, FacetCount, Product, ProductFacet, ProductStatus, WordCount

FACET_COLUMNS = ("type", "domain", "region", "operator_id", "openness", "update_frequency", "price", "charge_forms")
# Price ranges in fen: key → (lowest, highest or None); "negotiated" means no public price.
PRICE_RANGES: dict[str, tuple[int, int | None] | None] = {
    "free": (0, 0),
    "under_100": (1, 9999),
    "100_1000": (10000, 99999),
    "1000_10000": (100000, 999999),
    "over_10000": (1000000, None),
    "negotiated": None,
}
_SOURCE = (Product.id, Product.status, Product.agreement_id, Product.type, Product.domain, Product.region,
           Product.operator_id, Product.openness, Product.update_frequency, Product.min_price_fen,
           Product.charge_forms, Product.sale_block, Product.title)
_WATCHED = ("status", "sale_block", "agreement_id", "type", "domain", "region", "operator_id", "openness",
            "update_frequency", "min_price_fen", "charge_forms", "search_words", "title")
_CHUNK = 500
_COMBOS: dict[int, tuple[str, ...]] = {}  # combo id → values; combos never change, so never stale
_MAX_COMBOS = 200_000


def price_bucket(fen: int | None) -> str:
    """The PRICE_RANGES key of a lowest price (None: negotiated)."""
    for key, bounds in PRICE_RANGES.items():
        if bounds is not None and fen is not None and fen >= bounds[0] and (bounds[1] is None or fen <= bounds[1]):
            return key
    return "negotiated"


def combo_id(values: dict) -> int:
    """A stable 63-bit name for one combination of facet values."""
    key = "\x1f".join(str(values[c]) for c in FACET_COLUMNS).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 1


def facet_row(row) -> dict | None:
    """The product_facet row of one product row selected as _SOURCE (None when it is not listed or not on sale)."""
    pid, status, agreement_id, type_, domain, region, operator_id, openness, freq, fen, forms, block, title = row
    if status != ProductStatus.LISTED or block:  # supply.on_sale: a stored reason keeps it out of the catalog
        return None
    values = {"type": str(type_), "domain": domain, "region": region or "", "operator_id": operator_id,
              "openness": str(openness), "update_frequency": freq or "", "price": price_bucket(fen),
              "charge_forms": forms or ""}
    return {"product_id": pid, "agreement_id": agreement_id, "combo_id": combo_id(values), **values,
            "lower_title": (title or "").lower()}


def _insert_combos(connection: Connection, rows: list[dict]) -> None:
    combos = {r["combo_id"]: {"id": r["combo_id"], **{c: r[c] for c in FACET_COLUMNS}} for r in rows}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FacetCombo.__table__).on_conflict_do_nothing(index_elements=["id"])
    connection.execute(stmt, list(combos.values()))


def _write(connection: Connection, rows: list[dict]) -> None:
    if rows:
        _insert_combos(connection, rows)
        connection.execute(ProductFacet.__table__.insert(), rows)
        if connection.dialect.name == "postgresql":  # the match runs on these narrow rows there
            connection.execute(text("UPDATE product_facet f SET search_vector = p.search_vector FROM product p "
                                    "WHERE p.id = f.product_id AND f.product_id = ANY(:ids)"),
                               {"ids": [r["product_id"] for r in rows]})


def _add(connection: Connection, table, keys: tuple[str, ...], change: Counter) -> None:
    """Add these changes to a count table (facet_count, word_count) in key order: a second writer of the same keys
    waits for the first (ON CONFLICT takes the row lock) and adds to its count. Keys that fall to 0 are removed."""
    rows = [{**dict(zip(keys, key, strict=True)), "listed": n} for key, n in sorted(change.items()) if n]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), _CHUNK):
        stmt = dialect.insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={"listed": table.c.listed + stmt.excluded.listed})
        connection.execute(stmt, rows[start:start + _CHUNK])
    fallen = [{f"k_{k}": v for k, v in r.items() if k != "listed"} for r in rows if r["listed"] < 0]
    if fallen:
        same = [table.c[k] == bindparam(f"k_{k}") for k in keys]
        connection.execute(delete(table).where(*same, table.c.listed <= 0), fallen)


def _add_counts(connection: Connection, change: Counter) -> None:
    _add(connection, FacetCount.__table__, ("agreement_id", "combo_id"), change)


def fts_words(connection: Connection, docs: dict[int, str]) -> dict[int, frozenset[str]]:
    """SQLite: the distinct FTS5 tokens of these texts, tokenized by FTS5 itself in a scratch table of this connection
    (so they are exactly the words `product_fts MATCH` finds)."""
    if not docs:
        return {}
    connection.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_probe USING fts5(words)")
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_probe_terms USING fts5vocab(temp, word_probe, instance)")
    connection.execute(text("INSERT INTO temp.word_probe (rowid, words) VALUES (:id, :w)"),
                       [{"id": i, "w": w} for i, w in docs.items()])
    words: dict[int, set[str]] = {i: set() for i in docs}
    for doc, term in connection.exec_driver_sql("SELECT DISTINCT doc, term FROM temp.word_probe_terms"):
        words[doc].add(term)
    connection.exec_driver_sql("DELETE FROM temp.word_probe")
    return {i: frozenset(w) for i, w in words.items()}


def _indexed_words(connection: Connection, ids: list[int]) -> dict[int, frozenset[str]]:
    """The words the full-text index holds for these products now (SQLite: product_fts; PostgreSQL: the facet
    rows' copy of the tsvector)."""
    if not ids:
        return {}
    if connection.dialect.name == "postgresql":
        rows = connection.execute(text("SELECT product_id, tsvector_to_array(search_vector) FROM product_facet "
                                       "WHERE product_id = ANY(:ids)"), {"ids": ids})
        return {pid: frozenset(words or ()) for pid, words in rows}
    rows = connection.execute(text("SELECT rowid, words FROM product_fts WHERE rowid IN (SELECT value FROM "
                                   "json_each(:ids))"), {"ids": json.dumps(ids)})
    return fts_words(connection, dict(rows.all()))


def _word_change(gone: list[tuple], gone_words: dict, rows: list[dict], words: dict) -> Counter:
    change: Counter = Counter()
    for pid, agreement, combo in gone:
        for word in gone_words.get(pid, ()):
            change[(word, agreement, combo)] -= 1
    for r in rows:
        for word in words.get(r["product_id"], ()):
            change[(word, r["agreement_id"], r["combo_id"])] += 1
    return change


def _add_words(connection: Connection, change: Counter) -> None:
    _add(connection, WordCount.__table__, ("word", "agreement_id", "combo_id"), change)


def recount_words(connection: Connection, product_id: int, before: frozenset[str], after: frozenset[str]) -> None:
    """SQLite: product_fts now holds `after` instead of `before` for this product: move its word counts."""
    if before != after:
        row = connection.execute(select(ProductFacet.agreement_id, ProductFacet.combo_id)
                                 .where(ProductFacet.product_id == product_id)).first()
        if row is not None:
            at = [(product_id, row[0], row[1])]
            facet = [{"product_id": product_id, "agreement_id": row[0], "combo_id": row[1]}]
            _add_words(connection, _word_change(at, {product_id: before}, facet, {product_id: after}))


def sync_product_facets(connection: Connection, product_ids, *, words: dict[int, frozenset[str]] | None = None) -> None:
    """Make the facet rows of these products match the product table (listed → one row, else none).

    `words` (SQLite): the products' words in product_fts when the caller has them already (else tokenized here).
    """
    ids = sorted({int(i) for i in product_ids if i is not None})
    facet = ProductFacet.__table__.c
    postgres = connection.dialect.name == "postgresql"
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        old_words: dict = {}
        if not postgres:  # SQLite: product_fts does not change here, so one set of words for the old and new rows
            known = words or {}
            old_words = {i: known[i] for i in chunk if i in known}
            old_words |= _indexed_words(connection, [i for i in chunk if i not in known])
        returned = [facet.product_id, facet.agreement_id, facet.combo_id]
        if postgres:
            returned.append(func.tsvector_to_array(literal_column("product_facet.search_vector")))
        gone = connection.execute(delete(ProductFacet.__table__).where(facet.product_id.in_(chunk))
                                  .returning(*returned)).all()
        if postgres:
            old_words = {g[0]: frozenset(g[3] or ()) for g in gone}
        rows = [r for r in map(facet_row, connection.execute(select(*_SOURCE).where(Product.id.in_(chunk)))) if r]
        _write(connection, rows)
        change = Counter((r["agreement_id"], r["combo_id"]) for r in rows)
        change.subtract(Counter((g[1], g[2]) for g in gone))
        _add_counts(connection, change)
        new_words = _indexed_words(connection, [r["product_id"] for r in rows]) if postgres else old_words
        _add_words(connection, _word_change([tuple(g[:3]) for g in gone], old_words, rows, new_words))


def _count_all(connection: Connection) -> None:
    """facet_count and word_count from product_facet (and the full-text index) counted whole."""
    facet = ProductFacet.__table__.c
    connection.execute(delete(FacetCount.__table__))
    connection.execute(FacetCount.__table__.insert().from_select(
        ["agreement_id", "combo_id", "listed"],
        select(facet.agreement_id, facet.combo_id, func.count()).group_by(facet.agreement_id, facet.combo_id)))
    _count_words(connection)


def _count_words(connection: Connection) -> None:
    connection.execute(delete(WordCount.__table__))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "INSERT INTO word_count (word, agreement_id, combo_id, listed) SELECT w, agreement_id, combo_id, count(*) "
            "FROM product_facet, unnest(tsvector_to_array(search_vector)) AS w GROUP BY w, agreement_id, combo_id")
        return
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.product_fts_terms USING fts5vocab(main, product_fts, instance)")
    connection.exec_driver_sql(
        "INSERT INTO word_count (word, agreement_id, combo_id, listed) "
        "SELECT v.term, f.agreement_id, f.combo_id, count(DISTINCT v.doc) FROM temp.product_fts_terms v "
        "JOIN product_facet f ON f.product_id = v.doc GROUP BY v.term, f.agreement_id, f.combo_id")


def rebuild_facets(connection: Connection) -> int:
    """Refill the whole facet table (and its counts) from the product table; returns the number of listed products."""
    connection.execute(delete(ProductFacet.__table__))
    result = connection.execute(select(*_SOURCE).where(Product.status == ProductStatus.LISTED).order_by(Product.id))
    count = 0
    while batch := result.fetchmany(5000):
        rows = [r for r in map(facet_row, batch) if r is not None]
        _write(connection, rows)
        count += len(rows)
    _count_all(connection)
    return count


def combo_values(connection: Connection, ids) -> dict[int, tuple[str, ...]]:
    """The facet values (as strings, in FACET_COLUMNS order) of these combos, cached per process."""
    missing = [i for i in ids if i not in _COMBOS]
    if len(_COMBOS) + len(missing) > _MAX_COMBOS:
        _COMBOS.clear()
        missing = list(ids)
    table = FacetCombo.__table__
    for start in range(0, len(missing), _CHUNK):
        stmt = select(table.c.id, *(table.c[c] for c in FACET_COLUMNS)).where(
            table.c.id.in_(missing[start:start + _CHUNK]))
        for cid, *values in connection.execute(stmt):
            _COMBOS[cid] = tuple("" if v is None else str(v) for v in values)
    return _COMBOS


def _changed(obj: Product) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in _WATCHED)


@event.listens_for(Session, "after_flush")
def _sync_after_flush(session: Session, _flush_context) -> None:
    touched = {o.id for o in chain(session.new, session.dirty)
               if isinstance(o, Product) and (o in session.new or _changed(o))}
    touched |= {o.id for o in session.deleted if isinstance(o, Product)}
    if touched - {None}:
        sync_product_facets(session.connection(), touched)


def install_facets(connection: Connection) -> None:
    """Fill the facet table when it is empty but products are listed (an EXTRAS installer, see marketplace.schema).

    On PostgreSQL the table also gets a copy of product.search_vector with its own GIN index: matching
    and counting then never read the wide product rows.
    """
    if connection.dialect.name == "postgresql":
        for sql in ("ALTER TABLE product_facet ADD COLUMN IF NOT EXISTS search_vector tsvector",
                    "CREATE INDEX IF NOT EXISTS ix_product_facet_search ON product_facet USING gin (search_vector)"):
            connection.exec_driver_sql(sql)
    empty = connection.execute(select(func.count()).select_from(ProductFacet.__table__)).scalar_one() == 0
    if empty and connection.execute(select(Product.id).where(Product.status == ProductStatus.LISTED).limit(1)).first():
        rebuild_facets(connection)
    elif not empty and connection.execute(select(FacetCount.combo_id).limit(1)).first() is None:
        _count_all(connection)  # a database from before facet_count
    elif not empty and connection.execute(select(WordCount.combo_id).limit(1)).first() is None:
        _count_words(connection)  # a database from before word_count
