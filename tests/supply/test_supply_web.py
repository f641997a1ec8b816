"""Supply web pages: role checks, cross-tenant 404, the product form, review and authority flows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.models import (
    Agreement,
    BrokerQualification,
    CapPrice,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
    Role,
)
from marketplace.supply.listing import submit_revision
from tests.factories import make_user
from tests.supply.conftest import TODAY

PAGES = {
    "/supply/": (Role.OPERATOR, Role.BROKER), "/supply/products/new": (Role.OPERATOR, Role.BROKER),
    "/supply/mandates": (Role.OPERATOR,), "/authority/agreements": (Role.AUTHORITY,),
    "/review/": (Role.REVIEWER,), "/admin/qualifications/": (Role.ADMIN,),
}


@pytest.mark.parametrize("url", sorted(PAGES))
def test_role_checks(web, session, url):
    assert web.get(url).status_code == 302  # anonymous → login
    for role in Role:
        user = make_user(session, role)
        web.login(user.email)
        expected = 200 if role in PAGES[url] else 403
        assert web.get(url).status_code == expected, (url, role)
        web.logout()


def _form(title="企业信用评分接口", **kw):
    data = {"type": "api", "title": title, "summary": "评分", "description_md": "说明", "domain": "credit",
            "region": "福建省", "openness": "unconditional", "security_grade": "general",
            "registration_code": "FJ-REG-1", "update_frequency": "daily", "delivery_mode": "API",
            "agreement_id": "0", "offline_delivery": "y",
            "data_dictionary-0-name": "score", "data_dictionary-0-type": "int",
            "data_dictionary-0-meaning": "评分",
            "data_dictionary-1-name": "name", "data_dictionary-1-type": "string", "data_dictionary-1-meaning": "名称",
            "data_dictionary-1-masked": "y", "sample_rows": "score,name\n87,示例**",
            "plans-0-charge_form": "per_call_flat",
            "plans-0-plan_name": "按次", "plans-0-unit_price": "0.5", "plans-1-charge_form": "per_call_graduated",
            "plans-1-tiers": "1000:0.6\n:0.4", "plans-1-free_quota": "100"}
    data.update(kw)
    return data


def test_operator_creates_submits_and_reviewer_approves(web, world):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", _form(submit_review="1"))
    assert resp.status_code == 302
    product = world.session.execute(select(Product).where(Product.operator_id == world.operator.id)).scalar_one()
    assert product.status == ProductStatus.IN_REVIEW and product.agreement_id == world.agreement.id
    assert '"masked":true' in product.data_dictionary and "示例**" in product.sample_rows
    revision = world.session.execute(select(ProductRevision)).scalar_one()
    assert "累进阶梯计费" in web.get(f"/supply/products/{product.id}").get_data(as_text=True)
    web.logout()
    web.login(world.reviewer.email)
    page = web.get(f"/review/revisions/{revision.id}").get_data(as_text=True)
    assert "数据领域「信用」在协议" in page and "价格方案" in page
    assert "没有生效的上限收费标准，不能上架" in page  # R3: submitted before the authority set a cap
    refused = web.post(f"/review/revisions/{revision.id}/approve")
    assert refused.status_code == 400 and "没有生效的上限收费标准" in refused.get_data(as_text=True)
    world.cap(product, [{"form": "per_call_flat", "unit_price_fen": "60"}])
    assert web.post(f"/review/revisions/{revision.id}/approve").status_code == 302
    world.session.expire_all()
    assert product.status == ProductStatus.LISTED and product.min_price_fen == 40


def test_bad_plan_input_is_a_400_with_message(web, world):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", _form(**{"plans-0-unit_price": "abc"}))
    assert resp.status_code == 400 and "金额格式不正确" in resp.get_data(as_text=True)
    resp = web.post("/supply/products/new", _form(**{"plans-0-charge_form": "", "plans-1-charge_form": ""}))
    assert resp.status_code == 400 and "请至少设置一个价格方案" in resp.get_data(as_text=True)
    assert world.session.execute(select(Product)).first() is None


def test_reject_reason_shown_to_lister(web, world):
    product = world.create()
    revision = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    web.login(world.reviewer.email)
    resp = web.post(f"/review/revisions/{revision.id}/reject", {"reason": ""})
    assert resp.status_code == 400 and "驳回原因" in resp.get_data(as_text=True)
    web.post(f"/review/revisions/{revision.id}/reject", {"reason": "登记码与登记证书不符"})
    web.logout()
    web.login(world.op_user.email)
    assert "登记码与登记证书不符" in web.get("/supply/").get_data(as_text=True)
    world.session.expire_all()
    assert revision.status == RevisionStatus.REJECTED


def test_cross_tenant_objects_answer_404(web, world, session):
    product = world.listed()
    other_op = make_user(session, Role.OPERATOR)
    web.login(other_op.email)
    for url in (f"/supply/products/{product.id}", f"/supply/products/{product.id}/edit"):
        assert web.get(url).status_code == 404
    assert web.post(f"/supply/products/{product.id}/edit", _form()).status_code == 404
    assert web.post(f"/supply/products/{product.id}/submit").status_code == 404
    web.logout()
    other_auth = make_user(session, Role.AUTHORITY)
    web.login(other_auth.email)
    assert web.get(f"/authority/agreements/{world.agreement.id}").status_code == 404
    assert web.get(f"/authority/products/{product.id}/caps").status_code == 404
    assert web.post(f"/authority/agreements/{world.agreement.id}/terminate", {"reason": "x"}).status_code == 404


def test_authority_grants_sets_cap_and_terminates(web, world):
    web.login(world.auth_user.email)
    resp = web.post("/authority/agreements", {
        "operator_id": world.operator.id, "title": "新协议", "domains": ["health", "education"],
        "start_date": TODAY.isoformat(), "end_date": (TODAY + timedelta(days=365)).isoformat(),
        "allowed_return_pct": "7.5", "platform_fee_pct": "5", "authority_share_pct": "0"})
    assert resp.status_code == 302
    new = world.session.execute(select(Agreement).where(Agreement.title == "新协议")).scalar_one()
    assert new.allowed_return_bps == 750 and new.domains == '["health","education"]'
    bad = web.post("/authority/agreements", {"operator_id": world.operator.id, "title": "x", "domains": [],
                                             "start_date": TODAY.isoformat(), "end_date": TODAY.isoformat()})
    assert bad.status_code == 400 and "请至少选择一个数据领域" in bad.get_data(as_text=True)
    product = world.listed()
    assert web.post(f"/authority/products/{product.id}/caps",
                    {"charge_form": "per_call_flat", "cap": "0.6"}).status_code == 302
    cap = world.session.execute(select(CapPrice).order_by(CapPrice.id.desc()).limit(1)).scalar_one()
    assert cap.cap_fen == 60 and cap.set_by_id == world.auth_user.id
    resp = web.post(f"/authority/agreements/{world.agreement.id}/terminate", {"reason": "违反安全责任"})
    assert resp.status_code == 302
    world.session.expire_all()
    assert product.status == ProductStatus.DELISTED


def test_admin_records_qualification(web, world, session):
    admin = make_user(session, Role.ADMIN)
    web.login(admin.email)
    resp = web.post("/admin/qualifications/", {"broker_id": world.broker.id, "cert_no": "JJR-001",
                                               "issuer": "示例协会", "valid_from": TODAY.isoformat(),
                                               "valid_to": (TODAY - timedelta(days=1)).isoformat()})
    assert resp.status_code == 400 and "结束日期不能早于开始日期" in resp.get_data(as_text=True)
    resp = web.post("/admin/qualifications/", {"broker_id": world.broker.id, "cert_no": "JJR-001",
                                               "issuer": "示例协会", "valid_from": TODAY.isoformat(),
                                               "valid_to": (TODAY + timedelta(days=99)).isoformat()})
    assert resp.status_code == 302
    assert world.session.execute(select(BrokerQualification.cert_no)).scalar_one() == "JJR-001"


def test_broker_lists_for_mandating_operator(web, world):
    world.qualify()
    world.mandate()
    web.login(world.broker_user.email)
    resp = web.post("/supply/products/new", _form(operator_id=str(world.operator.id), submit_review="1"))
    assert resp.status_code == 302
    product = world.session.execute(select(Product)).scalar_one()
    assert product.broker_id == world.broker.id and product.status == ProductStatus.IN_REVIEW


def test_edit_form_is_prefilled_from_the_latest_revision(web, world):
    product = world.listed(plans=({"name": "阶梯", "form": "per_call_graduated", "free_quota": 50,
                                   "tiers": [{"up_to": 1000, "unit_price_fen": "60"},
                                             {"up_to": None, "unit_price_fen": "0.4"}]},))
    web.login(world.op_user.email)
    html = web.get(f"/supply/products/{product.id}/edit").get_data(as_text=True)
    assert "企业信用评分接口" in html and "1000:0.6\n:0.004" in html and 'value="50"' in html
    assert 'name="data_dictionary-0-name" type="text" value="score"' in html
    assert '<option selected value="int">' in html
    assert 'name="data_dictionary-0-meaning" type="text" value="评分"' in html
    assert 'name="data_dictionary-3-name" type="text" value=""' in html  # blank rows to add fields


def test_the_product_form_shows_every_error_at_once(web, world):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", _form(**{"plans-0-charge_form": "", "plans-1-charge_form": "",
                                                      "sample_rows": "score,nickname\n87,x"}))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "请至少设置一个价格方案" in page  # the plans
    assert "样例数据中有数据字典没有的列：nickname" in page  # the samples
    assert world.session.execute(select(Product)).first() is None
