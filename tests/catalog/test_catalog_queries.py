"""Catalog query: filters, facets that match the results, sorting, pagination and R5 at read time."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.catalog.queries import FILTERS, CatalogQuery, search_catalog
from marketplace.catalog.search import index_product
from marketplace.models import AgreementStatus, Product
from tests.factories import make_agreement, make_org, make_product

PLANS = {
    "one_off": ({"form": "one_off", "price_fen": 50000},),
    "per_call": ({"form": "per_call_flat", "unit_price_fen": "50"},),
    "month": ({"form": "subscription_month", "price_fen": 200000, "period_months": 1}, {"form": "free_public"}),
    "nego": ({"form": "negotiated"},),
}


def _product(session, agreement, **kw):
    plans = PLANS[kw.pop("plans", "one_off")]
    product = make_product(session, agreement=agreement, plans=plans, **kw)
    index_product(session, product)
    session.commit()
    return product


@pytest.fixture
def catalog(session):
    a1 = make_agreement(session)
    a2 = make_agreement(session, operator=make_org(session, "operator"))
    made = [
        _product(session, a1, title="企业信用评价报告", type="report", domain="credit", plans="one_off"),
        _product(session, a1, title="企业信用核验接口", type="api", domain="credit", plans="per_call", popularity=9),
        _product(session, a1, title="交通路况实时数据", type="api", domain="transport", plans="per_call",
                 update_frequency="real-time"),
        _product(session, a2, title="高速ETC通行信用分", type="model", domain="transport", plans="month",
                 openness="conditional", popularity=3),
        _product(session, a2, title="气象预报数据包", type="package", domain="weather", plans="nego"),
    ]
    return made


def test_facet_counts_equal_result_counts_per_value(session, catalog):
    for q in ("", "信用", "数据", "企业", "etc", "企业 信用"):  # none, one word (word_count), a stopword, two words
        for base in ({}, {"domain": "transport"}, {"type": "api"}):
            result = search_catalog(session, CatalogQuery(q=q, filters=base, per_page=100))
            counted = search_catalog(session, CatalogQuery(q=q, filters=base, per_page=100), facets=False).total
            assert result.total == counted == len(result.items), (q, base)
            assert counted > 0 or base, q
            for name in FILTERS:
                for value, count in result.facets[name].items():
                    narrowed = search_catalog(session, CatalogQuery(q=q, filters={**base, name: value}, per_page=100),
                                              facets=False)
                    assert narrowed.total == count, (q, base, name, value)


def test_facets_show_values_and_prices(session, catalog):
    result = search_catalog(session, CatalogQuery())
    assert result.total == 5
    assert result.facets["type"] == {"report": 1, "api": 2, "model": 1, "package": 1}
    assert result.facets["charge_form"]["per_call_flat"] == 2
    assert result.facets["charge_form"]["free_public"] == 1
    assert result.facets["price"] == {"100_1000": 1, "under_100": 2, "free": 1, "negotiated": 1}
    assert result.facets["openness"] == {"unconditional": 4, "conditional": 1}


def test_text_and_filters_combine(session, catalog):
    result = search_catalog(session, CatalogQuery(q="信用", filters={"domain": "transport"}))
    assert [p.title for p in result.items] == ["高速ETC通行信用分"]
    assert search_catalog(session, CatalogQuery(q="ETC 通行")).total == 1
    assert search_catalog(session, CatalogQuery(q="信用 气象")).total == 0


def test_sorting(session, catalog):
    def titles(sort):
        return [p.title for p in search_catalog(session, CatalogQuery(sort=sort), facets=False).items]

    assert titles("popular")[:2] == ["企业信用核验接口", "高速ETC通行信用分"]
    assert titles("newest")[0] == "气象预报数据包"
    assert titles("price_asc")[:3] == ["高速ETC通行信用分", "交通路况实时数据", "企业信用核验接口"]
    assert titles("price_asc")[-1] == "气象预报数据包"  # negotiated (no public price) last
    assert titles("price_desc")[0] == "企业信用评价报告"
    assert titles("price_desc")[-1] == "气象预报数据包"


def test_pagination(session, catalog):
    pages = [search_catalog(session, CatalogQuery(sort="newest", page=n, per_page=2), facets=False)
             for n in (1, 2, 3, 4)]
    assert [len(p.items) for p in pages] == [2, 2, 1, 0]
    assert pages[0].total == 5 and pages[0].pages == 3
    seen = [p.id for page in pages for p in page.items]
    assert len(set(seen)) == 5


def test_out_of_term_and_terminated_agreements_leave_the_catalog(session, catalog):
    expired = make_agreement(session)
    expired.start_date, expired.end_date = date.today() - timedelta(days=400), date.today() - timedelta(days=2)
    session.add(expired)
    _product(session, expired, title="过期信用数据")
    terminated = make_agreement(session, status=AgreementStatus.TERMINATED)
    _product(session, terminated, title="终止信用数据")
    _product(session, make_agreement(session), title="草稿信用数据", status="draft")
    result = search_catalog(session, CatalogQuery(q="信用", per_page=100))
    titles = {p.title for p in result.items}
    assert titles == {"企业信用评价报告", "企业信用核验接口", "高速ETC通行信用分"}
    assert sum(result.facets["type"].values()) == 3


def test_relevance_puts_titles_holding_every_word_first_then_newest(session):
    """Relevance: products whose title holds every search word, then the other matches; newest first in each."""
    agreement = make_agreement(session)
    old_body = _product(session, agreement, title="交通路况数据", description_md="覆盖园区企业的通勤。")
    titled = _product(session, agreement, title="企业名录数据包")
    body = _product(session, agreement, title="园区统计年报", summary="园区企业数量与产值")
    newest_titled = _product(session, agreement, title="企业画像接口", type="api", plans="per_call")
    _product(session, agreement, title="气象预报数据包")
    both = _product(session, agreement, title="企业交通出行指数")
    half = _product(session, agreement, title="企业用车报告", description_md="按交通方式统计。")

    def ids(q, **kw):
        return [p.id for p in search_catalog(session, CatalogQuery(q=q, **kw)).items]

    assert ids("企业") == [half.id, both.id, newest_titled.id, titled.id, body.id, old_body.id]
    assert ids("交通 企业") == [both.id, half.id, old_body.id]  # one of the two words in the title is not enough
    assert ids("企业", filters={"type": "api"}) == [newest_titled.id]
    paged = [ids("企业", page=n, per_page=4) for n in (1, 2, 3)]
    assert paged == [[half.id, both.id, newest_titled.id, titled.id], [body.id, old_body.id], []]
    singles = [ids("企业", page=n, per_page=1) for n in range(1, 8)]
    assert [i for page in singles for i in page] == ids("企业") and singles[-1] == []


def test_relevance_order_equals_a_brute_force_sort(session):
    """Random titles and summaries: every page of every query is the brute-force order cut at its place."""
    from marketplace.catalog.search import product_text, query_terms, segment

    rng = random.Random(5)
    words = ["企业", "信用", "交通", "气象", "园区", "ETC"]
    agreement = make_agreement(session)
    for i in range(30):
        title = "".join(rng.sample(words, rng.randint(0, 2))) + f"目录{i}"
        _product(session, agreement, title=title, summary="".join(rng.sample(words, rng.randint(0, 3))),
                 type=rng.choice(["api", "report"]), plans=rng.choice(["one_off", "per_call"]))
    products = list(session.execute(select(Product)).scalars())
    for q in ("企业", "信用 交通", "etc", "园区 气象 企业", "企业 api"):
        terms = query_terms(q)
        for filters in ({}, {"type": "report"}):
            found = [p for p in products if set(terms) <= set(segment(product_text(session, p)).split())
                     and all(str(getattr(p, k)) == v for k, v in filters.items())]
            order = [p.id for p in sorted(found, key=lambda p: (all(t in p.title.lower() for t in terms), p.id),
                                          reverse=True)]
            for per_page in (3, 7, 100):
                pages = [search_catalog(session, CatalogQuery(q=q, filters=filters, page=n, per_page=per_page))
                         for n in range(1, len(order) // per_page + 3)]
                assert [p.id for page in pages for p in page.items] == order, (q, filters, per_page)
                assert {page.total for page in pages} == {len(order)}


def test_relevance_with_quotes_and_like_wildcards_in_the_query(session):
    """Quotes, LIKE wildcards and the escape character in a query neither break the SQL nor widen the title tier."""
    from marketplace.catalog.queries import _containing

    assert _containing("a_b%/c") == "%a/_b/%//c%"
    agreement = make_agreement(session)
    titled = _product(session, agreement, title="企业名录")
    body = _product(session, agreement, title="园区年报", summary="企业")
    for q in ("企业'", "企业%", "企业_", "企业/", "企业\\", "'企业' --"):
        assert [p.id for p in search_catalog(session, CatalogQuery(q=q)).items] == [titled.id, body.id], q
    assert search_catalog(session, CatalogQuery(q="'企业' OR 1=1 --")).total == 0  # every word must match
