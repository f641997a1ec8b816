"""The public price index: listed prices version by version, settled sales of closed periods, filters, page, OpenAPI.

Every figure below is worked out by hand from the rows the fixture arranges (months m0, m1 and this month m2).
"""

from datetime import UTC, datetime

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from sqlmodel import Session

from marketplace.clock import today
from marketplace.models import Agreement, OrderLine, PricePlan
from marketplace.settlement.close import close_period
from pricing.price_index import months_ending
from tests.factories import make_product
from tests.settlement.conftest import ACTOR, Books


def _at(month: str, day: int) -> datetime:
    return datetime.fromisoformat(f"{month}-{day:02d}T04:00:00").replace(tzinfo=UTC)


def _plans(session, product):
    return session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()


def _made_at(session, product, when):
    for plan in _plans(session, product):
        plan.created_at = when
    session.commit()


@pytest.fixture
def index_data(app, session):
    """Listed: credit 5 (m0–), finance B 30 (m0) then 10 (from m1), finance A 70 (from m1), transport 900 yuan
    one-off (m0–), a draft and a 面议 plan that never count. Settled (m0 and m1 closed): a bill of 8 fen a call
    for m0's calls issued in m1; in m1 bills of 10 and 15 fen a call and a one-off sale of 2 for 1,800 yuan;
    a per-call order line (no unit), a refund, and a bill of this open month that never count."""
    m0, m1, m2 = months_ending(today(), 3)
    books = Books(session)
    _made_at(session, books.product, _at(m0, 15))  # credit, per call ¥0.05
    agreement = session.get(Agreement, books.product.agreement_id)
    a = make_product(
        session,
        agreement=agreement,
        domain="finance",
        type="api",
        plans=({"form": "per_call_flat", "unit_price_fen": "70"},),
    )
    _made_at(session, a, _at(m1, 15))
    b = make_product(
        session,
        agreement=agreement,
        domain="finance",
        type="api",
        plans=({"form": "per_call_flat", "unit_price_fen": "30"},),
    )
    _made_at(session, b, _at(m0, 15))
    old = _plans(session, b)[0]
    old.active = False
    session.add(
        PricePlan(
            product_id=b.id,
            name="新方案",
            charge_form="per_call_flat",
            version=2,
            terms='{"form": "per_call_flat", "unit_price_fen": "10"}',
            created_at=_at(m1, 16),
        )
    )
    c = make_product(
        session,
        agreement=agreement,
        domain="transport",
        type="package",
        plans=({"form": "one_off", "price_fen": 90000}, {"form": "negotiated"}),
    )
    _made_at(session, c, _at(m0, 15))
    draft = make_product(
        session,
        agreement=agreement,
        domain="finance",
        status="draft",
        plans=({"form": "per_call_flat", "unit_price_fen": "1"},),
    )
    _made_at(session, draft, _at(m0, 15))

    for amount, calls in ((1000, 100), (3000, 200)):  # 10 and 15 fen a call
        bill = books.bill(amount, period=m1, issued=f"{m1}-20")
        bill.calls = calls
    late = books.bill(800, period=m0, issued=f"{m1}-01")  # m0's calls, billed in m1: counts in m0
    late.calls = 100
    books.bill(9990, period=m2, issued=today().isoformat())  # this month: its period is open
    per_call_order = books.order(5000, paid=f"{m1}-10")  # opens a per-call plan: no unit price
    books.refund(per_call_order, on=f"{m1}-12")
    books.product, books.plan = c, next(p for p in _plans(session, c) if p.charge_form == "one_off")
    one_off = books.order(180000, paid=f"{m1}-11")
    line = session.execute(select(OrderLine).where(OrderLine.order_id == one_off.id)).scalar_one()
    line.quantity, line.unit_price_fen = 2, 90000
    session.commit()
    for month in (m0, m1):
        with Session(app.extensions["engine"], expire_on_commit=False) as s:
            close_period(s, period=month, actor=ACTOR)
            s.commit()
    return m0, m1, m2


def _table(body):
    return {
        (s["source"], s["domain"], s["charge_form"]): [(p["month"], p["count"], p["median"]) for p in s["points"]]
        for s in body["series"]
    }


