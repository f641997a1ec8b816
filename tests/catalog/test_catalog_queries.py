"""Catalog query: filters, facets that match the results, sorting, pagination and R5 at read time."""

from datetime import date, timedelta

import pytest

from marketplace.catalog.queries import FILTERS, CatalogQuery, search_catalog
from marketplace.catalog.search import index_product
from marketplace.models import AgreementStatus
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
    for q in ("", "信用", "数据"):
        for base in ({}, {"domain": "transport"}, {"type": "api"}):
            result = search_catalog(session, CatalogQuery(q=q, filters=base, per_page=100))
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
