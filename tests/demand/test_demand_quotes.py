"""Quotes: request, offer under the cap, expiry, other buyers, decline, thread, broker as seller."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.demand import quote_queries as qq
from marketplace.demand import quotes
from marketplace.errors import Conflict, DomainError, Forbidden, NotFound
from marketplace.models import CapPrice, Mandate, MandateProduct, OrgKind, PricePlan, Role
from marketplace.models.demand import OfferStatus, QuoteOffer, QuoteStatus
from marketplace.orders.offers import accept_offer
from tests.factories import make_agreement, make_org, make_product, make_user

NEGOTIATED = ({"form": "negotiated"},)


def actor_of(user):
    return Actor(user_id=user.id, label=user.email, org_id=user.org_id)


@pytest.fixture
def world(session):
    operator = make_org(session, OrgKind.OPERATOR)
    agreement = make_agreement(session, operator=operator)
    product = make_product(session, agreement=agreement, plans=NEGOTIATED)
    session.add(CapPrice(product_id=product.id, charge_form="one_off", cap_fen=Decimal(5_000_000)))
    session.commit()
    return {"product": product, "buyer": make_user(session, Role.BUYER), "buyer2": make_user(session, Role.BUYER),
            "operator": make_user(session, Role.OPERATOR, org=operator),
            "other_operator": make_user(session, Role.OPERATOR)}


def ask(session, w, user=None, **kw):
    data = {"volume": "全省企业 50 万条", "period": "12 个月", "use_type": "industry",
            "message": "用于授信前的企业信用核验"} | kw
    made = quotes.request_quote(session, actor=actor_of(user or w["buyer"]), slug=w["product"].slug, **data)
    session.commit()  # the test is the boundary: use cases flush, the caller commits
    return made


def offer(session, w, quote, price=3_000_000, days=30, **kw):
    made = quotes.make_offer(session, actor=actor_of(kw.pop("user", w["operator"])), quote_id=quote.id,
                             price_fen=price, terms={"form": "one_off", "price_fen": price},
                             valid_until=date.today() + timedelta(days=days), **kw)
    session.commit()
    return made


def test_offer_above_cap_is_refused_naming_the_cap(session, world):
    quote = ask(session, world)
    with pytest.raises(DomainError) as e:
        offer(session, world, quote, price=5_000_001)
    assert "¥50,000.00" in e.value.text and "上限" in e.value.text and e.value.field == "price"
    session.rollback()
    assert session.execute(select(QuoteOffer)).first() is None
    made = offer(session, world, quote, price=5_000_000)
    session.refresh(quote)
    assert made.status == OfferStatus.OPEN and quote.status == QuoteStatus.OFFERED
    plan = session.get(PricePlan, made.plan_id)
    assert plan.active is False and plan.product_id == world["product"].id and '"price_fen": 5000000' in plan.terms


def test_latest_cap_row_applies(session, world):
    session.add(CapPrice(product_id=world["product"].id, charge_form="one_off", cap_fen=Decimal(1_000_000)))
    session.commit()
    with pytest.raises(DomainError, match="¥10,000.00"):
        offer(session, world, ask(session, world), price=2_000_000)


def test_expired_offer_cannot_be_accepted_or_declined(session, world):
    quote = ask(session, world)
    made = offer(session, world, quote)
    made.valid_until = date.today() - timedelta(days=2)
    session.add(made)
    session.commit()
    with pytest.raises(DomainError, match="过期"):
        accept_offer(session, actor=actor_of(world["buyer"]), offer_id=made.id, invoice=None)
    session.refresh(made)
    assert made.status == OfferStatus.OPEN and made.order_id is None


def test_another_buyer_gets_not_found(session, world):
    quote = ask(session, world)
    made = offer(session, world, quote)
    stranger = actor_of(world["buyer2"])
    for call in (lambda: accept_offer(session, actor=stranger, offer_id=made.id, invoice=None),
                 lambda: quotes.decline_offer(session, actor=stranger, offer_id=made.id),
                 lambda: qq.get_quote_thread(session, actor=stranger, quote_id=quote.id),
                 lambda: quotes.post_message(session, actor=stranger, quote_id=quote.id, body="hi")):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):  # the buyer cannot make offers on its own quote, another operator neither
        offer(session, world, quote, user=world["buyer"])
    with pytest.raises(NotFound):
        offer(session, world, quote, user=world["other_operator"])
    session.refresh(made)
    assert made.status == OfferStatus.OPEN


def test_decline_then_new_offer_withdraws_nothing_open(session, world):
    quote = ask(session, world)
    first = offer(session, world, quote, price=4_000_000)
    second = offer(session, world, quote, price=3_500_000)
    session.refresh(first)
    assert first.status == OfferStatus.WITHDRAWN
    with pytest.raises(Conflict):
        accept_offer(session, actor=actor_of(world["buyer"]), offer_id=first.id, invoice=None)
    quotes.decline_offer(session, actor=actor_of(world["buyer"]), offer_id=second.id, reason="预算不足")
    session.refresh(quote)
    assert quote.status == QuoteStatus.DECLINED
    thread = qq.get_quote_thread(session, actor=actor_of(world["operator"]), quote_id=quote.id)
    assert thread.side == "seller" and thread.open_offer is None
    assert [m.body for m in thread.messages] == ["拒绝报价：预算不足"]
    third = offer(session, world, quote, price=3_000_000)
    assert qq.get_quote_thread(session, actor=actor_of(world["buyer"]), quote_id=quote.id).open_offer.id == third.id


def test_thread_messages_both_sides(session, world):
    quote = ask(session, world)
    quotes.post_message(session, actor=actor_of(world["operator"]), quote_id=quote.id, body="请确认字段范围")
    quotes.post_message(session, actor=actor_of(world["buyer"]), quote_id=quote.id, body="需要全部字段")
    thread = qq.get_quote_thread(session, actor=actor_of(world["buyer"]), quote_id=quote.id)
    assert [m.body for m in thread.messages] == ["请确认字段范围", "需要全部字段"]
    with pytest.raises(DomainError):
        quotes.post_message(session, actor=actor_of(world["buyer"]), quote_id=quote.id, body="  ")


def test_bad_offers(session, world):
    quote = ask(session, world)
    for price, terms, field in [
        (0, {"form": "one_off", "price_fen": 0}, "price"),
        (-5, {"form": "one_off", "price_fen": -5}, "price"),
        (10**12, {"form": "one_off", "price_fen": 10**12}, "price"),
        (100, {"form": "one_off", "price_fen": 200}, "price"),
        (100, {"form": "per_call_flat", "unit_price_fen": "1"}, "charge_form"),
        (100, {"form": "bogus"}, "charge_form"),
    ]:
        with pytest.raises(DomainError) as e:
            quotes.make_offer(session, actor=actor_of(world["operator"]), quote_id=quote.id, price_fen=price,
                              terms=terms, valid_until=date.today() + timedelta(days=5))
        assert e.value.field == field, (price, terms)
    with pytest.raises(DomainError) as e:
        offer(session, world, quote, days=-1)
    assert e.value.field == "valid_until"
    assert session.execute(select(QuoteOffer)).first() is None


def test_request_rules(session, world):
    ask(session, world)
    with pytest.raises(Conflict):
        ask(session, world)
    with pytest.raises(DomainError) as e:
        ask(session, world, user=world["buyer2"], use_type="public")
    assert e.value.field == "use_type"
    with pytest.raises(DomainError) as e:
        ask(session, world, user=world["buyer2"], message="")
    assert e.value.field == "message"
    with pytest.raises(Forbidden):
        ask(session, world, user=world["operator"])
    with pytest.raises(DomainError):
        ask(session, world, user=make_user(session, Role.BUYER, verified=False))


def test_broker_with_active_mandate_answers(session, world):
    broker = make_user(session, Role.BROKER)
    product = world["product"]
    mandate = Mandate(operator_id=product.operator_id, broker_id=broker.org_id, commission_bps=1000,
                      start_date=date.today() - timedelta(days=1), end_date=date.today() + timedelta(days=30))
    session.add(mandate)
    session.flush()
    session.add(MandateProduct(mandate_id=mandate.id, product_id=product.id))
    product.broker_id = broker.org_id
    session.add(product)
    session.commit()
    quote = ask(session, world)
    assert quote.seller_org_id == broker.org_id
    made = offer(session, world, quote, user=broker)
    assert made.seller_org_id == broker.org_id
    assert [q.id for q, _, _ in qq.list_seller_quotes(session, org_id=broker.org_id)] == [quote.id]
    assert [q.id for q, _, _ in qq.list_seller_quotes(session, org_id=product.operator_id)] == [quote.id]
    assert qq.list_seller_quotes(session, org_id=world["other_operator"].org_id) == []
