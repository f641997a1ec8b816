"""Usage priced by pricing/ under the entitlement's pinned plan, one case per charge form (R2, R7)."""

import json

import pytest
from sqlalchemy import select

from marketplace.gateway import usage
from marketplace.gateway.datasets import Definition
from marketplace.gateway.masking import FieldRule
from marketplace.models import Entitlement, PricePlan
from marketplace.models.metering import UsageEvent
from tests.gateway.conftest import USCC_A, USCC_B, auth

TIERS = [{"up_to": 2, "unit_price_fen": "100"}, {"up_to": None, "unit_price_fen": "50"}]
MULTI_ROWS = [{"uscc": USCC_A, "item": str(i)} for i in range(3)] + [{"uscc": USCC_B, "item": "x"}]


@pytest.mark.parametrize(("plan", "calls", "amount", "remaining"), [
    ({"form": "per_call_flat", "unit_price_fen": "50"}, 3, 150, None),
    ({"form": "per_call_flat", "unit_price_fen": "0.4"}, 3, 1, None),  # ¥0.004 × 3 = 1.2 fen → 1 fen, once
    ({"form": "per_call_flat", "unit_price_fen": "50", "free_quota": 2}, 3, 50, 0),
    ({"form": "per_call_graduated", "tiers": TIERS}, 3, 250, None),
    ({"form": "per_call_volume", "tiers": TIERS}, 3, 150, None),
    ({"form": "prepaid_calls", "price_fen": 1000, "package_calls": 5}, 3, 0, 2),
    ({"form": "free_public"}, 3, 0, None),
])
def test_period_cost_per_charge_form(web, session, make_api, plan, calls, amount, remaining):
    api = make_api(plans=(plan,))
    for _ in range(calls):
        assert web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key)).status_code == 200
    web.get(f"/api/v1/data/{api.slug}?uscc=91350100MA00000090", headers=auth(api.key))  # 400: not billed
    pos = usage.position(session, session.get(Entitlement, api.ent.id))
    assert pos.units == calls and pos.charge.amount_fen == amount and pos.remaining == remaining


def test_per_record_plan_charges_records_returned(web, session, make_api):
    definition = Definition(key_fields=("uscc",), rules=(FieldRule("item"),))
    api = make_api(plans=({"form": "per_record", "unit_price_fen": "10"},), rows=MULTI_ROWS, definition=definition)
    body = web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key)).get_json()
    assert body["records"] == 3 and [d["item"] for d in body["data"]] == ["0", "1", "2"]
    web.get(f"/api/v1/data/{api.slug}?uscc={USCC_B}", headers=auth(api.key))
    pos = usage.position(session, session.get(Entitlement, api.ent.id))
    assert pos.units == 4 and pos.charge.amount_fen == 40


def test_calls_stay_on_the_pinned_plan_version(web, session, make_api):
    api = make_api(plans=({"form": "per_call_flat", "unit_price_fen": "50"},))
    old = session.get(PricePlan, api.ent.plan_id)
    old.active = False
    newer = PricePlan(product_id=api.product.id, name="新价", charge_form="per_call_flat", version=2,
                      terms=json.dumps({"form": "per_call_flat", "unit_price_fen": "90", "price_fen": 0, "tiers": [],
                                        "free_quota": 0, "package_calls": 0, "period_months": 0}))
    session.add(newer)
    session.commit()
    web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key))
    [event] = session.execute(select(UsageEvent)).scalars().all()
    assert event.plan_id == old.id
    assert usage.position(session, session.get(Entitlement, api.ent.id)).charge.amount_fen == 50
