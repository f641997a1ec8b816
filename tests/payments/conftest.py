"""Payments fixtures: one localstripe for the run, its webhooks caught on loopback, buyers with orders."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models import OrgKind, PricePlan, Role
from marketplace.orders.checkout import InvoiceIn, place_order
from tests.factories import make_org, make_product, make_user
from tests.payments.localstripe_proc import LocalStripe, WebhookInbox

_tokens = itertools.count(1)


@pytest.fixture(scope="session")
def localstripe():
    """localstripe on a free loopback port for the whole run."""
    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def inbox(localstripe):
    """Where localstripe delivers its signed webhooks during the run."""
    box = WebhookInbox().start()
    localstripe.register_webhook("inbox", box.url)
    yield box
    box.stop()


@pytest.fixture
def app(app, localstripe):
    """The shared app fixture, with card payments pointed at localstripe."""
    app.config.update(localstripe.config())
    return app


@pytest.fixture
def settings(app):
    from marketplace.payments.stripe_gateway import StripeSettings

    cfg = app.config
    return StripeSettings(cfg["STRIPE_SECRET_KEY"], cfg["STRIPE_PUBLISHABLE_KEY"], cfg["STRIPE_WEBHOOK_SECRET"],
                          cfg["STRIPE_API_BASE"])


class Buyers:
    """A verified buyer and orders awaiting payment, made by the real checkout."""

    def __init__(self, session):
        self.session = session
        self.org = make_org(session, OrgKind.ENTERPRISE)
        self.user = make_user(session, Role.BUYER, org=self.org)
        self.actor = Actor(self.user.id, self.user.email, self.org.id)

    def order(self, price_fen: int = 12_345, org=None):
        org = org or self.org
        product = make_product(self.session, plans=({"form": "one_off", "price_fen": price_fen},))
        plan = self.session.execute(select(PricePlan).where(PricePlan.product_id == product.id)).scalars().first()
        return place_order(self.session, actor=self.actor, buyer_org_id=org.id, product_id=product.id,
                           plan_id=plan.id, quantity=1, use_type="industry", purpose="企业风控建模",
                           invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc),
                           submit_token=f"card-{next(_tokens):08d}-{org.id}")

    def count(self, model) -> int:
        self.session.expire_all()
        return self.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def buyers(session) -> Buyers:
    return Buyers(session)
