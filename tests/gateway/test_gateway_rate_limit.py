"""The per-key rate limit lives in the database (shared by worker processes); a plan may set its own (failure 9)."""

from __future__ import annotations

import pytest

from pricing import InvalidPlan, PlanTerms
from tests.gateway.test_gateway_calls import call, error_code, events

FLAT_5 = {"form": "per_call_flat", "unit_price_fen": "50", "rate_per_second": 5}


class Clock:
    """An injected wall clock (Unix seconds)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _gateway(gw_app, clock, **config):
    from marketplace.web.gateway.api import gateway

    gw_app.config.update(**config)
    gw_app.extensions.pop("gateway", None)
    with gw_app.app_context():
        gw = gateway()
    gw.limiter.clock = clock
    return gw


def test_rate_term_is_validated_and_round_trips():
    terms = PlanTerms.from_dict(FLAT_5)
    assert terms.rate_per_second == 5 and PlanTerms.from_dict(terms.to_dict()) == terms
    assert "rate_per_second" not in PlanTerms.from_dict({"form": "per_call_flat", "unit_price_fen": "50"}).to_dict()
    for bad in (-1, 1001, "5", 2.5, True):
        with pytest.raises(InvalidPlan):
            PlanTerms.from_dict({**FLAT_5, "rate_per_second": bad})


def test_burst_then_refill_at_the_rate_with_an_injected_clock(gw_app, web, session, make_api):
    clock = Clock()
    _gateway(gw_app, clock, GATEWAY_RATE_PER_SECOND=2, GATEWAY_BURST=4)
    api = make_api()
    assert [call(web, api).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    limited = call(web, api)
    assert error_code(limited) == "rate_limited" and limited.headers["Retry-After"] == "1"
    clock.now += 0.5  # one token back at 2/s
    assert [call(web, api).status_code for _ in range(2)] == [200, 429]
    clock.now += 60  # refills to the burst, not beyond
    assert [call(web, api).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    clock.now -= 30  # a clock set back refills nothing
    assert call(web, api).status_code == 429
    assert sum(e.billable for e in events(session)) == 9, "refused calls are neither billed nor logged"
    assert len(events(session)) == 9


def test_a_plan_sets_its_own_limit(gw_app, web, make_api):
    clock = Clock()
    _gateway(gw_app, clock, GATEWAY_RATE_PER_SECOND=0, GATEWAY_BURST=40)  # the exchange's limit is off
    own = make_api(plans=(FLAT_5,))
    default = make_api()
    assert [call(web, own).status_code for _ in range(11)] == [200] * 10 + [429]  # burst twice the rate
    assert call(web, own).headers["Retry-After"] == "1"
    assert all(call(web, default).status_code == 200 for _ in range(15))
    clock.now += 1.0
    assert [call(web, own).status_code for _ in range(6)] == [200] * 5 + [429]


def test_keys_have_their_own_buckets(gw_app, web, make_api):
    _gateway(gw_app, Clock(), GATEWAY_RATE_PER_SECOND=1, GATEWAY_BURST=2)
    first, second = make_api(), make_api()
    assert [call(web, first).status_code for _ in range(3)] == [200, 200, 429]
    assert [call(web, second).status_code for _ in range(3)] == [200, 200, 429]


def test_product_page_shows_the_rate_limit(gw_app, web, make_api):
    own = make_api(plans=(FLAT_5,))
    gw_app.config["GATEWAY_RATE_PER_SECOND"] = 20
    html = web.get(f"/products/{own.slug}").get_data(as_text=True)
    assert "调用频率上限：每个密钥每秒 5 次（瞬时最多 10 次）" in html
    default = make_api()
    html = web.get(f"/products/{default.slug}").get_data(as_text=True)
    assert "调用频率上限：每个密钥每秒 20 次（瞬时最多 40 次）" in html


def test_buckets_are_unlogged_on_postgresql(backend, session):
    """Taking a token writes no WAL on PostgreSQL, so its commit never waits for a flush."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's UNLOGGED tables")
    from sqlalchemy import text

    assert session.execute(text("SELECT relpersistence FROM pg_class WHERE relname = 'rate_bucket'")).scalar() == "u"
