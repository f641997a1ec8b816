"""Helpers for order tests: a verified buyer, a sellable product, a placed order."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models import Order, OrgKind, PricePlan, Role
from marketplace.models.accounts import TaxpayerKind
from marketplace.orders.checkout import InvoiceIn, place_order
from tests.factories import make_org, make_product, make_user

_tokens = itertools.count(1)


class Shop:
    """Arranges buyers, products and orders through the real use cases."""

    def __init__(self, session):
        self.session = session

    def buyer(self, *, verified=True, small=False):
        org = make_org(self.session, OrgKind.ENTERPRISE, verified=verified)
        if small:
            org.taxpayer_kind = TaxpayerKind.SMALL
            self.session.commit()
        user = make_user(self.session, Role.BUYER, org=org)
        return org, user

    def product(self, **kw):
        return make_product(self.session, **kw)

    def attach(self, product, storage_dir, content: bytes = b"a,b\n1,2\n"):
        """Attach a delivery file (a package or report is deliverable then)."""
        from marketplace.orders.delivery import upload_deliverable

        return upload_deliverable(self.session, actor=Actor.system("test"), operator_org_id=product.operator_id,
                                  product_id=product.id, filename="data.csv", content=content,
                                  storage_dir=storage_dir)

    def define(self, product):
        """Give an API product a (one-row) data API definition, so calls can be answered."""
        from marketplace.gateway.datasets import Definition, define_dataset, parse_csv
        from marketplace.gateway.masking import FieldRule

        define_dataset(self.session, actor=Actor.system("test"), product=product, table=parse_csv("k,v\n1,2\n"),
                       definition=Definition(key_fields=("k",), rules=(FieldRule("v"),)))
        self.session.commit()
        return product

    def plan(self, product) -> PricePlan:
        return self.session.execute(select(PricePlan).where(PricePlan.product_id == product.id)
                                    .order_by(PricePlan.id)).scalars().first()

    def order(self, org, user, product, *, plan=None, quantity=1, use_type="industry", token=None, **kw) -> Order:
        plan = plan or self.plan(product)
        order = place_order(
            self.session, actor=Actor(user.id, user.email, org.id), buyer_org_id=org.id, product_id=product.id,
            plan_id=plan.id, quantity=quantity, use_type=use_type, purpose=kw.pop("purpose", "企业征信风控建模"),
            invoice=kw.pop("invoice", InvoiceIn(title=org.name, taxpayer_id=org.uscc, kind="special")),
            submit_token=token or f"token-{next(_tokens):08d}", **kw)
        self.session.commit()  # the test is the boundary: use cases flush, the caller commits
        return order

    def count(self, model) -> int:
        self.session.expire_all()
        return self.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def shop(session) -> Shop:
    return Shop(session)

