"""One test per hole of issue 8 (1–3); each failed on the code before the fix."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.catalog.queries import CatalogQuery, search_catalog
from marketplace.demand import applications as apps
from marketplace.demand import quotes
from marketplace.errors import DomainError
from marketplace.gateway.datasets import Definition, Table
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import ApiProductIn, create_api_product, per_call_plan
from marketplace.models import Agreement, AuditRecord, Organization, ProductRevision
from marketplace.supply.listing import submit_revision, update_product
from marketplace.supply.on_sale import NotOnSale, OffSale, plans_to_reprice
from tests.rules.conftest import ONE_OFF, PER_CALL, TODAY, actor, product_data

CSV_TEXT = "uscc,name\n91350100000000001X,示例甲公司\n"


# --- hole 1: an operator cannot authorize itself ---------------------------------------------------------

def test_web_define_api_refuses_a_domain_no_agreement_covers(web, world, session):
    web.login(world.op_user.email)
    agreements = session.execute(select(func.count()).select_from(Agreement)).scalar_one()
    resp = web.post("/supply/api-products/new", {
        "title": "医疗机构查询接口", "domain": "health", "price_per_call": "0.05",
        "registration_code": "FJ-API-2026-0300",
        "definition": json.dumps({"key_fields": ["uscc"], "fields": [{"name": "name", "rule": "none"}]}),
        "dataset": (io.BytesIO(CSV_TEXT.encode()), "firms.csv")}, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "没有覆盖数据领域「医疗健康」的有效授权运营协议" in page
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Agreement)).scalar_one() == agreements
    assert session.execute(select(ProductRevision)).first() is None


@pytest.mark.parametrize("code, message", [("", "请填写数据产品登记码"), ("登记码", "登记码格式不正确"),
                                           ("ABCD", "登记码格式不正确")])
def test_registration_code_is_entered_by_the_lister_and_checked(world, session, code, message):
    with pytest.raises(DomainError, match=message) as e:
        create_api_product(session, actor=actor(world.op_user), operator=world.operator,
                           table=Table(("uscc", "name"), [{"uscc": "91350100000000001X", "name": "甲"}]),
                           definition=Definition(key_fields=("uscc",), rules=(FieldRule("name"),)),
                           data=ApiProductIn(title="企业查询接口", domain="credit", registration_code=code,
                                             plans=(per_call_plan(None),)))
    assert e.value.field == "registration_code"


def test_cli_provisioning_grants_through_the_authority_in_its_name(runner, session, tmp_path, world):
    path = tmp_path / "firms.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    session.commit()  # the CLI runs on its own connection: it must see the world and wait for no lock of ours
    result = runner.invoke(args=["create-api-product", "--operator-code", world.operator.uscc, "--title", "医疗查询",
                                 "--dataset", str(path), "--key", "uscc", "--domain", "health",
                                 "--registration-code", "FJ-API-2026-0301"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    granted = session.execute(select(AuditRecord).where(AuditRecord.action == "agreement.grant")
                              .order_by(AuditRecord.id.desc()).limit(1)).scalar_one()
    agreement = session.get(Agreement, granted.object_id)
    assert "health" in agreement.domains and agreement.authority_id == world.authority.id
    assert granted.actor_id == world.auth_user.id  # the authority's user, not the CLI or the operator


# --- hole 2: one "on sale" predicate --------------------------------------------------------------------

def test_quote_and_application_refused_once_the_agreement_ran_out_before_enforcement(world, session):
    product = world.listed(plans=(PER_CALL, ONE_OFF), openness="conditional")
    world.agreement.end_date = TODAY - timedelta(days=1)  # expired, but enforce-terms has not run yet
    session.commit()
    with pytest.raises(NotOnSale) as quote:
        quotes.request_quote(session, actor=actor(world.buyer), slug=product.slug, volume="10 万次", period="一年",
                             use_type="industry", message="用于信贷审批")
    with pytest.raises(NotOnSale) as application:
        apps.apply_for_access(session, actor=actor(world.buyer), slug=product.slug, use_type="industry",
                              purpose="用于信贷审批风控", scenario="银行信贷")
    assert quote.value.reason == application.value.reason == OffSale.AGREEMENT


def test_broker_product_needs_a_mandate_from_its_own_operator(world, session):
    product = world.listed(broker=True)
    other = Organization(name="另一运营单位", uscc="91350100MA00000025", kind="operator", status="verified")
    session.add(other)
    session.flush()
    world.mandate.operator_id = other.id  # a mandate from someone else does not let the broker sell it (R6)
    session.commit()
    assert product.id not in [p.id for p in search_catalog(session, CatalogQuery()).items]
    with pytest.raises(NotOnSale) as e:
        world.order(product)
    assert e.value.reason == OffSale.MANDATE


# --- hole 3: caps at every path ------------------------------------------------------------------------

def test_charged_plan_without_a_cap_fails_the_review_check(world, session):
    product = world.listed()
    update_product(session, actor=actor(world.op_user), product_id=product.id, data=product_data(),
                   plans=[PER_CALL, {"name": "包年", "form": "subscription_year", "price_fen": 500000,
                                     "period_months": 12}])
    revision = submit_revision(session, actor=actor(world.op_user), product_id=product.id)
    checks = json.loads(revision.checks)
    cap_checks = [c for c in checks if c["code"] in ("cap", "cap_missing")]
    assert [(c["ok"], "没有生效的上限收费标准" in c["message"]) for c in cap_checks] == [(True, False), (False, True)]


def test_lowered_cap_stops_the_plan_from_the_effective_day(world, session):
    product = world.listed(plans=(ONE_OFF,), caps=[("one_off", 300000)])
    world.cap(product, "one_off", 150000, effective_on=TODAY + timedelta(days=1))  # tomorrow
    assert world.order(product).total_fen == 100000  # today: the ¥3,000 cap is still in force
    world.cap(product, "one_off", 80000)  # today: ¥800 under the ¥1,000 price
    with pytest.raises(NotOnSale) as e:
        world.order(product)
    assert e.value.reason == OffSale.ABOVE_CAP and "上限" in e.value.text
    assert product.id not in [p.id for p in search_catalog(session, CatalogQuery()).items]
    reprice = plans_to_reprice(session, operator_id=world.operator.id)
    assert [(r.product.id, r.plan.name, r.reason, r.cap.cap_fen) for r in reprice] == [
        (product.id, "买断", OffSale.ABOVE_CAP, 80000)]


def test_workbench_shows_the_plans_to_reprice(web, world):
    product = world.listed(plans=(ONE_OFF,))
    world.cap(product, "one_off", 80000)
    web.login(world.op_user.email)
    page = web.get("/supply/").get_data(as_text=True)
    assert 'id="reprice"' in page and product.title in page and "¥800.00" in page
