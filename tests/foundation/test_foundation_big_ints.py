"""Integers of 2**63 and more (issue 10, failure 7): 404 in a path, 400 naming the parameter in a query or form."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.factories import make_product, make_user

HUGE = "9223372036854775808"  # 2**63: one more than a BIGINT holds
PG_HUGE = "2147483648"  # 2**31: one more than PostgreSQL's INTEGER, the type of every id column


def _huge_urls(app, value):
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if ints:
            yield rule, re.sub(r"<int:\w+>", value, re.sub(r"<(?!int:)[^>]+>", "x", rule.rule))


@pytest.mark.parametrize("value", [HUGE, PG_HUGE])
def test_every_int_path_with_a_huge_value_is_404(app, web, session, value):
    web.login(make_user(session, "admin").email)
    answers = {}
    for rule, url in _huge_urls(app, value):
        method = "GET" if "GET" in rule.methods else "POST"
        resp = web.get(url) if method == "GET" else web.post(url)
        answers[f"{method} {url}"] = resp.status_code
    assert len(answers) > 20
    assert {k: v for k, v in answers.items() if v != 404} == {}


def test_quote_thread_with_a_huge_id_is_404_for_its_buyer(web, login_as):
    login_as("buyer")
    assert web.get(f"/quotes/{HUGE}").status_code == 404


@pytest.mark.parametrize(
    "role, url, name",
    [
        ("buyer", f"/buyer/orders?page={HUGE}", "page"),
        ("admin", f"/audit/?page={HUGE}", "page"),
        (None, f"/api/v1/products?operator={HUGE}", "operator"),
        (None, f"/api/v1/products?operator={PG_HUGE}", "operator"),
    ],
)
def test_a_huge_query_value_is_400_naming_the_parameter(web, session, role, url, name):
    if role:
        web.login(make_user(session, role).email)
    resp = web.get(url)
    assert resp.status_code == 400
    assert name in resp.get_data(as_text=True)


def test_checkout_with_a_huge_plan_id_is_400(web, session, login_as):
    product = make_product(session)
    login_as("buyer")
    page = web.get(f"/products/{product.slug}/buy")
    assert page.status_code == 200
    hidden = re.compile(r'id="submit_token" name="submit_token" type="hidden" value="([^"]+)"')
    token = hidden.search(page.get_data(as_text=True)).group(1)
    resp = web.post(
        f"/products/{product.slug}/buy",
        {
            "plan_id": HUGE,
            "quantity": "1",
            "use_type": "industry",
            "purpose": "测试用途说明文字",
            "invoice_title": "X",
            "invoice_taxpayer_id": "91350100M000100Y43",
            "invoice_kind": "normal",
            "submit_token": token,
        },
    )
    assert resp.status_code == 400
    assert "价格方案" in resp.get_data(as_text=True)


def test_mandate_with_a_huge_broker_id_is_400(web, login_as):
    login_as("operator")
    resp = web.post(
        "/supply/mandates",
        {
            "broker_id": HUGE,
            "product_ids": HUGE,
            "commission_pct": "5",
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
        },
    )
    assert resp.status_code == 400
