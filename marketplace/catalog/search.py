"""Chinese full-text search: jieba segmentation into SQLite FTS5 or a PostgreSQL tsvector.

Documents and queries are segmented the same way (`segment`). Product.search_words holds the tokens;
SQLite keeps them in the FTS5 table `product_fts` (rowid = product.id); PostgreSQL has a stored generated
column `product.search_vector = to_tsvector('simple', search_words)` with a GIN index (both from EXTRAS).
A query matches when every one of its finest tokens is present (a long word is replaced by the shorter
words jieba finds inside it, which both sides hold).
"""

from __future__ import annotations

import logging
import re

import jieba
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from marketplace.catalog.facet_index import fts_words, recount_words, sync_product_facets
from marketplace.catalog.visibility import lowest_price_fen
from marketplace.catalog_terms import DOMAINS, PRODUCT_TYPES
from marketplace.models import Organization, PricePlan, Product
from marketplace.supply.search_hook import register_indexer

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")
_STRIP = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff_.+-]")
# Indexes for sorting and for the facet GROUP BY (covering, so counting never reads the wide rows).
SORT_AND_FACET_INDEXES = (
    ("listed_at", "listed_at"), ("popularity", "popularity"), ("min_price", "min_price_fen"),
    ("facets", "status, type, domain, region, operator_id, openness, update_frequency, min_price_fen, "
               "charge_forms, agreement_id"),
)
# Words nearly every listing holds: as query terms they select everything, so they are not required.
STOPWORDS = frozenset({"数据", "的", "和", "与", "及", "或", "等", "产品", "数据产品"})


def _tokens(value: str) -> list[str]:
    """jieba search-mode tokens, lower-cased, only those holding a letter, digit or CJK character."""
    out = []
    for raw in jieba.cut_for_search(value or "", HMM=False):
        tok = _STRIP.sub("", raw.lower()).strip("_.+-")
        if tok and _WORD.search(tok):
            out.append(tok)
    return out


def segment(value: str) -> str:
    """Space-joined jieba (cut_for_search) tokens, lower-cased, Latin words and digits included."""
    return " ".join(_tokens(value))


def query_terms(query: str) -> list[str]:
    """The tokens a query must match: its segments minus longer ones that contain another segment."""
    toks = [t for t in dict.fromkeys(_tokens(query)) if t not in STOPWORDS]
    return [t for t in toks if not any(o != t and o in t for o in toks)]


def product_text(session: Session, product: Product) -> str:
    """Everything searchable about a product, as one string."""
    operator = session.get(Organization, product.operator_id) if product.operator_id else None
    parts = [product.title, product.summary, product.description_md, DOMAINS.get(product.domain, ""),
             PRODUCT_TYPES.get(product.type, ""), product.region, product.registration_code,
             operator.name if operator else ""]
    return "\n".join(p for p in parts if p)


def index_product(session: Session, product: Product) -> None:
    """Refresh a product's search words, lowest price, facet row and full-text row (caller commits)."""
    product.search_words = segment(product_text(session, product))
    if product.id is not None:
        plans = session.exec(select(PricePlan).where(PricePlan.product_id == product.id)).all()
        product.min_price_fen = lowest_price_fen(list(plans))
        forms = sorted({p.charge_form for p in plans if p.active})
        product.charge_forms = f" {' '.join(forms)} " if forms else ""
    session.add(product)
    session.flush()
    connection = session.connection()
    if session.get_bind().dialect.name != "sqlite":
        sync_product_facets(connection, [product.id])
        return
    # SQLite: the facet row is counted under the words product_fts holds, then moved to the new words with it
    old = session.execute(text("SELECT words FROM product_fts WHERE rowid = :id"), {"id": product.id}).scalar()
    texts = {0: old or ""} if old == product.search_words else {0: old or "", 1: product.search_words}
    words = fts_words(connection, texts)  # one tokenization for both (none again for an unchanged text)
    sync_product_facets(connection, [product.id], words={product.id: words[0]})
    session.execute(text("DELETE FROM product_fts WHERE rowid = :id"), {"id": product.id})
    session.execute(text("INSERT INTO product_fts (rowid, words) VALUES (:id, :w)"),
                    {"id": product.id, "w": product.search_words})
    recount_words(connection, product.id, words[0], words.get(1, words[0]))  # word_count follows product_fts


def fts_match_expression(terms: list[str]) -> str:
    """An FTS5 MATCH string requiring every term (each quoted as a phrase)."""
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def pg_tsquery_expression(terms: list[str]) -> str:
    """A to_tsquery('simple', …) string requiring every term."""
    return " & ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)


def install_search(connection: Connection) -> None:
    """Create the full-text structures and the catalog's sort indexes for this backend (idempotent)."""
    for name, columns in SORT_AND_FACET_INDEXES:
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_product_{name} ON product ({columns})")
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS product_fts USING fts5(words)")
    elif connection.dialect.name == "postgresql":  # a stored vector: ranking never re-parses the words
        connection.exec_driver_sql(
            "ALTER TABLE product ADD COLUMN IF NOT EXISTS search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_words)) STORED")
        connection.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS ix_product_search_vector ON product USING gin (search_vector)")


def reindex_all(session: Session) -> int:
    """Re-segment every product (after a schema rebuild or dictionary change); returns the count."""
    count = 0
    for product in session.exec(select(Product)).all():
        index_product(session, product)
        count += 1
    session.flush()
    session.execute(text("ANALYZE"))  # planner statistics: without them SQLite sorts every product per page
    return count


register_indexer(index_product)
