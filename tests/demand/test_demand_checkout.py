"""Checkout of conditional products waits for an approved application; accepted offers pin their private plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.demand import applications as apps
from marketplace.demand import quotes
from marketplace.errors import DomainError
from marketplace.models import CapPrice, Order, OrderLine, OrgKind, PricePlan, Role
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.offers import accept_offer
from tests.factories import make_agreement, make_org, make_product, make_user


def actor_of(user):
    return Actor(user_id=user.id, label=user.email, org_id=user.org_id)


def buy(session, buyer, product, token):
    plan = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().first()
    return place_order(session, actor=actor_of(buyer), buyer_org_id=buyer.org_id, product_id=product.id,
                       plan_id=plan.id, quantity=1, use_type="industry", purpose="用于贷前经营核验",
                       invoice=InvoiceIn(title="测试企业", taxpayer_id="", kind="normal"), submit_token=token)


def test_conditional_checkout_blocked_until_approved(session):
    operator = make_org(session, OrgKind.OPERATOR)
    product = make_product(session, agreement=make_agreement(session, operator=operator), openness="conditional")
    buyer, op = make_user(session, Role.BUYER), make_user(session, Role.OPERATOR, org=operator)
    with pytest.raises(DomainError, match="有条件开放"):
        buy(session, buyer, product, "token-before-0001")
    session.rollback()
    application = apps.apply_for_access(session, actor=actor_of(buyer), slug=product.slug, use_type="industry",
                                        purpose="贷前核验", scenario="信贷系统")
    session.commit()  # the test is the boundary
    with pytest.raises(DomainError):
        buy(session, buyer, product, "token-pending-001")
    session.rollback()
    apps.decide_application(session, actor=actor_of(op), application_id=application.id, approve=True)
    order = buy(session, buyer, product, "token-approved-01")
    assert order.total_fen == 10000
    assert session.execute(select(Order)).scalars().all() == [order]


def test_accepted_offer_orders_at_offer_price_under_private_plan(session):
    operator = make_org(session, OrgKind.OPERATOR)
    product = make_product(session, agreement=make_agreement(session, operator=operator),
                           plans=({"form": "negotiated"},))
    session.add(CapPrice(product_id=product.id, charge_form="prepaid_calls", cap_fen=Decimal(900_000)))
    session.commit()
    buyer, op = make_user(session, Role.BUYER), make_user(session, Role.OPERATOR, org=operator)
    quote = quotes.request_quote(session, actor=actor_of(buyer), slug=product.slug, volume="50 万次",
                                 period="12 个月", use_type="industry", message="次数包报价")
    terms = {"form": "prepaid_calls", "price_fen": 880_000, "package_calls": 500_000}
    offer = quotes.make_offer(session, actor=actor_of(op), quote_id=quote.id, price_fen=880_000, terms=terms,
                              valid_until=date.today() + timedelta(days=7))
    invoice = InvoiceIn(title="测试企业", taxpayer_id="", kind="special")
    order = accept_offer(session, actor=actor_of(buyer), offer_id=offer.id, invoice=invoice)
    line = session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()
    assert (order.total_fen, line.plan_id, line.amount_fen) == (880_000, offer.plan_id, 880_000)
    assert session.get(PricePlan, offer.plan_id).active is False