def test_index_json_values_by_hand(client, index_data):
    m0, m1, m2 = index_data
    resp = client.get("/api/v1/price-index?months=3")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["months"] == [m0, m1, m2]
    assert [(s["source"], s["domain"], s["charge_form"]) for s in body["series"]] == [
        ("listed", "finance", "per_call_flat"),  # 5 observations
        ("listed", "credit", "per_call_flat"),  # 3
        ("listed", "transport", "one_off"),  # 3
        ("settled", "credit", "per_call_flat"),  # 3
        ("settled", "transport", "one_off"),  # 1
    ]
    assert _table(body) == {
        ("listed", "finance", "per_call_flat"): [(m0, 1, "30"), (m1, 2, "40"), (m2, 2, "40")],  # B 30; A 70 + B 10
        ("listed", "credit", "per_call_flat"): [(m0, 1, "5"), (m1, 1, "5"), (m2, 1, "5")],
        ("listed", "transport", "one_off"): [(m0, 1, "90000"), (m1, 1, "90000"), (m2, 1, "90000")],
        ("settled", "credit", "per_call_flat"): [(m0, 1, "8"), (m1, 2, "12.5")],  # 8; (10 + 15) / 2
        ("settled", "transport", "one_off"): [(m1, 1, "90000")],  # 180,000 / 2
    }
    first = body["series"][0]
    assert (first["unit"], first["unit_label"], first["count"], first["domain_label"]) == ("call", "元/次", 5, "金融")


def test_index_filters(client, index_data):
    m0, m1, m2 = index_data
    finance = _table(client.get("/api/v1/price-index?months=3&domain=finance").get_json())
    assert finance == {("listed", "finance", "per_call_flat"): [(m0, 1, "30"), (m1, 2, "40"), (m2, 2, "40")]}
    one_off = _table(client.get("/api/v1/price-index?months=3&charge_form=one_off").get_json())
    assert set(one_off) == {("listed", "transport", "one_off"), ("settled", "transport", "one_off")}
    last = client.get("/api/v1/price-index?months=1").get_json()
    assert last["months"] == [m2] and {k: v for k, v in _table(last).items() if k[0] == "settled"} == {}
    assert _table(last)[("listed", "finance", "per_call_flat")] == [(m2, 2, "40")]
    assert client.get("/api/v1/price-index?domain=weather").get_json()["series"] == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("domain=nowhere", "domain"),
        ("charge_form=monthly", "charge_form"),
        ("charge_form=negotiated", "面议"),
        ("months=0", "months"),
        ("months=37", "months"),
        ("months=abc", "months"),
        ("months=99999999999999999999999", "months"),
    ],
)
def test_bad_filters_are_400_with_a_message(client, query, words):
    api = client.get(f"/api/v1/price-index?{query}")
    assert api.status_code == 400 and words in api.get_json()["error"]["message"]
    page = client.get(f"/price-index?{query}")
    assert page.status_code == 400 and words in page.get_data(as_text=True)


def test_page_without_login_shows_chart_table_and_nav_link(client, index_data):
    m0, m1, m2 = index_data
    resp = client.get("/price-index?months=3&domain=finance")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'id="price-index-chart"' in html and "price_index.js" in html
    assert 'data-series="listed:finance:per_call_flat"' in html
    assert f'data-month="{m1}">¥0.40' in html and f'data-month="{m0}">¥0.30' in html
    assert '<th class="pi-series fw-normal text-nowrap" scope="row"><span class="fw-semibold">金融</span>' in html
    assert 'class="pi-scroll-hint"' in html  # price_index.js hides it unless the months scroll sideways
    assert 'href="/price-index"' in client.get("/").get_data(as_text=True)
    empty = client.get("/price-index?domain=weather").get_data(as_text=True)
    assert 'id="pi-empty"' in empty and "price-index-chart" not in empty


def test_page_in_english(client, index_data):
    client.get("/lang/en")
    html = client.get("/price-index?months=3").get_data(as_text=True)
    assert "Price index" in html and "Listed" in html


def test_openapi_declares_the_price_index(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    op = spec["paths"]["/api/v1/price-index"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"domain", "charge_form", "months"}
    assert "negotiated" not in next(p for p in op["parameters"] if p["name"] == "charge_form")["schema"]["enum"]
