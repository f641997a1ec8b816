"""Pages around API products: docs example, product-page call hint, entitlements links, demo caps and text."""

import html as htmllib
import json

from sqlalchemy import select

from marketplace.demo import load_demo
from marketplace.models import CapPrice, Organization, OrgKind, PricePlan, Product
from marketplace.supply.caps import applicable_cap
from pricing import PlanTerms, check_cap
from tests.factories import make_agreement, make_org, make_product
from tests.gateway.conftest import USCC_A


def _page(web, url: str) -> str:
    resp = web.get(url)
    assert resp.status_code == 200, url
    return htmllib.unescape(resp.get_data(as_text=True))


def test_docs_example_response_is_the_masked_first_row_pretty_printed(web, make_api):
    api = make_api()
    page = _page(web, f"/api-docs/{api.slug}")
    start = page.index('id="example-response"')
    example = page[page.index("<code>", start) + 6:page.index("</code>", start)]
    body = json.loads(example)
    assert body["product"] == api.slug and body["records"] == 1
    assert body["data"]["phone"] == "138****5678" and body["data"]["founded"] == "2015"
    assert "\n  \"data\": {" in example  # indented, one field a line
    assert f'href="/products/{api.slug}"' in page  # back to the product page


def test_verification_docs_example_has_only_the_verdict(web, make_api):
    from tests.gateway.conftest import VERIFY

    api = make_api(definition=VERIFY)
    page = _page(web, f"/api-docs/{api.slug}")
    start = page.index('id="example-response"')
    body = json.loads(page[page.index("<code>", start) + 6:page.index("</code>", start)])
    assert body["match"] is True and "data" not in body
    assert "张三" not in page


def test_product_page_of_a_defined_api_links_its_docs(web, make_api):
    api = make_api()
    page = _page(web, f"/products/{api.slug}")
    assert 'id="api-call-hint"' in page and f'href="/api-docs/{api.slug}"' in page
    assert f"GET /api/v1/data/{api.slug}?uscc=<uscc>" in page


def test_product_page_of_an_api_without_definition_has_no_docs_link(web, session):
    product = make_product(session, type="api", plans=({"form": "per_call_flat", "unit_price_fen": "50"},))
    page = _page(web, f"/products/{product.slug}")
    assert 'id="api-call-hint"' not in page and "/api-docs/" not in page


def test_entitlements_page_labels_the_source_and_links_docs_and_usage(web, session, make_api, login_as):
    api = make_api()
    login_as("buyer", org=session.get(Organization, api.buyer.id))
    page = _page(web, "/buyer/entitlements")
    assert "平台授予" in page and "授予时自动生成" in page and ">grant<" not in page
    assert f'href="/api-docs/{api.slug}"' in page and 'href="/usage"' in page
    assert f'href="/products/{api.slug}"' in page


def test_entitlements_page_empty_state_points_to_the_catalog(web, login_as):
    login_as("buyer")
    page = _page(web, "/buyer/entitlements")
    assert 'id="no-entitlements"' in page and 'href="/products?type=api"' in page


def test_usage_page_without_calls_shows_no_empty_chart(web, login_as):
    login_as("buyer")
    page = _page(web, "/usage")
    assert 'id="no-usage"' in page and 'id="usage-chart"' not in page


def test_demo_api_products_have_caps_above_their_prices_and_a_description(web, session):
    from marketplace.gateway.demo import load_gateway_demo

    orgs = {key: make_org(session, OrgKind.OPERATOR) for key in ("op_central", "op_finance", "op_regional")}
    orgs["buyer_a"] = make_org(session, OrgKind.ENTERPRISE)
    orgs["authority"] = make_org(session, OrgKind.AUTHORITY)
    for key, domain in (("op_central", "credit"), ("op_finance", "finance"), ("op_regional", "weather")):
        make_agreement(session, operator=orgs[key], authority=orgs["authority"], domains=(domain,))  # R5
    products = load_gateway_demo(session, orgs)
    session.commit()
    for product in products:
        assert product.status == "listed" and "###" in product.description_md
        plans = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()
        for plan in plans:
            cap = applicable_cap(session, product.id, plan.charge_form)
            assert cap is not None, (product.slug, plan.name)
            check_cap(PlanTerms.from_dict(json.loads(plan.terms)), cap_fen=cap.cap_fen)  # at or above the price
        page = _page(web, f"/products/{product.slug}")
        assert "未设上限收费标准" not in page and "上限收费标准" in page
    assert session.execute(select(CapPrice)).scalars().first() is not None
    credit = session.execute(select(Product).where(Product.slug == "enterprise-credit-profile")).scalar_one()
    assert USCC_A not in credit.sample_rows and "****" in json.loads(credit.sample_rows)[0]["uscc"]


def test_demo_api_sample_is_masked_once_on_the_product_page(app, session, client):
    load_demo(session)
    session.commit()  # the test is the boundary
    html = client.get("/products/enterprise-credit-profile").get_data(as_text=True)
    sample = html.split("sample-table", 1)[1]
    assert "2**" not in sample  # the year-only rule shows e.g. 2016, not a re-masked 2**6
