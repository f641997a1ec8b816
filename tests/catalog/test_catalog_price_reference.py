"""Comparables and GET /api/v1/price-reference: ranking, statistics, bad parameters, OpenAPI, speed."""

import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from marketplace.catalog.comparables import ComparablePool, Listing, listings_of, words_of
from marketplace.catalog.search import index_product
from pricing import PlanTerms
from tests.factories import make_agreement, make_product

D = Decimal


def _listing(slug, title, *, form="per_call_flat", price="1", type="api", domain="credit"):
    terms = PlanTerms.from_dict(
        {"form": form, "unit_price_fen": price}
        if form in ("per_call_flat", "per_record")
        else {"form": form, "price_fen": int(price), **({"period_months": 12} if form == "subscription_year" else {})}
    )
    return listings_of(slug=slug, title=title, type=type, domain=domain, words=words_of(title), plans=[terms])[0]


def test_pool_ranks_same_form_then_words_type_domain():
    pool = ComparablePool(
        [
            _listing("a", "企业信用核验接口", price="10"),
            _listing("b", "企业信用评分接口", price="20", domain="finance"),
            _listing("c", "高速公路通行数据接口", price="90", domain="transport"),
            _listing("d", "企业信用报告", form="one_off", price="50000", type="report"),
            _listing("e", "企业信用核验记录", form="per_record", price="5"),
        ]
    )
    found = pool.rank(charge_form="per_call_flat", type="api", domain="credit", words=words_of("企业信用核验"))
    assert [c.listing.slug for c in found] == ["a", "b", "c"]  # per call only; the nearest first
    assert all(c.same_form for c in found)
    stats, _ = pool.reference(
        charge_form="per_call_flat", type="api", domain="credit", words=words_of("企业信用核验"), limit=2
    )
    assert (stats.unit, stats.count, stats.median, stats.lowest, stats.highest) == ("call", 2, D(15), D(10), D(20))
    # a per-product form compares with per-product listings (one-off and subscription) only
    product = pool.rank(charge_form="subscription_year", words=words_of("企业信用"))
    assert [c.listing.slug for c in product] == ["d"] and product[0].same_form is False


def test_pool_puts_same_charge_form_before_closer_words():
    pool = ComparablePool(
        [
            _listing("sub", "企业信用报告年度订阅", form="subscription_year", price="120000"),
            _listing("one", "道路交通流量", form="one_off", price="5000"),
        ]
    )
    found = pool.rank(charge_form="one_off", words=words_of("企业信用报告"))
    assert [c.listing.slug for c in found] == ["one", "sub"]


def test_listing_takes_lowest_price_per_unit():
    plans = [
        PlanTerms.from_dict(t)
        for t in (
            {"form": "per_call_flat", "unit_price_fen": "30"},
            {"form": "prepaid_calls", "price_fen": 10000, "package_calls": 1000},
            {"form": "one_off", "price_fen": 90000},
            {"form": "negotiated"},
        )
    ]
    made = listings_of(slug="x", title="t", type="api", domain="credit", words=frozenset(), plans=plans)
    by_unit = {m.unit: m for m in made}
    assert set(by_unit) == {"call", "product"}
    assert by_unit["call"].unit_price_fen == D(10) and by_unit["call"].forms == {"per_call_flat", "prepaid_calls"}
    assert by_unit["product"].unit_price_fen == D(90000)


@pytest.fixture
def listed(session):
    agreement = make_agreement(session)
    made = []
    for title, type_, domain, plans in [
        ("企业信用核验API", "api", "credit", ({"form": "per_call_flat", "unit_price_fen": "50"},)),
        ("企业信用评分API", "api", "credit", ({"form": "per_call_flat", "unit_price_fen": "30"},)),
        ("企业工商信息查询", "api", "credit", ({"form": "prepaid_calls", "price_fen": 10000, "package_calls": 1000},)),
        ("高速ETC通行数据", "api", "transport", ({"form": "negotiated"},)),
        ("企业信用评价报告", "report", "credit", ({"form": "one_off", "price_fen": 50000},)),
    ]:
        p = make_product(session, agreement=agreement, title=title, type=type_, domain=domain, plans=plans)
        index_product(session, p)
        made.append(p)
    make_product(
        session,
        agreement=agreement,
        title="企业信用草稿API",
        type="api",
        status="draft",
        plans=({"form": "per_call_flat", "unit_price_fen": "1"},),
    )
    session.commit()
    return made


