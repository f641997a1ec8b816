"""After login each role lands on its work, with counts of what waits there; an explicit `next` wins."""

import re
from datetime import timedelta

import pytest
from flask import url_for

from marketplace import clock
from marketplace.models import (
    Order,
    OrderStatus,
    OrgKind,
    PaymentMethod,
    ProductRevision,
    QuoteRequest,
    RevisionStatus,
    Role,
    UseType,
)
from marketplace.web.landing import LANDING as ENDPOINTS
from tests.factories import make_agreement, make_org, make_product, make_user

LANDING = {
    Role.REVIEWER: "/review/",
    Role.FINANCE: "/finance/dashboard",
    Role.AUTHORITY: "/authority/agreements",
    Role.OPERATOR: "/supply/",
    Role.BROKER: "/supply/",
    Role.BUYER: "/",
    Role.ADMIN: "/admin/organizations",
}


def _count(html: str, key: str) -> int:
    match = re.search(rf'waiting-{key}[^>]*>.*?data-count="(\d+)"', html, re.S)
    assert match, f"no count {key}"
    return int(match.group(1))


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_work(web, session, app, role):
    user = make_user(session, role)
    resp = web.post("/login", {"email": user.email, "password": "Tea-River-Lantern-42"})
    assert resp.status_code == 302
    with app.test_request_context():
        expected = url_for(ENDPOINTS[role])
    assert resp.headers["Location"] == expected and expected.startswith(LANDING[role])
    page = web.get(expected)
    assert page.status_code == 200 and 'id="waiting"' in page.get_data(as_text=True)
    elsewhere = "/account"
    assert 'id="waiting"' not in web.get(elsewhere).get_data(as_text=True)  # only on the landing page


def test_an_explicit_next_wins(web, session):
    user = make_user(session, Role.REVIEWER)
    resp = web.post("/login?next=/catalog", {"email": user.email, "password": "Tea-River-Lantern-42"})
    assert resp.headers["Location"] == "/catalog"
    web.logout()
    resp = web.post("/login?next=//evil.example", {"email": user.email, "password": "Tea-River-Lantern-42"})
    assert resp.headers["Location"] == "/review/"


def _submitted_revision(session, product) -> None:
    session.add(
        ProductRevision(product_id=product.id, number=1, status=RevisionStatus.SUBMITTED, submitted_at=clock.now())
    )
    session.commit()


def test_reviewer_and_admin_counts(web, session, login_as):
    product = make_product(session, status="in_review")
    _submitted_revision(session, product)
    make_org(session, verified=False)
    make_org(session, verified=False)
    login_as(Role.REVIEWER)
    assert _count(web.get("/review/").get_data(as_text=True), "reviews") == 1
    web.logout()
    login_as(Role.ADMIN)
    assert _count(web.get("/admin/organizations").get_data(as_text=True), "orgs") == 2


def test_operator_counts_listings_in_review_open_quotes_and_ending_agreements(web, session):
    operator = make_org(session, OrgKind.OPERATOR)
    soon = make_agreement(session, operator=operator, days=20)
    make_agreement(session, operator=operator, days=300)
    product = make_product(session, agreement=soon, status="in_review")
    _submitted_revision(session, product)
    buyer = make_user(session, Role.BUYER)
    for status in ("open", "open", "closed"):
        session.add(
            QuoteRequest(
                product_id=product.id,
                buyer_org_id=buyer.org_id,
                user_id=buyer.id,
                seller_org_id=operator.id,
                use_type=UseType.INDUSTRY,
                status=status,
            )
        )
    session.commit()
    web.login(make_user(session, Role.OPERATOR, org=operator).email)
    html = web.get("/supply/").get_data(as_text=True)
    assert (_count(html, "in_review"), _count(html, "quotes"), _count(html, "ending")) == (1, 2, 1)


def _order(buyer, n: str, status: OrderStatus, method: PaymentMethod) -> Order:
    return Order(
        number=f"DD-LANDING-{n}",
        bank_reference=f"REF-LANDING-{n}",
        submit_token=f"tok-{n}",
        buyer_org_id=buyer.org_id,
        user_id=buyer.id,
        status=status,
        payment_method=method,
        total_fen=1000,
        use_type=UseType.INDUSTRY,
    )


def test_finance_and_buyer_count_unpaid_orders(web, session):
    buyer = make_user(session, Role.BUYER)
    for n, method in enumerate((PaymentMethod.BANK_TRANSFER, PaymentMethod.BANK_TRANSFER, PaymentMethod.STRIPE)):
        session.add(_order(buyer, f"{n}", OrderStatus.AWAITING_PAYMENT, method))
    session.add(_order(buyer, "paid", OrderStatus.PAID, PaymentMethod.BANK_TRANSFER))
    session.commit()
    web.login(buyer.email)
    assert _count(web.get("/").get_data(as_text=True), "unpaid_orders") == 3
    web.logout()
    web.login(make_user(session, Role.FINANCE).email)
    assert _count(web.get("/finance/dashboard").get_data(as_text=True), "transfers") == 2


def test_authority_counts_agreements_ending_within_sixty_days(web, session):
    authority = make_org(session, OrgKind.AUTHORITY)
    make_agreement(session, authority=authority, days=57)
    make_agreement(session, authority=authority, days=63)
    web.login(make_user(session, Role.AUTHORITY, org=authority).email)
    assert _count(web.get("/authority/agreements").get_data(as_text=True), "ending") == 1
    later = clock.FixedClock(clock.now() + timedelta(days=6))
    with clock.use_clock(later):
        assert _count(web.get("/authority/agreements").get_data(as_text=True), "ending") == 2
