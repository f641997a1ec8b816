"""Rules fixtures: every party of a sale, built through the real use cases (style of tests/supply/conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.clock import today as exchange_today
from marketplace.gateway.datasets import Definition, Table, define_dataset
from marketplace.gateway.masking import FieldRule
from marketplace.models import Openness, OrgKind, PricePlan, Product, Role
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.supply.agreements import AgreementIn, grant_agreement
from marketplace.supply.brokers import create_mandate, record_qualification
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from tests.factories import make_org, make_user

TODAY = exchange_today()  # the exchange's day (Asia/Shanghai), which every use case goes by
PER_CALL = {"name": "按次", "form": "per_call_flat", "unit_price_fen": "50"}
ONE_OFF = {"name": "买断", "form": "one_off", "price_fen": 100000}


def product_data(**kw) -> dict:
    """Valid listing content (an API product; conditional, so applications are a path too)."""
    data = {"type": "api", "title": "企业信用评分接口", "summary": "按统一社会信用代码查询企业信用评分",
            "description_md": "## 说明\n返回 0–100 的评分。", "domain": "credit", "region": "福建省",
            "openness": Openness.UNCONDITIONAL.value, "security_grade": "general",
            "registration_code": "FJ-REG-0001", "update_frequency": "daily", "delivery_mode": "API 调用",
            "version_notes": "v1", "data_dictionary": [{"name": "score", "type": "int", "meaning": "评分",
                                                         "masked": False}],
            "sample_rows": [{"score": "87"}]}
    data.update(kw)
    return data


def actor(user) -> Actor:
    return Actor(user.id, user.email, user.org_id)


class World:
    """An authority, an operator under an agreement, a qualified broker, a reviewer and two buyers."""

    def __init__(self, session):
        self.session = session
        self.authority = make_org(session, OrgKind.AUTHORITY)
        self.operator = make_org(session, OrgKind.OPERATOR)
        self.broker = make_org(session, OrgKind.BROKER)
        self.auth_user = make_user(session, Role.AUTHORITY, org=self.authority)
        self.op_user = make_user(session, Role.OPERATOR, org=self.operator)
        self.broker_user = make_user(session, Role.BROKER, org=self.broker)
        self.reviewer = make_user(session, Role.REVIEWER)
        self.buyer = make_user(session, Role.BUYER)
        self.buyer_b = make_user(session, Role.BUYER)
        self.agreement = grant_agreement(session, actor=actor(self.auth_user), authority_id=self.authority.id,
                                         data=AgreementIn(operator_id=self.operator.id, title="测试授权运营协议",
                                                          domains=["credit", "finance"],
                                                          start_date=TODAY - timedelta(days=30),
                                                          end_date=TODAY + timedelta(days=365)))
        self._tokens = 0

    def cap(self, product: Product, form: str, fen, *, effective_on: date | None = None):
        """The authority sets a cap (fen) for one charge form."""
        return set_cap(self.session, actor=actor(self.auth_user), product_id=product.id, charge_form=form,
                       cap_fen=Decimal(fen), effective_on=effective_on)

    def listed(self, *, plans=(PER_CALL,), caps=None, broker: bool = False, **kw) -> Product:
        """A product listed through draft → caps → submission → approval (a broker's, under a mandate)."""
        lister = self.broker_user if broker else self.op_user
        if broker:
            record_qualification(self.session, actor=Actor.system("test"), broker_id=self.broker.id,
                                 cert_no=f"JJR-{id(self)}", issuer="示例数据交易协会",
                                 valid_from=TODAY - timedelta(days=10), valid_to=TODAY + timedelta(days=300))
            self.mandate = create_mandate(self.session, actor=actor(self.op_user), operator_id=self.operator.id,
                                          broker_id=self.broker.id, product_ids=[], commission_bps=800,
                                          start_date=TODAY - timedelta(days=1), end_date=TODAY + timedelta(days=180))
        product = create_product(self.session, actor=actor(lister), operator_id=self.operator.id,
                                 broker_id=self.broker.id if broker else None, data=product_data(**kw),
                                 plans=list(plans))
        if product.type in ("api", "model", "service") and not product.offline_delivery:  # deliverable (hole 4)
            define_dataset(self.session, actor=Actor.system("test"), product=product,
                           table=Table(("uscc", "score"), [{"uscc": "91350100000000001X", "score": "87"}]),
                           definition=Definition(key_fields=("uscc",), rules=(FieldRule("score"),)))
        for form, fen in (caps if caps is not None else [(p["form"], _price(p)) for p in plans]):
            self.cap(product, form, fen)
        revision = submit_revision(self.session, actor=actor(lister), product_id=product.id)
        return approve_revision(self.session, actor=actor(self.reviewer), revision_id=revision.id)

    def plan(self, product: Product, form: str | None = None) -> PricePlan:
        query = select(PricePlan).where(PricePlan.product_id == product.id, PricePlan.active)
        if form:
            query = query.where(PricePlan.charge_form == form)
        return self.session.execute(query.order_by(PricePlan.id)).scalars().first()

    def order(self, product: Product, *, plan: PricePlan | None = None, user=None):
        """Checkout as a buyer (the first unless told)."""
        user = user or self.buyer
        org = self.session.get(type(self.operator), user.org_id)
        self._tokens += 1
        return place_order(self.session, actor=actor(user), buyer_org_id=org.id, product_id=product.id,
                           plan_id=(plan or self.plan(product)).id, quantity=1, use_type="industry",
                           purpose="企业征信风控建模", invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc),
                           submit_token=f"rules-token-{self._tokens:06d}")


def _price(plan: dict):
    return plan.get("price_fen") or plan.get("unit_price_fen")


@pytest.fixture
def world(session) -> World:
    return World(session)
