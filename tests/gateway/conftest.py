"""Gateway fixtures: an API product with a small dataset, a buyer entitlement and its key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from marketplace.audit import Actor
from marketplace.gateway.datasets import Definition, Table, define_dataset
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import grant_access
from marketplace.models import UseType
from marketplace.uscc import make_uscc
from tests.factories import make_org, make_product

ACTOR = Actor.system("test")
USCC_A = make_uscc("91350100MA0000001")
USCC_B = make_uscc("91350100MA0000002")
USCC_NONE = make_uscc("91350100MA0000009")
ROWS = [
    {"uscc": USCC_A, "name": "示例甲科技有限公司", "legal_rep": "张三", "phone": "13812345678", "founded": "2015-03-02",
     "capital": "1500000"},
    {"uscc": USCC_B, "name": "示例乙物流有限公司", "legal_rep": "李四", "phone": "13987654321", "founded": "2019-11-30",
     "capital": "800000"},
]
LOOKUP = Definition(key_fields=("uscc",), rules=(
    FieldRule("name"), FieldRule("phone", "keep", first=3, last=4), FieldRule("founded", "year"),
    FieldRule("capital", "range", step=1_000_000)))
VERIFY = Definition(key_fields=("uscc",), match_fields=("name", "legal_rep"), verification=True)
FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


def auth(key: str) -> dict:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def gw_app(app):
    """The app with the per-key rate limit and the key cache off unless a test sets them."""
    app.config["GATEWAY_RATE_PER_SECOND"] = 0
    app.config["GATEWAY_CACHE_TTL"] = 0
    app.extensions.pop("gateway", None)
    return app


@pytest.fixture
def make_api(gw_app, session):
    """make_api(plans=..., definition=..., calls=..., use=...) → namespace(product, ent, key, buyer, slug)."""

    def _make(*, plans=(FLAT,), definition=LOOKUP, rows=ROWS, calls=None, use=UseType.INDUSTRY, buyer=None,
              product=None, **kw):
        if product is None:
            product = make_product(session, type="api", plans=plans, **kw)
            define_dataset(session, actor=ACTOR, product=product, table=Table(tuple(rows[0]), rows),
                           definition=definition)
        buyer = buyer or make_org(session)
        ent, key = grant_access(session, actor=ACTOR, buyer=buyer, product=product, calls=calls, use=use)
        session.commit()
        return SimpleNamespace(product=product, ent=ent, key=key, buyer=buyer, slug=product.slug)

    return _make
