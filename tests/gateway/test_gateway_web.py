"""Gateway pages: generated docs, buyer usage with cost, receipts and CSV, seller usage, define from CSV."""

import csv
import hashlib
import io
import json

from sqlalchemy import select

from marketplace.models import Organization, Product
from marketplace.models.metering import ApiDataset, DatasetRow, UsageEvent
from tests.gateway.conftest import USCC_A, USCC_NONE, auth


def _calls(web, api):
    ids = []
    for uscc in (USCC_A, USCC_A, USCC_NONE):
        resp = web.get(f"/api/v1/data/{api.slug}?uscc={uscc}", headers=auth(api.key))
        ids.append((resp.status_code, resp.headers["X-Request-Id"]))
    return ids


def test_docs_page_is_generated_from_the_definition(web, make_api):
    api = make_api()
    html = web.get(f"/api-docs/{api.slug}").get_data(as_text=True)
    assert f"/api/v1/data/{api.slug}?uscc=" in html and "curl" in html and "Authorization: Bearer" in html
    assert "保留前3位、后4位" in html and "仅保留年份" in html and "quota_exceeded" in html
    assert f"?uscc={USCC_A}" in html  # a runnable example from the dataset's first key
    assert web.get("/api-docs/no-such-api").status_code == 404


def test_verification_docs_never_show_stored_values(web, make_api):
    from tests.gateway.conftest import VERIFY

    api = make_api(definition=VERIFY)
    html = web.get(f"/api-docs/{api.slug}").get_data(as_text=True)
    assert "name=&lt;name&gt;" in html and "legal_rep=&lt;legal_rep&gt;" in html
    assert "张三" not in html and "示例甲科技有限公司" not in html


def test_buyer_usage_page_cost_receipt_and_csv(web, session, make_api, login_as):
    api = make_api()
    calls = _calls(web, api)
    login_as("buyer", org=session.get(Organization, api.buyer.id))
    html = web.get("/usage").get_data(as_text=True)
    assert api.product.title in html and "¥1.00" in html  # 2 billable calls × ¥0.50
    billable_ids = sorted(rid for status, rid in calls if status == 200)
    assert hashlib.sha256("\n".join(billable_ids).encode()).hexdigest() in html
    assert 'id="usage-chart"' in html and "js/usage.js" in html
    resp = web.get("/usage/calls.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["request_id"] for r in rows) == sorted(rid for _s, rid in calls)
    assert sorted(r["billable"] for r in rows) == ["0", "1", "1"]


def test_other_buyers_see_nothing_of_it(web, session, make_api, login_as):
    api = make_api()
    _calls(web, api)
    login_as("buyer")
    html = web.get("/usage").get_data(as_text=True)
    assert api.product.title not in html
    assert web.get("/usage/calls.csv").get_data(as_text=True).strip().count("\n") == 0  # header only


def test_seller_usage_per_buyer_and_csv(web, session, make_api, login_as):
    api = make_api()
    _calls(web, api)
    login_as("operator", org=session.get(Organization, api.product.operator_id))
    html = web.get("/supply/api-usage").get_data(as_text=True)
    assert api.buyer.name in html and api.product.title in html
    text = web.get("/supply/api-usage/calls.csv").get_data(as_text=True)
    assert text.count(api.buyer.name) == 3
    assert web.get("/usage").status_code == 403


def test_other_operator_sees_none_of_it(web, session, make_api, login_as):
    api = make_api()
    _calls(web, api)
    login_as("operator")
    assert api.buyer.name not in web.get("/supply/api-usage").get_data(as_text=True)


CSV_TEXT = "uscc,name,legal_rep,phone\n" + f"{USCC_A},示例甲公司,张三,13812345678\n"


def _define(web, definition, csv_text=CSV_TEXT, **extra):
    data = {"title": "测试企业查询接口", "domain": "credit", "price_per_call": "0.05",
            "registration_code": "FJ-API-2026-0200", "definition": json.dumps(definition),
            "dataset": (io.BytesIO(csv_text.encode()), "firms.csv"), **extra}
    return web.post("/supply/api-products/new", data, content_type="multipart/form-data")


def test_operator_defines_an_api_product_from_csv(web, session, login_as):
    from tests.factories import make_agreement

    user = login_as("operator")
    make_agreement(session, operator=session.get(Organization, user.org_id))
    assert web.get("/supply/api-products/new").status_code == 200
    definition = {"key_fields": ["uscc"], "fields": [{"name": "name", "rule": "none"},
                                                     {"name": "phone", "rule": "keep", "first": 3, "last": 4}]}
    resp = _define(web, definition)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    product = session.execute(select(Product).where(Product.title == "测试企业查询接口")).scalar_one()
    assert product.type == "api" and product.status == "in_review" and product.operator_id == user.org_id
    dataset = session.execute(select(ApiDataset).where(ApiDataset.product_id == product.id)).scalar_one()
    assert json.loads(dataset.key_fields) == ["uscc"] and dataset.row_count == 1
    assert session.execute(select(DatasetRow).where(DatasetRow.dataset_id == dataset.id)).scalar_one().key == USCC_A
    assert "138****5678" in product.sample_rows and "13812345678" not in product.sample_rows
    docs = web.get(resp.headers["Location"])
    assert docs.status_code == 200 and "接口文档" in docs.get_data(as_text=True), docs.status_code


def test_define_refuses_bad_input_without_saving(web, session, login_as):
    from tests.factories import make_agreement

    user = login_as("operator")
    make_agreement(session, operator=session.get(Organization, user.org_id))
    bad = [
        ({"key_fields": ["nope"], "fields": [{"name": "name"}]}, CSV_TEXT, "nope"),
        ({"key_fields": ["uscc"], "fields": []}, CSV_TEXT, "返回字段"),
        ({"key_fields": ["uscc"], "fields": [{"name": "name", "rule": "keep", "first": 0, "last": 0}]}, CSV_TEXT,
         "至少保留1位"),
        ({"key_fields": ["uscc"], "fields": [{"name": "name"}]}, "uscc,name\n", "没有数据行"),
        ({"key_fields": ["uscc"], "fields": [{"name": "name"}]}, "uscc,name\na,b,c\n", "列"),
    ]
    for definition, text, message in bad:
        resp = _define(web, definition, text)
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), message
    resp = web.post("/supply/api-products/new", {"title": "x", "domain": "credit", "definition": "{not json",
                                                 "registration_code": "FJ-API-2026-0201",
                                                 "dataset": (io.BytesIO(CSV_TEXT.encode()), "f.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 400 and "JSON" in resp.get_data(as_text=True)
    assert session.execute(select(Product)).first() is None
    assert session.execute(select(UsageEvent)).first() is None
