"""The catalog pages: search with facets, product page with caps and masked sample, R5 404, XSS."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

from marketplace.catalog.search import index_product
from marketplace.models import CapPrice, Mandate, MandateProduct
from tests.factories import make_agreement, make_org, make_product


def _listed(session, **kw):
    product = make_product(session, **kw)
    index_product(session, product)
    session.commit()
    return product


def test_catalog_page_searches_and_shows_facets(session, client):
    agreement = make_agreement(session)
    _listed(session, agreement=agreement, title="企业信用评价报告", type="report")
    _listed(session, agreement=agreement, title="高速ETC通行数据", domain="transport", type="api",
            plans=({"form": "per_call_flat", "unit_price_fen": "50"},))
    html = client.get("/products?q=信用").get_data(as_text=True)
    assert "企业信用评价报告" in html and "高速ETC通行数据" not in html
    assert 'id="result-total">共 1 个数据产品' in html
    html = client.get("/products?q=ETC+通行&type=api").get_data(as_text=True)
    assert "高速ETC通行数据" in html and 'data-count="1"' in html
    html = client.get("/products").get_data(as_text=True)
    assert "企业信用评价报告" in html and "高速ETC通行数据" in html
    assert 'data-facet="charge_form"' in html and "按次计费" in html


def test_catalog_tolerates_bad_parameters(client):
    resp = client.get("/products?page=-3&per_page=abc&type=nope&sort=weird&price=x")
    assert resp.status_code == 200


def test_product_page_shows_listing_caps_and_masked_sample(session, client):
    operator = make_org(session, "operator", name="示例运营单位有限公司")
    broker = make_org(session, "broker", name="示例经纪有限公司")
    agreement = make_agreement(session, operator=operator)
    dictionary = [{"name": "name", "type": "string", "meaning": "企业名称", "masked": False},
                  {"name": "id_no", "type": "string", "meaning": "证件号码", "masked": True}]
    sample = [{"name": "示例科技有限公司", "id_no": "350102199001011234"}]
    product = _listed(session, agreement=agreement, title="企业信用核验接口", type="api", broker_id=broker.id,
                      openness="conditional", data_dictionary=json.dumps(dictionary, ensure_ascii=False),
                      sample_rows=json.dumps(sample, ensure_ascii=False), version_notes="v2：新增字段",
                      plans=({"form": "per_call_flat", "unit_price_fen": "50"},
                             {"form": "negotiated"}))
    session.add(CapPrice(product_id=product.id, charge_form="per_call_flat", cap_fen=Decimal("80"), trial=True,
                         trial_expires=date.today() + timedelta(days=30)))
    mandate = Mandate(operator_id=operator.id, broker_id=broker.id, commission_bps=800,  # R6: sold under a mandate
                      start_date=date.today() - timedelta(days=1), end_date=date.today() + timedelta(days=30))
    session.add(mandate)
    session.flush()
    session.add(MandateProduct(mandate_id=mandate.id, product_id=product.id))
    session.commit()
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'id="product-title">企业信用核验接口' in html
    assert "示例运营单位有限公司" in html and "示例经纪有限公司" in html and agreement.code in html
    assert "¥0.50/次" in html and "上限收费标准 ¥0.80/次" in html and "试行" in html
    assert "350" + "*" * 12 + "234" in html and "350102199001011234" not in html
    assert "示例科技有限公司" in html and "v2：新增字段" in html and product.registration_code in html
    assert "面议" in html


def test_out_of_term_or_terminated_product_page_is_404(session, client):
    expired = make_agreement(session)
    expired.end_date = date.today() - timedelta(days=1)
    session.add(expired)
    session.commit()
    gone = _listed(session, agreement=expired, title="过期产品")
    resp = client.get(f"/products/{gone.slug}")
    assert resp.status_code == 404 and "暂停销售" in resp.get_data(as_text=True)  # supply.on_sale names the reason
    assert "授权运营协议已终止或不在有效期内" in resp.get_data(as_text=True)
    assert "过期产品" not in client.get("/products").get_data(as_text=True)
    assert client.get("/products/no-such-product").status_code == 404


def test_description_xss_is_neutralized(session, client):
    evil = ("# 标题\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
            "![远程图片](https://evil.example/x.png)\n\n[链接](javascript:alert(3)) [官网](https://example.cn)")
    product = _listed(session, title="带脚本的描述", description_md=evil)
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    body = html.split('id="product-description">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "<img" not in body and not re.search(r"<[^>]*onerror", body)
    assert 'href="javascript' not in body and "evil.example" not in body and "远程图片" in body
    assert "<h1>标题</h1>" in body and 'href="https://example.cn"' in body


def test_home_shows_domains_newest_and_total(session, client):
    agreement = make_agreement(session)
    _listed(session, agreement=agreement, title="热门信用报告", popularity=50)
    _listed(session, agreement=agreement, title="最新交通数据", domain="transport")
    _listed(session, agreement=agreement, title="草稿不显示", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert '<div class="stat-n">2</div>' in html
    assert "热门信用报告" in html and "最新交通数据" in html and "草稿不显示" not in html
    domains = html.split('id="home-domains"', 1)[1].split("</section>", 1)[0]
    assert "信用" in domains and "交通" in domains and "?domain=transport" in domains
    assert 'id="home-popular"' not in html  # nothing sold or called lately (test_catalog_home_truth)


def test_samples_masked_at_source_are_not_masked_twice(session, client):
    dictionary = [{"name": "established", "type": "string", "meaning": "成立年份", "masked": True,
                   "masked_at_source": True},
                  {"name": "id_no", "type": "string", "meaning": "证件号码", "masked": True}]
    sample = [{"established": "2016", "id_no": "350102199001011234"}]
    product = _listed(session, data_dictionary=json.dumps(dictionary, ensure_ascii=False),
                      sample_rows=json.dumps(sample, ensure_ascii=False))
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert ">2016<" in html and "2**6" not in html
    assert "350102199001011234" not in html
