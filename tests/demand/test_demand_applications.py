"""Access applications: apply, approve/decline with a reason, one pending per pair, has_approved_access."""

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.demand import applications as apps
from marketplace.errors import Conflict, DomainError, Forbidden, NotFound
from marketplace.models import AuditRecord, OrgKind, Role
from marketplace.models.demand import ApplicationStatus
from tests.factories import make_agreement, make_org, make_product, make_user


def actor_of(user):
    return Actor(user_id=user.id, label=user.email, org_id=user.org_id)


@pytest.fixture
def world(session):
    operator = make_org(session, OrgKind.OPERATOR)
    agreement = make_agreement(session, operator=operator)
    product = make_product(session, agreement=agreement, openness="conditional")
    open_product = make_product(session, agreement=agreement)
    return {
        "product": product, "open": open_product,
        "buyer": make_user(session, Role.BUYER), "buyer2": make_user(session, Role.BUYER),
        "operator": make_user(session, Role.OPERATOR, org=operator),
        "other_operator": make_user(session, Role.OPERATOR),
    }


def apply(session, w, user=None, **kw):
    data = {"use_type": "industry", "purpose": "用于企业信用风险评估", "scenario": "授信审批"} | kw
    made = apps.apply_for_access(session, actor=actor_of(user or w["buyer"]), slug=w["product"].slug, **data)
    session.commit()  # the test is the boundary: use cases flush, the caller commits
    return made


def test_unconditional_is_always_accessible(session, world):
    assert apps.has_approved_access(session, buyer_org_id=world["buyer"].org_id, product_id=world["open"].id)
    assert not apps.has_approved_access(session, buyer_org_id=world["buyer"].org_id, product_id=10**6)


def test_approve_grants_access_only_to_that_buyer(session, world):
    b, p = world["buyer"], world["product"]
    assert not apps.has_approved_access(session, buyer_org_id=b.org_id, product_id=p.id)
    app = apply(session, world)
    assert app.status == ApplicationStatus.PENDING
    assert not apps.has_approved_access(session, buyer_org_id=b.org_id, product_id=p.id)
    apps.decide_application(session, actor=actor_of(world["operator"]), application_id=app.id, approve=True)
    assert apps.has_approved_access(session, buyer_org_id=b.org_id, product_id=p.id)
    assert not apps.has_approved_access(session, buyer_org_id=world["buyer2"].org_id, product_id=p.id)
    actions = list(session.execute(select(AuditRecord.action).order_by(AuditRecord.id)).scalars())
    assert actions[-2:] == ["application.submit", "application.approved"]


def test_decline_needs_reason_and_reapply_is_allowed(session, world):
    app = apply(session, world)
    op = actor_of(world["operator"])
    with pytest.raises(DomainError) as e:
        apps.decide_application(session, actor=op, application_id=app.id, approve=False, reason="  ")
    assert e.value.field == "reason"
    session.rollback()
    apps.decide_application(session, actor=op, application_id=app.id, approve=False, reason="用途与授权场景不符")
    session.refresh(app)
    assert (app.status, app.decision_reason) == (ApplicationStatus.DECLINED, "用途与授权场景不符")
    with pytest.raises(Conflict):
        apps.decide_application(session, actor=op, application_id=app.id, approve=True)
    again = apply(session, world, purpose="用于普惠金融小微企业授信")
    assert again.id != app.id and again.status == ApplicationStatus.PENDING


def test_one_pending_per_buyer_and_product(session, world):
    apply(session, world)
    with pytest.raises(Conflict):
        apply(session, world)
    apply(session, world, user=world["buyer2"])  # another buyer may apply
    assert len(apps.list_incoming_applications(session, org_id=world["operator"].org_id)) == 2


def test_other_operator_cannot_decide(session, world):
    app = apply(session, world)
    with pytest.raises(NotFound):
        apps.decide_application(session, actor=actor_of(world["other_operator"]), application_id=app.id,
                                approve=True)
    session.refresh(app)
    assert app.status == ApplicationStatus.PENDING


def test_bad_input_and_wrong_parties(session, world):
    with pytest.raises(DomainError) as e:
        apply(session, world, purpose="")
    assert e.value.field == "purpose"
    with pytest.raises(DomainError) as e:
        apply(session, world, use_type="evil")
    assert e.value.field == "use_type"
    with pytest.raises(DomainError):
        apps.apply_for_access(session, actor=actor_of(world["buyer"]), slug=world["open"].slug,
                              use_type="industry", purpose="x", scenario="y")
    with pytest.raises(Forbidden):
        apply(session, world, user=world["operator"])
    unverified = make_user(session, Role.BUYER, verified=False)
    with pytest.raises(DomainError):
        apply(session, world, user=unverified)
    with pytest.raises(NotFound):
        apps.apply_for_access(session, actor=actor_of(world["buyer"]), slug="nope", use_type="industry",
                              purpose="x", scenario="y")
