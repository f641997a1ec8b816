"""Every path that sells or prices × every reason a product is not on sale: all refuse, with the same reason.

Each row builds one broker-listed, conditional API product that every path accepts (the `on_sale` row proves
it), then breaks one rule and asks every path again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from marketplace.audit import Actor
from marketplace.catalog.details import ProductGone, load_product_page
from marketplace.catalog.queries import CatalogQuery, search_catalog
from marketplace.demand import applications as apps
from marketplace.demand import quotes
from marketplace.gateway.calls import deny_reason
from marketplace.gateway.datasets import Definition, Table, define_dataset
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import grant_access
from marketplace.gateway.resolve import load_key_info
from marketplace.keys import digest_key
from marketplace.models import AgreementStatus, CapPrice, Organization, ProductStatus, UseType
from marketplace.models.base import utcnow
from marketplace.orders.checkout import InvoiceIn
from marketplace.orders.offers import accept_offer
from marketplace.supply.brokers import revoke_mandate
from marketplace.supply.checks import failed_reasons
from marketplace.supply.enforcement import refresh_listed
from marketplace.supply.errors import ListingRefused
from marketplace.supply.listing import submit_revision, update_product
from marketplace.supply.on_sale import NotOnSale, OffSale, off_sale_reason
from marketplace.supply.review import approve_revision
from tests.rules.conftest import ONE_OFF, PER_CALL, TODAY, actor, product_data

PATHS = ("catalog", "product_page", "checkout", "quote_offer", "offer_accept", "application", "gateway", "review")
OFFER = {"form": "one_off", "price_fen": 90000}


class Scene:
    """One product on sale through every path, with a quote offered, a quote open, a key and a revision pending."""

    def __init__(self, world):
        w, s = world, world.session
        self.w, self.s = w, s
        self.product = p = w.listed(broker=True, plans=(PER_CALL, ONE_OFF), openness="conditional",
                                    caps=[("per_call_flat", 50), ("one_off", 100000)])
        self.buyer_org = s.get(Organization, w.buyer.org_id)
        app = apps.apply_for_access(s, actor=actor(w.buyer), slug=p.slug, use_type="industry",
                                    purpose="用于信贷审批风控", scenario="银行信贷")
        apps.decide_application(s, actor=actor(w.op_user), application_id=app.id, approve=True)
        quote = quotes.request_quote(s, actor=actor(w.buyer), slug=p.slug, volume="1 套", period="一年",
                                     use_type="industry", message="需要一次性买断")
        self.offer = quotes.make_offer(s, actor=actor(w.op_user), quote_id=quote.id, price_fen=90000, terms=OFFER,
                                       valid_until=TODAY + timedelta(days=10))
        self.open_quote = quotes.request_quote(s, actor=actor(w.buyer_b), slug=p.slug, volume="1 套", period="一年",
                                               use_type="industry", message="请报价")
        table = Table(("uscc", "score"), [{"uscc": "91350100000000001X", "score": "87"}])
        define_dataset(s, actor=Actor.system("test"), product=p, table=table,
                       definition=Definition(key_fields=("uscc",), rules=(FieldRule("score"),)))
        _ent, self.key = grant_access(s, actor=Actor.system("test"), buyer=self.buyer_org, product=p,
                                      use=UseType.INDUSTRY)
        s.commit()
        update_product(s, actor=actor(w.broker_user), product_id=p.id, data=product_data(openness="conditional"),
                       plans=[PER_CALL, ONE_OFF])
        self.revision = submit_revision(s, actor=actor(w.broker_user), product_id=p.id)

    def ask(self, path: str):
        """None when the path accepts, else its reason (an OffSale, or "hidden" for the catalog)."""
        try:
            return getattr(self, f"_{path}")()
        except (NotOnSale, ProductGone) as e:
            self.s.rollback()
            return e.reason
        except ListingRefused as e:
            self.s.rollback()
            return failed_reasons(e.checks)[0]

    def _catalog(self):
        ids = [p.id for p in search_catalog(self.s, CatalogQuery(per_page=100)).items]
        return None if self.product.id in ids else "hidden"

    def _product_page(self):
        load_product_page(self.s, self.product.slug)

    def _checkout(self):
        self.w.order(self.product, plan=self.w.plan(self.product, "per_call_flat"))

    def _quote_offer(self):
        quotes.make_offer(self.s, actor=actor(self.w.op_user), quote_id=self.open_quote.id, price_fen=90000,
                          terms=OFFER, valid_until=TODAY + timedelta(days=10))

    def _offer_accept(self):
        org = self.buyer_org
        accept_offer(self.s, actor=actor(self.w.buyer), offer_id=self.offer.id,
                            invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc))

    def _application(self):
        apps.apply_for_access(self.s, actor=actor(self.w.buyer_b), slug=self.product.slug, use_type="industry",
                              purpose="用于信贷审批风控", scenario="银行信贷")

    def _gateway(self):
        info = load_key_info(self.s.connection(), digest_key(self.key))
        reason = deny_reason(info, self.product.slug, utcnow())
        return None if reason is None else OffSale(reason)

    def _review(self):
        approve_revision(self.s, actor=actor(self.w.reviewer), revision_id=self.revision.id)


def _delist(scene):
    scene.product.status = ProductStatus.DELISTED


def _expire(scene):
    scene.w.agreement.end_date = TODAY - timedelta(days=1)  # expired; enforce-terms has not run


def _terminate(scene):
    scene.w.agreement.status = AgreementStatus.TERMINATED  # the rule itself, before any consequence ran


def _out_of_scope(scene):
    scene.w.agreement.domains = '["finance"]'
    refresh_listed(scene.s, on=TODAY)  # the daily run stores what the catalog reads


def _end_mandate(scene):
    revoke_mandate(scene.s, actor=actor(scene.w.op_user), mandate_id=scene.w.mandate.id,
                   operator_id=scene.w.operator.id)


def _drop_caps(scene):
    scene.s.execute(delete(CapPrice).where(CapPrice.product_id == scene.product.id))
    refresh_listed(scene.s, on=TODAY)


def _lower_caps(scene):
    scene.w.cap(scene.product, "per_call_flat", 40)
    scene.w.cap(scene.product, "one_off", 80000)


ROWS = [
    ("delisted", _delist, OffSale.NOT_LISTED),
    ("agreement_expired_not_enforced", _expire, OffSale.AGREEMENT),
    ("agreement_terminated", _terminate, OffSale.AGREEMENT),
    ("domain_out_of_scope", _out_of_scope, OffSale.SCOPE),
    ("broker_mandate_ended", _end_mandate, OffSale.MANDATE),
    ("no_cap_for_charged_plan", _drop_caps, OffSale.NO_CAP),
    ("price_above_cap", _lower_caps, OffSale.ABOVE_CAP),
]
# Approving a new revision is how a delisted product is listed again: review is not a refusal there.
NOT_A_REFUSAL = {("delisted", "review")}


def test_every_path_accepts_a_product_on_sale(world):
    scene = Scene(world)
    assert {path: scene.ask(path) for path in PATHS} == dict.fromkeys(PATHS)


@pytest.mark.parametrize("name, breaks, reason", ROWS, ids=[r[0] for r in ROWS])
def test_every_path_refuses_with_the_same_reason(world, name, breaks, reason):
    scene = Scene(world)
    breaks(scene)
    scene.s.commit()
    assert off_sale_reason(scene.s, scene.product) == reason
    expected = {path: "hidden" if path == "catalog" else reason for path in PATHS
                if (name, path) not in NOT_A_REFUSAL}
    assert {path: scene.ask(path) for path in expected} == expected
