"""Annual disclosure (R10): snapshot values, freezing and versions, public pages, PDF, deadline standings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from marketplace.disclosure.publish import DisclosureError, draft, publish, versions
from marketplace.models import AuditRecord, CapPrice, PricePlan
from marketplace.models.disclosure import Disclosure
from tests.disclosure.conftest import FEB
from tests.factories import make_product


def test_snapshot_holds_operator_agreement_products_prices_and_caps(session, listed):
    done = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026)
    session.commit()
    content = json.loads(done.disclosure.content)
    assert done.created and done.disclosure.version == 1 and len(done.disclosure.content_hash) == 64
    assert content["operator"] == {
        "name": "示例数据运营有限公司",
        "uscc": listed["operator"].uscc,
        "address": listed["operator"].address,
        "operating_models": ["集中统一授权"],
    }
    [agreement] = content["agreements"]
    assert agreement["code"] == listed["agreement"].code and agreement["authority"] == "示例省数据局"
    assert [d["code"] for d in agreement["domains"]] == ["credit", "transport"]
    assert agreement["scenarios"] == "普惠金融" and agreement["allowed_return"] == "8%"
    assert [p["slug"] for p in content["products"]] == ["a-package", "b-api"]  # the delisted one is left out
    package, api = content["products"]
    assert package["plans"] == [
        {
            "name": "方案1",
            "charge_form": "one_off",
            "charge_form_label": "一次性买断",
            "price": "¥100.00",
            "cap": "¥100.00",
        }
    ]
    assert api["plans"][0]["price"] == "¥0.05/次" and api["plans"][0]["cap"] == "¥0.05/次"
    assert [(c["charge_form"], c["cap_fen"], c["effective_from"]) for c in api["caps"]] == [
        ("per_call_flat", "5.0000", "2026-03-02")  # in force since the product went on sale
    ]
    audit = session.execute(select(AuditRecord).where(AuditRecord.action == "disclosure.publish")).scalars().all()
    assert len(audit) == 1 and audit[0].object_id == str(done.disclosure.id)


def _reprice(session, product, fen: int):
    """The operator lowers the one-off price: the plan's terms change in place (a new version in real use)."""
    plan = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalar_one()
    plan.terms = json.dumps({"form": "one_off", "price_fen": fen})
    session.commit()


def test_published_version_is_frozen_and_a_change_makes_version_two(session, listed, clock):
    first = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026).disclosure
    session.commit()
    frozen = first.content
    _reprice(session, listed["package"], 8000)
    session.add(
        CapPrice(
            product_id=listed["package"].id, charge_form="one_off", cap_fen=9000, effective_from=clock.advance(days=1)
        )
    )
    session.commit()
    session.refresh(first)
    assert first.content == frozen and json.loads(frozen)["products"][0]["plans"][0]["price"] == "¥100.00"
    assert draft(session, operator=listed["operator"], year=2026)["products"][0]["plans"][0]["price"] == "¥80.00"
    # the cap set in 2027 is this year's fact: the running year's draft shows it, 2026's keeps the cap of 2026
    assert draft(session, operator=listed["operator"], year=2027)["products"][0]["plans"][0]["cap"] == "¥90.00"
    second = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026)
    session.commit()
    assert second.created and second.disclosure.version == 2
    plans = json.loads(second.disclosure.content)["products"][0]["plans"]
    assert plans[0]["price"] == "¥80.00" and plans[0]["cap"] == "¥100.00"
    kept = versions(session, operator_id=listed["operator"].id, year=2026)
    assert [v.version for v in kept] == [2, 1] and kept[1].content == frozen


def test_publishing_twice_without_a_change_makes_no_version(session, listed, clock):
    first = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026)
    session.commit()
    clock.advance(days=3)  # a later day alone is no change
    again = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026)
    session.commit()
    assert not again.created and again.disclosure.id == first.disclosure.id
    assert session.execute(select(func.count()).select_from(Disclosure)).scalar() == 1
    assert (
        session.execute(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "disclosure.publish")
        ).scalar()
        == 1
    )


def test_a_future_year_cannot_be_published(session, listed):
    with pytest.raises(DisclosureError):
        publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2028)


def _slugs(session, operator, year: int) -> list[str]:
    return [p["slug"] for p in draft(session, operator=operator, year=year)["products"]]


@pytest.mark.parametrize(
    "listed_at,in_2026",
    [
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), True),  # 23:59 on 31 December 2026 in Shanghai
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), False),  # 00:00 on 1 January 2027 in Shanghai
        (FEB, False),  # today, 10 February 2027
    ],
    ids=["last-minute-of-2026", "first-minute-of-2027", "today"],
)
def test_a_year_lists_only_products_on_sale_by_its_last_day(session, listed, listed_at, in_2026):
    product = make_product(session, agreement=listed["agreement"], title="今年新上架产品", slug="d-new")
    product.listed_at = listed_at
    session.commit()
    assert _slugs(session, listed["operator"], 2026) == ["a-package", "b-api"] + (["d-new"] if in_2026 else [])
    assert _slugs(session, listed["operator"], 2027) == ["a-package", "b-api", "d-new"]


def test_last_years_published_version_leaves_out_this_years_product(session, listed):
    make_product(session, agreement=listed["agreement"], title="今年新上架产品", slug="d-new")  # listed today
    done = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026)
    this_year = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2027)
    session.commit()
    assert [p["slug"] for p in json.loads(done.disclosure.content)["products"]] == ["a-package", "b-api"]
    assert [p["slug"] for p in json.loads(this_year.disclosure.content)["products"]] == ["a-package", "b-api", "d-new"]


def test_a_past_year_shows_the_prices_and_caps_in_force_on_its_last_day(session, listed, clock):
    """Repriced (a new plan version) and a cap lowered in 2027: the 2026 disclosure keeps 2026's price and cap,
    the running year's draft shows the new ones."""
    package = listed["package"]
    old = session.execute(select(PricePlan).where(PricePlan.product_id == package.id)).scalar_one()
    old.active = False
    session.add(PricePlan(product_id=package.id, name="方案1", charge_form="one_off", version=2,
                          terms=json.dumps({"form": "one_off", "price_fen": 7000})))
    session.add(CapPrice(product_id=package.id, charge_form="one_off", cap_fen=8000, effective_from=clock()))
    session.commit()
    [last_year] = draft(session, operator=listed["operator"], year=2026)["products"][0]["plans"]
    assert (last_year["price"], last_year["cap"]) == ("¥100.00", "¥100.00")
    [caps_2026] = draft(session, operator=listed["operator"], year=2026)["products"][0]["caps"]
    assert (caps_2026["cap"], caps_2026["effective_from"]) == ("¥100.00", "2026-03-02")
    [this_year] = draft(session, operator=listed["operator"], year=2027)["products"][0]["plans"]
    assert (this_year["price"], this_year["cap"]) == ("¥70.00", "¥80.00")
