"""JSON API: list and detail shapes, bad parameters, OpenAPI document."""

import pytest
from openapi_spec_validator import validate

from marketplace.catalog.search import index_product
from marketplace.web.api import openapi as openapi_module
from tests.factories import make_agreement, make_product


@pytest.fixture
def products(session):
    agreement = make_agreement(session)
    made = []
    for title, type_, domain, plans in [
        ("企业信用评价报告", "report", "credit", ({"form": "one_off", "price_fen": 50000},)),
        ("企业信用核验API", "api", "credit", ({"form": "per_call_flat", "unit_price_fen": "50"},)),
        ("高速ETC通行数据", "api", "transport", ({"form": "negotiated"},)),
    ]:
        p = make_product(session, agreement=agreement, title=title, type=type_, domain=domain, plans=plans)
        index_product(session, p)
        made.append(p)
    session.commit()
    return made


def test_list_shape_and_filters(client, products):
    body = client.get("/api/v1/products?q=信用&per_page=10").get_json()
    assert body["total"] == 2
    assert {i["title"] for i in body["items"]} == {"企业信用评价报告", "企业信用核验API"}
    item = next(i for i in body["items"] if i["type"] == "api")
    assert {"slug", "title", "type", "domain", "operator", "price_mode"} <= set(item)
    assert item["price_mode"] == "usage-based" and item["domain"] == "credit" and item["operator"]
    transport = client.get("/api/v1/products?type=api&domain=transport").get_json()
    assert transport["items"][0]["price_mode"] == "negotiation"
    paged = client.get("/api/v1/products?per_page=2&page=2").get_json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
    faceted = client.get("/api/v1/products?facets=1").get_json()
    assert faceted["facets"]["type"] == {"report": 1, "api": 2}


def test_detail_shape_and_404(client, products):
    body = client.get(f"/api/v1/products/{products[1].slug}").get_json()
    assert body["title"] == "企业信用核验API" and body["agreement"]["code"].startswith("SQ-TEST-")
    # R3: sold only under a cap in force (the factory sets one at the plan's price)
    assert body["plans"][0]["charge_form"] == "per_call_flat" and body["plans"][0]["cap"]["cap_fen"] == "50.0000"
    resp = client.get("/api/v1/products/nope")
    assert resp.status_code == 404 and resp.get_json()["error"]["message"]


@pytest.mark.parametrize("query,param", [
    ("per_page=0", "per_page"), ("page=-1", "page"), ("type=unknown", "type"), ("page=x", "page"),
    ("per_page=1000", "per_page"), ("domain=mars", "domain"), ("sort=best", "sort"), ("operator=abc", "operator"),
    ("q=" + "信" * 101, "q"), ("price=cheap", "price"),
])
def test_bad_parameters_are_400_json_naming_the_parameter(client, query, param):
    resp = client.get(f"/api/v1/products?{query}")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["parameter"] == param and param in error["message"] and error["code"]


def test_openapi_is_valid_and_lists_product_paths(client, monkeypatch):
    def extender(spec, session):
        slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
        spec["paths"]["/api/v1/data/{slug}"] = {"get": {"parameters": [slug],
                                                        "responses": {"200": {"description": "ok"}}}}

    monkeypatch.setattr(openapi_module, "OPENAPI_EXTENDERS", [extender])
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/products", "/api/v1/products/{slug}", "/api/v1/data/{slug}"} <= set(spec["paths"])
