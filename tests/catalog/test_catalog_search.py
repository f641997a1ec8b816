"""Segmentation and full-text matching on both backends."""

from sqlalchemy import text, update

from marketplace.catalog.search import index_product, query_terms, segment
from marketplace.models import Product
from tests.factories import make_agreement, make_product


def test_segment_lowercases_and_keeps_latin_and_digits():
    words = segment("企业信用报告API，ETC通行 2024").split()
    assert {"企业", "信用", "api", "etc", "通行", "2024"} <= set(words)
    assert "，" not in words


def test_query_terms_prefer_the_finest_words():
    assert query_terms("交通运输") == ["交通", "通运", "运输"]
    assert query_terms("API 信用") == ["api", "信用"]


def _match_ids(session, q):
    from marketplace.catalog.search import fts_match_expression, pg_tsquery_expression

    terms = query_terms(q)
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text("SELECT rowid FROM product_fts WHERE product_fts MATCH :m"),
                               {"m": fts_match_expression(terms)})
    else:
        rows = session.execute(text("SELECT id FROM product WHERE search_vector @@ to_tsquery('simple', :q)"),
                               {"q": pg_tsquery_expression(terms)})
    return {r[0] for r in rows}


def test_index_product_matches_two_character_and_mixed_queries(session):
    agreement = make_agreement(session)
    credit = make_product(session, agreement=agreement, title="企业信用评价报告", description_md="提供API查询")
    road = make_product(session, agreement=agreement, title="高速公路ETC通行记录", domain="transport")
    other = make_product(session, agreement=agreement, title="气象预报数据包", domain="weather")
    for p in (credit, road, other):
        index_product(session, p)
    session.commit()
    assert _match_ids(session, "信用") == {credit.id}
    assert _match_ids(session, "API 信用") == {credit.id}
    assert _match_ids(session, "ETC 通行") == {road.id}
    assert _match_ids(session, "etc") == {road.id}
    assert _match_ids(session, "交通") == {road.id}  # the domain label is indexed too
    assert _match_ids(session, "气象") == {other.id}
    assert _match_ids(session, "信用 气象") == set()
    other.title = "企业信用气象"
    index_product(session, other)
    session.commit()
    assert _match_ids(session, "信用 气象") == {other.id}


def test_reindex_catalog_command_rebuilds_the_index(session, runner):
    product = make_product(session, title="水质监测数据", domain="environment")
    result = runner.invoke(args=["reindex-catalog"])
    assert result.exit_code == 0 and "reindexed 1 products" in result.output
    session.expire_all()
    assert _match_ids(session, "水质") == {product.id}
    from marketplace.catalog.queries import CatalogQuery, search_catalog
    from tests.catalog.test_catalog_facet_index import _expected, _stored

    assert _stored(session) == _expected(session)  # facet rows, facet_count and word_count agree with a recount
    assert search_catalog(session, CatalogQuery(q="水质")).facets["domain"] == {"environment": 1}  # from word_count
    session.execute(update(Product).where(Product.id == product.id).values(title="空气质量数据"))  # behind the ORM
    session.commit()
    assert runner.invoke(args=["reindex-catalog"]).exit_code == 0
    session.expire_all()
    assert _stored(session) == _expected(session)
    assert search_catalog(session, CatalogQuery(q="水质")).total == 0
    assert search_catalog(session, CatalogQuery(q="空气")).facets["domain"] == {"environment": 1}
