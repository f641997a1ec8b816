"""Product-type words in a search ("API 信用") filter by type instead of being matched as text; the chip removes it."""

import pytest

from marketplace.catalog.params import parse_query, split_type_words
from marketplace.catalog.search import index_product
from tests.factories import make_agreement, make_product


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("API 信用", ("信用", ("API",), "api")),
        ("信用 api", ("信用", ("api",), "api")),
        ("企业信用接口", ("企业信用", ("接口",), "api")),
        ("API信用", ("信用", ("API",), "api")),
        ("信用API", ("信用", ("API",), "api")),
        ("Api接口 信用", ("信用", ("接口", "Api"), "api")),
        ("数据接口", ("", ("数据接口",), "api")),
        ("交通 数据包", ("交通", ("数据包",), "package")),
        ("信用报告", ("信用", ("报告",), "report")),
        ("Credit reports", ("Credit", ("reports",), "report")),
        ("风控模型 交通数据包", ("风控 交通数据包", ("模型",), "model")),  # one type filters; the other stays text
        ("datasets", ("", ("datasets",), "package")),
        ("报告期", ("报告期", (), "")),  # a word that only starts with one
        ("rapid 信用", ("rapid 信用", (), "")),
        ("企业  信用", ("企业  信用", (), "")),  # unchanged without type words
    ],
)
def test_split_type_words_table(q, expected):
    assert split_type_words(q) == expected


def test_parse_query_turns_the_word_into_the_type_filter_unless_one_is_chosen():
    query = parse_query({"q": "API 信用"})
    assert (query.q, query.filters, query.type_words) == ("信用", {"type": "api"}, ("API",))
    chosen = parse_query({"q": "API 信用", "type": "report"})
    assert (chosen.q, chosen.filters) == ("信用", {"type": "report"})
    plain = parse_query({"q": "信用"})
    assert (plain.q, plain.filters, plain.type_words) == ("信用", {}, ())


@pytest.fixture
def credit_products(session):
    agreement = make_agreement(session)
    made = {}
    for key, title, type_, domain in [
        ("api", "企业信用核验", "api", "credit"),
        ("api2", "个人信用分查询", "api", "credit"),
        ("report", "企业信用评价报告", "report", "credit"),
        ("model", "信用风险评分模型", "model", "credit"),
        ("package", "企业信用名录", "package", "credit"),
        ("transport", "高速通行查询", "api", "transport"),
    ]:
        plans = ({"form": "per_call_flat", "unit_price_fen": "50"},) if type_ == "api" else None
        p = make_product(
            session, agreement=agreement, title=title, type=type_, domain=domain, **({"plans": plans} if plans else {})
        )
        index_product(session, p)
        made[key] = p
    session.commit()
    return made


def _titles(client, q, **params):
    body = client.get("/api/v1/products", query_string={"q": q, **params}).get_json()
    return sorted(item["title"] for item in body["items"])


def test_type_words_find_the_products_of_that_type(client, credit_products):
    assert _titles(client, "API 信用") == ["个人信用分查询", "企业信用核验"]  # neither title says "API"
    assert _titles(client, "信用 接口") == ["个人信用分查询", "企业信用核验"]
    assert _titles(client, "报告 信用") == ["企业信用评价报告"]
    assert _titles(client, "信用模型") == ["信用风险评分模型"]
    assert _titles(client, "数据包 信用") == ["企业信用名录"]
    assert _titles(client, "reports 信用") == ["企业信用评价报告"]
    assert _titles(client, "API") == ["个人信用分查询", "企业信用核验", "高速通行查询"]
    assert _titles(client, "API 信用", type="report") == ["企业信用评价报告"]  # the chosen filter wins


def test_catalog_page_shows_the_type_as_a_removable_chip(client, credit_products):
    html = client.get("/products?q=API+信用").get_data(as_text=True)
    assert "企业信用核验" in html and "企业信用评价报告" not in html
    assert 'id="result-total">共 2 个数据产品' in html
    assert 'name="q" value="信用"' in html and 'type="hidden" name="type" value="api"' in html
    chip = html.split('data-filter-chip="type"', 1)[1].split("</a>", 1)[0]
    assert "数据接口" in chip and "“API”" in chip
    href = chip.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "type=" not in href and "q=%E4%BF%A1%E7%94%A8" in href  # q=信用, the type word gone
    removed = client.get(href).get_data(as_text=True)
    assert "企业信用评价报告" in removed and 'id="result-total">共 5 个数据产品' in removed
    assert 'data-filter-chip="type"' not in removed
