"""The narrow facet table stays equal to the product table, and facet counts match a brute-force count."""

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text

from marketplace.audit import Actor
from marketplace.catalog.facet_index import _SOURCE, facet_row, install_facets, price_bucket, rebuild_facets
from marketplace.catalog.queries import CUBE_DIMS, CatalogQuery, search_catalog
from marketplace.catalog.search import index_product
from marketplace.clock import today
from marketplace.models import Agreement, FacetCount, OrgKind, Product, ProductFacet, ProductStatus, Role, WordCount
from marketplace.supply.agreements import AgreementIn, grant_agreement, terminate_agreement
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.enforcement import enforce_terms
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from tests.factories import make_agreement, make_org, make_product, make_user

DATA = {"type": "api", "title": "企业信用评分接口", "summary": "按统一社会信用代码查询企业信用评分",
        "description_md": "返回评分。", "domain": "credit", "region": "福建省", "openness": "unconditional",
        "security_grade": "general", "registration_code": "FJ-REG-0001", "update_frequency": "daily",
        "delivery_mode": "API 调用", "version_notes": "v1", "data_dictionary": [], "sample_rows": [],
        "offline_delivery": True}  # declared offline: deliverable without a data API
PLAN = {"name": "按次", "form": "per_call_flat", "unit_price_fen": "50"}


def _stored(session) -> dict[int, dict]:
    return {r["product_id"]: dict(r) for r in session.execute(select(ProductFacet.__table__)).mappings()}


def _expected(session) -> dict[int, dict]:
    rows = session.execute(select(*_SOURCE)).all()
    expected = {r["product_id"]: r for r in map(facet_row, rows) if r is not None}
    _assert_counts_agree(session, expected)
    return expected


def _assert_counts_agree(session, rows: dict[int, dict]) -> None:
    """facet_count holds exactly these facet rows counted per agreement and combination (no row of 0), and
    word_count the facet rows counted per word of the full-text index as well."""
    counted = Counter((r["agreement_id"], r["combo_id"]) for r in rows.values())
    stored = {(a, c): n for a, c, n in session.execute(select(FacetCount.agreement_id, FacetCount.combo_id,
                                                              FacetCount.listed))}
    assert stored == dict(counted)
    words = {(w, a, c): n for w, a, c, n in session.execute(select(WordCount.word, WordCount.agreement_id,
                                                                   WordCount.combo_id, WordCount.listed))}
    assert words == _words_counted_whole(session)


