"""Billing fixtures: an API entitlement under a chosen plan and usage events placed on chosen days."""

from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models.metering import UsageEvent
from tests.gateway.conftest import gw_app, make_api  # noqa: F401  (fixtures used by the billing tests)

ACTOR = Actor.system("test")
PERIOD = "2026-10"
TODAY = date(2026, 11, 1)  # the day bill-usage runs: October has ended
_req = itertools.count(1)


def add_events(session, ent, days: list[str], *, records: int = 1, billable: bool = True) -> None:
    """One usage event per entry of `days` (a day may repeat), committed."""
    for day in days:
        session.add(UsageEvent(request_id=f"req_t{next(_req):012d}", api_key_id=_key_id(session, ent),
                               entitlement_id=ent.id, product_id=ent.product_id, buyer_org_id=ent.buyer_org_id,
                               plan_id=ent.plan_id, day=day, status=200 if billable else 404, billable=billable,
                               records=records if billable else 0))
    session.commit()


def _key_id(session, ent) -> int:
    from marketplace.models import ApiKey

    return session.execute(select(ApiKey.id).where(ApiKey.entitlement_id == ent.id)).scalars().first()


def count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def api(make_api):  # noqa: F811
    """api(plan) → namespace(product, ent, key, buyer, slug) for an API product with that one plan."""

    def _make(plan: dict, **kw) -> SimpleNamespace:
        return make_api(plans=(plan,), **kw)

    return _make
