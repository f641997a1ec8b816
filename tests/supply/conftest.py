"""Supply fixtures: an authority, an operator with an agreement, a qualified and mandated broker."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pytest

from marketplace.audit import Actor
from marketplace.models import OrgKind, Role
from marketplace.supply.agreements import AgreementIn, grant_agreement
from marketplace.supply.brokers import create_mandate, record_qualification
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from pricing import PlanTerms, highest_unit_price
from tests.factories import make_org, make_user

TODAY = date.today()


def product_data(**kw) -> dict:
    """Valid listing content."""
    data = {"type": "api", "title": "企业信用评分接口", "summary": "按统一社会信用代码查询企业信用评分",
            "description_md": "## 说明\n返回 0–100 的评分。", "domain": "credit", "region": "福建省",
            "openness": "unconditional", "security_grade": "general", "registration_code": "FJ-REG-0001",
            "update_frequency": "daily", "delivery_mode": "API 调用", "version_notes": "v1",
            "data_dictionary": [{"name": "score", "type": "int", "meaning": "评分", "masked": False}],
            "sample_rows": [{"score": "87"}], "offline_delivery": True}  # declared offline: deliverable without files
    data.update(kw)
    return data


PLAN = {"name": "按次", "form": "per_call_flat", "unit_price_fen": "50"}


def _commits(method):
    """The test is the boundary: use cases flush, a helper that arranges data commits it."""

    @functools.wraps(method)
    def run(self, *args, **kw):
        made = method(self, *args, **kw)
        self.session.commit()
        return made

    return run


class World:
    """Parties and helpers for supply tests, built through the real use cases."""

    def __init__(self, session):
        self.session = session
        self.authority = make_org(session, OrgKind.AUTHORITY)
        self.operator = make_org(session, OrgKind.OPERATOR)
        self.broker = make_org(session, OrgKind.BROKER)
        self.op_user = make_user(session, Role.OPERATOR, org=self.operator)
        self.auth_user = make_user(session, Role.AUTHORITY, org=self.authority)
        self.broker_user = make_user(session, Role.BROKER, org=self.broker)
        self.reviewer = make_user(session, Role.REVIEWER)
        self.agreement = self.grant()

    def actor(self, user) -> Actor:
        return Actor(user.id, user.email, user.org_id)

    @_commits
    def grant(self, *, domains=("credit", "finance"), start=None, end=None, operator=None, **kw):
        data = AgreementIn(operator_id=(operator or self.operator).id, title="测试授权运营协议",
                           domains=list(domains), start_date=start or TODAY - timedelta(days=30),
                           end_date=end or TODAY + timedelta(days=365), **kw)
        return grant_agreement(self.session, actor=self.actor(self.auth_user), authority_id=self.authority.id,
                               data=data)

    @_commits
    def qualify(self, broker=None, *, valid_to=None):
        return record_qualification(self.session, actor=Actor.system("test"), broker_id=(broker or self.broker).id,
                                    cert_no=f"JJR-{id(self)}-{TODAY.toordinal()}-{valid_to}", issuer="示例数据交易协会",
                                    valid_from=TODAY - timedelta(days=10),
                                    valid_to=valid_to or TODAY + timedelta(days=300))

    @_commits
    def mandate(self, products=(), *, bps=800):
        return create_mandate(self.session, actor=self.actor(self.op_user), operator_id=self.operator.id,
                              broker_id=self.broker.id, product_ids=[p.id for p in products], commission_bps=bps,
                              start_date=TODAY - timedelta(days=1), end_date=TODAY + timedelta(days=180))

    @_commits
    def create(self, *, plans=(PLAN,), by=None, broker=None, **kw):
        user = by or self.op_user
        return create_product(self.session, actor=self.actor(user), operator_id=self.operator.id,
                              broker_id=broker.id if broker else None, data=product_data(**kw), plans=list(plans))

    def cap(self, product, plans=(PLAN,)):
        """The authority sets a cap at each charged plan's highest price (R3: needed to list it)."""
        for plan in plans:
            terms = PlanTerms.from_dict({k: v for k, v in plan.items() if k != "name"})
            if terms.form.value not in ("free_public", "negotiated"):
                set_cap(self.session, actor=self.actor(self.auth_user), product_id=product.id,
                        charge_form=terms.form.value, cap_fen=highest_unit_price(terms))

    @_commits
    def listed(self, *, caps=True, **kw):
        product = self.create(**kw)
        if caps:
            self.cap(product, kw.get("plans", (PLAN,)))
        revision = submit_revision(self.session, actor=self.actor(self.op_user), product_id=product.id)
        return approve_revision(self.session, actor=self.actor(self.reviewer), revision_id=revision.id)


@pytest.fixture
def world(session) -> World:
    return World(session)