def test_price_reference_json(client, listed):
    resp = client.get("/api/v1/price-reference?charge_form=per_call_flat&type=api&domain=credit&q=企业信用核验接口")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["unit"], body["count"]) == ("call", 3)  # the draft and the negotiated one are not comparables
    assert (body["median"], body["lowest"], body["highest"]) == ("30", "10", "50")
    assert body["quartiles"] == {"q1": "20", "q3": "40"}
    assert body["comparables"][0]["slug"] == listed[0].slug and body["comparables"][0]["unit_price"] == "50"
    assert [c["same_charge_form"] for c in body["comparables"]] == [True, True, False]
    assert body["comparables"][0]["url"].endswith(f"/products/{listed[0].slug}")
    excluded = client.get(f"/api/v1/price-reference?charge_form=per_call_flat&exclude={listed[0].slug}").get_json()
    assert listed[0].slug not in {c["slug"] for c in excluded["comparables"]} and excluded["count"] == 2


def test_price_reference_sees_a_new_listing(client, session, listed):
    before = client.get("/api/v1/price-reference?charge_form=one_off").get_json()
    assert before["count"] == 1
    p = make_product(
        session,
        agreement=make_agreement(session),
        title="新报告",
        type="report",
        plans=({"form": "one_off", "price_fen": 70000},),
    )
    index_product(session, p)
    session.commit()
    after = client.get("/api/v1/price-reference?charge_form=one_off").get_json()
    assert (after["count"], after["median"]) == (2, "60000")


def test_price_reference_drops_a_delisted_listing(client, session, listed):
    assert client.get("/api/v1/price-reference?charge_form=per_call_flat").get_json()["count"] == 3
    listed[1].status = "delisted"
    session.add(listed[1])
    session.commit()
    body = client.get("/api/v1/price-reference?charge_form=per_call_flat").get_json()
    assert body["count"] == 2 and listed[1].slug not in {c["slug"] for c in body["comparables"]}


def test_price_reference_defaults_to_per_call(client, listed):
    body = client.get("/api/v1/price-reference").get_json()
    assert (body["unit"], body["count"]) == ("call", 3)


def test_price_reference_empty(client, listed):
    body = client.get("/api/v1/price-reference?charge_form=per_record").get_json()
    assert (body["count"], body["median"], body["quartiles"]["q1"], body["comparables"]) == (0, None, None, [])


@pytest.mark.parametrize(
    "query,param",
    [
        ("charge_form=barter", "charge_form"),
        ("charge_form=one_off&type=car", "type"),
        ("charge_form=one_off&domain=mars", "domain"),
        ("charge_form=one_off&q=" + "信" * 1001, "q"),
        ("charge_form=one_off&limit=0", "limit"),
        ("charge_form=one_off&limit=x", "limit"),
        ("charge_form=one_off&exclude=" + "x" * 81, "exclude"),
    ],
)
def test_price_reference_bad_parameters(client, listed, query, param):
    resp = client.get(f"/api/v1/price-reference?{query}")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["parameter"] == param and error["code"] == "bad_parameter" and error["message"]


def test_price_reference_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    op = spec["paths"]["/api/v1/price-reference"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"charge_form", "type", "domain", "q"}
    assert "PriceReference" in spec["components"]["schemas"]


def test_ranking_is_fast_at_the_size_of_the_shared_listings():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from listings import DATA_DIR

    if not (DATA_DIR / "exchange-listings-guiyang.csv").exists():
        pytest.skip("shared listings not found")
    from listings import read_listings
    from pricing_reference import build

    pool = ComparablePool(listing for _, _, listing in build(read_listings()))
    assert len(pool.listings) > 800
    words = words_of("企业信用核验接口，返回企业工商登记与信用评分")
    started = time.perf_counter()
    for _ in range(20):
        pool.rank(charge_form="per_call_flat", type="api", domain="credit", words=words)
    assert (time.perf_counter() - started) / 20 < 0.05  # a few ms; generous for a shared machine
    assert isinstance(pool.listings[0], Listing)
