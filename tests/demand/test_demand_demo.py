"""The demand demo: a pending application, an open offer, a declined offer."""

from sqlalchemy import select

from marketplace.demand.demo import load_demand_demo
from marketplace.demo import demo_orgs
from marketplace.models import AuditRecord, Role
from marketplace.models.demand import AccessApplication, OfferStatus, QuoteOffer, QuoteRequest, QuoteStatus
from tests.factories import make_agreement, make_product, make_user


def test_demo_on_a_small_catalog(session):
    orgs = demo_orgs(session)  # the other features' demos are theirs to test
    session.commit()
    make_user(session, Role.BUYER, org=orgs["buyer_a"])
    make_user(session, Role.OPERATOR, org=orgs["op_central"])
    load_demand_demo(session, orgs)  # without a catalog the demand demo adds nothing
    assert session.execute(select(QuoteRequest)).first() is None
    agreement = make_agreement(session, operator=orgs["op_central"], authority=orgs["authority"])
    make_product(session, agreement=agreement, openness="conditional")
    make_product(session, agreement=agreement, plans=({"form": "negotiated"},))
    make_product(session, agreement=agreement)
    load_demand_demo(session, orgs)
    assert [a.status for a in session.execute(select(AccessApplication)).scalars()] == ["pending"]
    assert sorted(q.status for q in session.execute(select(QuoteRequest)).scalars()) == [
        QuoteStatus.DECLINED, QuoteStatus.OFFERED]
    assert sorted(o.status for o in session.execute(select(QuoteOffer)).scalars()) == [
        OfferStatus.DECLINED, OfferStatus.OPEN]
    actions = set(session.execute(select(AuditRecord.action)).scalars())
    assert {"application.submit", "quote.request", "quote.offer", "quote.offer_decline"} <= actions
