"""R3, R5, R6 refusals, the revision workflow and enforcement, through the use cases."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.entitlements import grant_entitlement
from marketplace.errors import DomainError, NotFound
from marketplace.keys import issue_api_key
from marketplace.models import (
    AgreementStatus,
    ApiKeyStatus,
    AuditRecord,
    EntitlementStatus,
    PricePlan,
    ProductStatus,
    RevisionStatus,
)
from marketplace.supply.agreements import renew_agreement, terminate_agreement
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.caps import current_cap
from marketplace.supply.enforcement import enforce_terms
from marketplace.supply.listing import submit_revision, update_product
from marketplace.supply.review import approve_revision, reject_revision
from tests.factories import make_org
from tests.supply.conftest import PLAN, TODAY, product_data


def _submit(world, product, user=None):
    return submit_revision(world.session, actor=world.actor(user or world.op_user), product_id=product.id)

def _cap(world, product, form="per_call_flat", fen="40", **kw):
    return set_cap(world.session, actor=world.actor(world.auth_user), product_id=product.id, charge_form=form,
                   cap_fen=Decimal(fen), authority_id=world.authority.id, **kw)

def test_r3_plan_above_cap_is_refused_naming_the_cap(world):
    product = world.create()
    _cap(world, product, fen="40")
    with pytest.raises(DomainError) as err:
        _submit(world, product)
    assert "¥0.40/次" in err.value.text and "¥0.50/次" in err.value.text
    with pytest.raises(DomainError) as err:  # saving an edit above the cap is refused too
        update_product(world.session, actor=world.actor(world.op_user), product_id=product.id,
                       data=product_data(), plans=[{"name": "阶梯", "form": "per_call_graduated",
                                                    "tiers": [{"up_to": 100, "unit_price_fen": "60"},
                                                              {"up_to": None, "unit_price_fen": "30"}]}])
    assert "上限收费标准 ¥0.40/次" in err.value.text

def test_r3_caps_are_versioned_and_trial_needs_young_operator(world):
    product = world.create()
    first = _cap(world, product, fen="80")
    second = _cap(world, product, fen="60")
    assert first.id != second.id and current_cap(world.session, product.id, "per_call_flat").cap_fen == 60
    trial = _cap(world, product, fen="70", trial=True, trial_expires=TODAY + timedelta(days=30))
    assert current_cap(world.session, product.id, "per_call_flat").id == trial.id
    assert current_cap(world.session, product.id, "per_call_flat", today=TODAY + timedelta(days=31)).id == second.id
    old = world.grant(start=TODAY - timedelta(days=800))
    world.session.refresh(product)
    product.agreement_id = old.id
    world.session.commit()
    with pytest.raises(DomainError, match="已满一年"):
        _cap(world, product, fen="70", trial=True, trial_expires=TODAY + timedelta(days=30))

@pytest.mark.parametrize("kw, needle", [
    ({"domain": "health"}, "不在协议"),
    ({"registration_code": ""}, "缺少数据产品登记码"),
    ({"security_grade": "core"}, "核心数据不得上架"),
    ({"security_grade": "important", "type": "package"}, "重要数据只能以接口"),
])
def test_r5_content_refusals(world, kw, needle):
    product = world.create(**kw)
    with pytest.raises(DomainError, match=needle):
        _submit(world, product)
    world.session.expire_all()
    assert product.status == ProductStatus.DRAFT

def test_r5_out_of_term_refused(world):
    world.session.refresh(world.agreement)
    world.agreement.end_date = TODAY - timedelta(days=1)
    world.session.commit()
    product = world.create()
    with pytest.raises(DomainError, match="不在协议期限内"):
        _submit(world, product)

def test_important_grade_as_api_is_fine(world):
    product = world.listed(security_grade="important", type="api")
    assert product.status == ProductStatus.LISTED

def test_r6_broker_needs_qualification_then_mandate(world):
    with pytest.raises(DomainError, match="没有有效的数据经纪人资质"):
        world.create(by=world.broker_user, broker=world.broker)
    world.qualify()
    with pytest.raises(DomainError, match="没有该运营单位的有效委托"):
        world.create(by=world.broker_user, broker=world.broker)
    world.mandate()
    product = world.create(by=world.broker_user, broker=world.broker)
    revision = _submit(world, product, world.broker_user)
    assert revision.status == RevisionStatus.SUBMITTED
    checks = {c["code"]: c["ok"] for c in json.loads(revision.checks)}
    assert checks["qualification"] and checks["mandate"]

def test_r6_other_broker_cannot_edit(world):
    world.qualify()
    world.mandate()
    product = world.create(by=world.broker_user, broker=world.broker)
    other = make_org(world.session, "broker")
    with pytest.raises(NotFound):
        update_product(world.session, actor=Actor(None, "x", other.id), product_id=product.id,
                       data=product_data(), plans=[PLAN])

def test_listed_version_stays_on_sale_until_approval(world):
    product = world.listed()
    update_product(world.session, actor=world.actor(world.op_user), product_id=product.id,
                   data=product_data(title="企业信用评分接口（新版）"),
                   plans=[{"name": "包年", "form": "subscription_year", "price_fen": 1200000, "period_months": 12}])
    revision = _submit(world, product)
    world.session.expire_all()
    assert product.status == ProductStatus.LISTED and product.title == "企业信用评分接口"
    plans = world.session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()
    assert [(p.charge_form, p.active) for p in plans] == [("per_call_flat", True)]
    with pytest.raises(DomainError, match="正在审核"):
        update_product(world.session, actor=world.actor(world.op_user), product_id=product.id,
                       data=product_data(), plans=[PLAN])
    world.cap(product, [{"form": "subscription_year", "price_fen": 1200000, "period_months": 12}])
    approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    world.session.expire_all()
    assert product.title == "企业信用评分接口（新版）" and product.min_price_fen == 1200000
    plans = world.session.execute(select(PricePlan).where(PricePlan.product_id == product.id)
                                  .order_by(PricePlan.id)).scalars().all()
    assert [(p.charge_form, p.active, p.version) for p in plans] == [("per_call_flat", False, 1),
                                                                    ("subscription_year", True, 2)]

def test_reject_reason_kept_and_listed_product_unaffected(world):
    product = world.create()
    revision = _submit(world, product)
    with pytest.raises(DomainError, match="驳回原因"):
        reject_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id, reason=" ")
    reject_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id,
                    reason="样例数据未脱敏")
    world.session.expire_all()
    assert product.status == ProductStatus.REJECTED and revision.reject_reason == "样例数据未脱敏"
    again = _submit(world, product)
    assert again.number == 2 and again.status == RevisionStatus.SUBMITTED

def _entitle(world, product):
    buyer = make_org(world.session, "enterprise")
    plan = world.session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().first()
    ent = grant_entitlement(world.session, actor=Actor.system("test"), buyer_org_id=buyer.id, product=product,
                            plan=plan)
    key, _ = issue_api_key(world.session, actor=Actor.system("test"), entitlement=ent)
    world.session.commit()
    return ent, key

def test_enforce_terms_delists_ends_entitlements_revokes_keys_and_audits(world):
    product = world.listed()
    ent, key = _entitle(world, product)
    world.session.refresh(world.agreement)
    world.agreement.end_date = TODAY - timedelta(days=1)
    world.session.commit()
    report = enforce_terms(world.session, actor=Actor.system("cli"), today=TODAY)
    world.session.expire_all()
    assert (report.agreements, report.products, report.entitlements, report.keys) == (1, 1, 1, 1)
    assert world.agreement.status == AgreementStatus.EXPIRED and product.status == ProductStatus.DELISTED
    assert ent.status == EntitlementStatus.ENDED and key.status == ApiKeyStatus.REVOKED
    actions = set(world.session.execute(select(AuditRecord.action)).scalars())
    assert {"agreement.expired", "product.delist", "agreement.destruction_marked", "entitlement.ended",
            "api_key.revoke"} <= actions
    assert enforce_terms(world.session, actor=Actor.system("cli"), today=TODAY).agreements == 0

def test_terminate_has_the_same_consequences_and_renew_moves_products(world):
    product = world.listed()
    new = renew_agreement(world.session, actor=world.actor(world.auth_user), agreement_id=world.agreement.id,
                          end_date=TODAY + timedelta(days=900), authority_id=world.authority.id)
    world.session.expire_all()
    assert product.agreement_id == new.id and product.status == ProductStatus.LISTED
    assert new.renewed_from_id == world.agreement.id
    ent, key = _entitle(world, product)
    with pytest.raises(NotFound):
        terminate_agreement(world.session, actor=Actor.system("x"), agreement_id=new.id, reason="违规",
                            authority_id=make_org(world.session, "authority").id)
    terminate_agreement(world.session, actor=world.actor(world.auth_user), agreement_id=new.id,
                        reason="运营单位违反安全责任", authority_id=world.authority.id)
    world.session.expire_all()
    assert new.status == AgreementStatus.TERMINATED and product.status == ProductStatus.DELISTED
    assert ent.status == EntitlementStatus.ENDED and key.status == ApiKeyStatus.REVOKED