def _words_counted_whole(session) -> dict:
    """Facet rows per word of the full-text index, counted from scratch in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        sql = ("SELECT w, agreement_id, combo_id, count(*) FROM product_facet, "
               "unnest(tsvector_to_array(search_vector)) AS w GROUP BY w, agreement_id, combo_id")
    else:
        session.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.check_terms USING fts5vocab(main, product_fts, "
                             "instance)"))
        sql = ("SELECT v.term, f.agreement_id, f.combo_id, count(DISTINCT v.doc) FROM temp.check_terms v "
               "JOIN product_facet f ON f.product_id = v.doc GROUP BY v.term, f.agreement_id, f.combo_id")
    return {(w, a, c): n for w, a, c, n in session.execute(text(sql))}


class Supply:
    """An authority, an operator with a live agreement, and a reviewer, driven through the use cases."""

    def __init__(self, session):
        self.session = session
        self.authority = make_org(session, OrgKind.AUTHORITY)
        self.operator = make_org(session, OrgKind.OPERATOR)
        self.op_user = make_user(session, Role.OPERATOR, org=self.operator)
        self.reviewer = make_user(session, Role.REVIEWER)
        self.agreement = self.grant(days_left=365)

    def grant(self, *, days_left: int):
        data = AgreementIn(operator_id=self.operator.id, title="测试授权运营协议", domains=["credit"],
                           start_date=today() - timedelta(days=30), end_date=today() + timedelta(days=days_left))
        return grant_agreement(self.session, actor=Actor.system("test"), authority_id=self.authority.id, data=data)

    def listed(self, **kw) -> Product:
        product = create_product(self.session, actor=Actor.system("test"), operator_id=self.operator.id,
                                 data={**DATA, **kw}, plans=[PLAN])
        assert product.id not in _stored(self.session)  # a draft is not in the catalog
        set_cap(self.session, actor=Actor.system("test"), product_id=product.id, charge_form="per_call_flat",
                cap_fen=Decimal(50))  # R3: listed only under a cap in force
        revision = submit_revision(self.session, actor=Actor.system("test"), product_id=product.id)
        assert product.id not in _stored(self.session)
        return approve_revision(self.session, actor=Actor(self.reviewer.id, self.reviewer.email, None),
                                revision_id=revision.id)


@pytest.fixture
def supply(session):
    return Supply(session)


def test_listing_adds_the_row_and_termination_removes_it(session, supply):
    product = supply.listed()
    row = _stored(session)[product.id]
    assert (row["type"], row["domain"], row["region"], row["price"], row["charge_forms"]) == (
        "api", "credit", "福建省", "under_100", " per_call_flat ")
    assert row["agreement_id"] == supply.agreement.id and _stored(session) == _expected(session)
    assert search_catalog(session, CatalogQuery(q="信用")).facets["type"] == {"api": 1}
    terminate_agreement(session, actor=Actor.system("test"), agreement_id=supply.agreement.id, reason="违规")
    assert session.get(Product, product.id).status == ProductStatus.DELISTED
    assert _stored(session) == {} == _expected(session)
    assert search_catalog(session, CatalogQuery()).total == 0


def test_expired_agreement_hidden_before_enforcement_and_row_removed_by_it(session, supply):
    product = supply.listed()
    agreement = session.get(Agreement, supply.agreement.id)
    agreement.end_date = today() - timedelta(days=1)  # ran out; enforce-terms has not run yet
    session.commit()
    assert product.id in _stored(session)
    result = search_catalog(session, CatalogQuery(q="信用"))
    assert (result.total, result.facets["domain"], result.items) == (0, {}, [])
    assert enforce_terms(session, actor=Actor.system("cli")).products == 1
    assert _stored(session) == {} == _expected(session)


def test_direct_orm_changes_keep_the_row_in_sync(session, supply):
    product = supply.listed()
    product.region, product.min_price_fen = "浙江省", 0
    session.commit()
    assert (_stored(session)[product.id]["region"], _stored(session)[product.id]["price"]) == ("浙江省", "free")
    facets = search_catalog(session, CatalogQuery()).facets
    assert (facets["region"], facets["price"]) == ({"浙江省": 1}, {"free": 1})
    product.status = ProductStatus.DELISTED
    session.commit()
    assert _stored(session) == {} and search_catalog(session, CatalogQuery()).total == 0
    product.status = ProductStatus.LISTED
    session.commit()
    assert _stored(session) == _expected(session) and set(_stored(session)) == {product.id}


def test_install_fills_an_empty_table_and_rebuild_matches(session, supply):
    supply.listed()
    supply.listed(title="交通路况数据", domain="credit", region="")
    before = search_catalog(session, CatalogQuery())
    connection = session.connection()
    connection.execute(delete(ProductFacet.__table__))
    connection.execute(delete(FacetCount.__table__))
    assert _stored(session) == {}
    install_facets(connection)
    assert _stored(session) == _expected(session) and len(_stored(session)) == 2
    connection.execute(delete(FacetCount.__table__))  # a database from before facet_count: install counts it
    install_facets(connection)
    assert _stored(session) == _expected(session)
    assert rebuild_facets(connection) == 2
    session.commit()
    after = search_catalog(session, CatalogQuery())
    assert (after.total, after.facets) == (before.total, before.facets)


def _brute_force(products, live, filters) -> tuple[int, dict]:
    """Facet counts straight from Product objects: each facet with every other filter applied."""
    def values(p, dim):
        return {"type": [str(p.type)], "domain": [p.domain], "region": [p.region], "operator": [str(p.operator_id)],
                "openness": [str(p.openness)], "update_frequency": [p.update_frequency],
                "price": [price_bucket(p.min_price_fen)], "charge_form": p.charge_forms.split()}[dim]

    visible = [p for p in products if p.status == ProductStatus.LISTED and p.agreement_id in live]
    def passes(p, skip=None):
        return all(v in values(p, k) for k, v in filters.items() if k != skip)

    facets = {d: {} for d in CUBE_DIMS}
    for d in CUBE_DIMS:
        for p in (p for p in visible if passes(p, skip=d)):
            for v in values(p, d):
                if v:
                    facets[d][v] = facets[d].get(v, 0) + 1
    return sum(1 for p in visible if passes(p)), facets


def test_facets_equal_a_brute_force_count(session):
    rng = random.Random(3)
    live = [make_agreement(session), make_agreement(session, operator=make_org(session, "operator"))]
    expired = make_agreement(session)
    expired.start_date, expired.end_date = today() - timedelta(days=400), today() - timedelta(days=2)
    plans = [({"form": "one_off", "price_fen": 50000},), ({"form": "per_call_flat", "unit_price_fen": "50"},),
             ({"form": "negotiated"},), ({"form": "free_public"}, {"form": "one_off", "price_fen": 2_000_000})]
    frequencies = ["daily", "once"]
    for i in range(40):
        product = make_product(session, agreement=rng.choice([*live, expired]), title=f"信用数据{i}",
                               type=rng.choice(["api", "report", "package"]), plans=rng.choice(plans),
                               domain=rng.choice(["credit", "transport"]), update_frequency=rng.choice(frequencies),
                               status=rng.choice([ProductStatus.LISTED] * 4 + [ProductStatus.DRAFT]))
        product.region = rng.choice(["福建省", "浙江省", ""])
        index_product(session, product)
    broker = make_org(session, OrgKind.BROKER)
    for product in rng.sample([p for p in session.execute(select(Product)).scalars()
                               if p.status == ProductStatus.LISTED], 5):
        product.broker_id = broker.id  # a broker product no mandate covers: hidden (R6), and not counted
    session.commit()
    assert _stored(session) == _expected(session)
    products = [p for p in session.execute(select(Product)).scalars() if p.broker_id is None]
    for filters in ({}, {"type": "api"}, {"region": "浙江省", "charge_form": "one_off"}, {"price": "negotiated"},
                    {"domain": "transport", "type": "report", "price": "100_1000"}):
        total, facets = _brute_force(products, {a.id for a in live}, filters)
        for q in ("", "信用"):  # every title holds 信用: counted from facet_count, then from word_count
            result = search_catalog(session, CatalogQuery(q=q, filters=filters, per_page=100))
            assert (result.total, result.facets) == (total, facets), (q, filters)
            assert len(result.items) == total
        assert total > 0 or filters
