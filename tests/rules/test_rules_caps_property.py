"""Property (R3): for any sequence of cap changes and plan edits, no order, accepted offer or rated price is
ever above the cap in force on its date."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.demand import quotes
from marketplace.errors import DomainError
from marketplace.gateway.resolve import _plan_problem
from marketplace.models import PricePlan
from marketplace.models.demand import OfferStatus
from marketplace.orders.checkout import InvoiceIn
from marketplace.orders.offers import accept_offer
from marketplace.supply.caps import cap_in_force
from marketplace.supply.listing import submit_revision, update_product
from marketplace.supply.on_sale import plan_on_sale
from marketplace.supply.review import approve_revision
from pricing import PlanTerms, highest_unit_price
from tests.rules.conftest import TODAY, World, actor, product_data

FORMS = ("one_off", "per_call_flat")
caps = st.tuples(st.just("cap"), st.sampled_from(FORMS), st.integers(1, 40).map(lambda n: n * 5000),
                 st.integers(0, 3))
edits = st.tuples(st.just("edit"), st.integers(1, 40).map(lambda n: n * 5000), st.integers(1, 120))
buys = st.tuples(st.just("order"))
offers = st.tuples(st.just("offer"), st.integers(1, 40).map(lambda n: n * 5000))
STEPS = st.lists(st.one_of(caps, edits, buys, offers), min_size=1, max_size=8)


def _plans(one_off_fen: int, per_call_fen: int) -> list[dict]:
    return [{"name": "买断", "form": "one_off", "price_fen": one_off_fen},
            {"name": "按次", "form": "per_call_flat", "unit_price_fen": str(per_call_fen)}]


def _cap_fen(world, product, form, on):
    cap = cap_in_force(world.session, product_id=product.id, charge_form=form, on=on)
    return None if cap is None else Decimal(cap.cap_fen)


def _run(world, product, step, sold: list) -> None:
    s, kind = world.session, step[0]
    if kind == "cap":
        world.cap(product, step[1], step[2], effective_on=TODAY + timedelta(days=step[3]))
    elif kind == "edit":
        update_product(s, actor=actor(world.op_user), product_id=product.id, data=product_data(),
                       plans=_plans(step[1], step[2]))
        revision = submit_revision(s, actor=actor(world.op_user), product_id=product.id)
        approve_revision(s, actor=actor(world.reviewer), revision_id=revision.id)
    elif kind == "order":
        order = world.order(product, plan=world.plan(product, "one_off"))
        sold.append(("order", Decimal(order.total_fen)))
    else:
        quote = quotes.request_quote(s, actor=actor(world.buyer), slug=product.slug, volume="1 套", period="一年",
                                     use_type="industry", message="请报价")
        offer = quotes.make_offer(s, actor=actor(world.op_user), quote_id=quote.id, price_fen=step[1],
                                  terms={"form": "one_off", "price_fen": step[1]},
                                  valid_until=TODAY + timedelta(days=5))
        org = s.get(type(world.operator), world.buyer.org_id)
        accept_offer(s, actor=actor(world.buyer), offer_id=offer.id,
                            invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc))
        assert s.get(type(offer), offer.id).status == OfferStatus.ACCEPTED
        sold.append(("offer", Decimal(step[1])))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_nothing_sold_or_rated_above_the_cap_in_force(session, steps):
    world = World(session)
    product = world.listed(plans=_plans(100000, 50), caps=[("one_off", 100000), ("per_call_flat", 50)])
    session.commit()  # a refused step rolls back only itself
    for step in steps:
        sold: list = []
        try:
            _run(world, product, step, sold)
            session.commit()
        except DomainError:
            session.rollback()
        cap_today = _cap_fen(world, product, "one_off", TODAY)
        for what, price in sold:  # an order or accepted offer: never above today's one-off cap
            assert cap_today is not None and price <= cap_today, (what, price, cap_today)
        plans = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().all()
        for day in (TODAY + timedelta(days=n) for n in range(5)):
            for plan in plans:
                terms = PlanTerms.from_dict(json.loads(plan.terms))
                cap = _cap_fen(world, product, plan.charge_form, day)
                if plan.active and plan_on_sale(session, product, plan, on=day):  # offered on that day
                    assert cap is not None and highest_unit_price(terms) <= cap, (plan.name, day)
                if _plan_problem(session.connection(), product.id, terms, day) is None and \
                        plan.charge_form == "per_call_flat":  # the gateway rates a call on that day
                    assert cap is not None and highest_unit_price(terms) <= cap, (plan.name, day)
