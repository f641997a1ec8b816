"""Every answer of GET /api/v1/data/<slug>: status, JSON error code, billing and the usage store."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.entitlements import end_entitlement
from marketplace.keys import find_key, revoke_api_key
from marketplace.models import Agreement, Entitlement, Product
from marketplace.models.base import utcnow
from marketplace.models.metering import QuotaCounter, UsageEvent
from tests.gateway.conftest import ACTOR, USCC_A, USCC_B, USCC_NONE, VERIFY, auth


def call(web, api, query=None, key=None, headers=None, slug=None):
    query = f"uscc={USCC_A}" if query is None else query
    h = {**auth(key if key is not None else api.key), **(headers or {})}
    return web.get(f"/api/v1/data/{slug or api.slug}?{query}", headers=h)


def events(session, **where):
    session.expire_all()
    return session.execute(select(UsageEvent).filter_by(**where).order_by(UsageEvent.id)).scalars().all()


def error_code(resp):
    body = resp.get_json()
    assert set(body["error"]) >= {"code", "message"}
    return body["error"]["code"]


def test_success_is_masked_billed_and_counted(web, session, make_api):
    api = make_api()
    resp = call(web, api)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["data"] == {"name": "示例甲科技有限公司", "phone": "138****5678", "founded": "2015",
                            "capital": "1000000-2000000"}
    assert "legal_rep" not in body["data"] and body["records"] == 1
    assert resp.headers["X-Request-Id"] == body["request_id"]
    assert resp.headers["X-Quota-Remaining"] == "unlimited"
    [event] = events(session)
    assert (event.request_id, event.status, event.billable, event.records) == (body["request_id"], 200, True, 1)
    assert event.plan_id == api.ent.plan_id and event.buyer_org_id == api.buyer.id


def test_not_found_is_404_json_and_not_billed(web, session, make_api):
    api = make_api(calls=5)
    resp = call(web, api, f"uscc={USCC_NONE}")
    assert resp.status_code == 404 and error_code(resp) == "not_found"
    assert resp.headers["X-Quota-Remaining"] == "5"
    [event] = events(session)
    assert event.status == 404 and not event.billable
    assert session.get(QuotaCounter, api.ent.id).used == 0


@pytest.mark.parametrize(("query", "needle"), [
    ("", "uscc"),
    ("uscc=", "uscc"),
    (f"uscc={USCC_A}&foo=1", "foo"),
    ("uscc=91350100MA0000001X", "uscc"),  # wrong check character
    (f"uscc={USCC_A}&uscc={USCC_B}", "uscc"),
    ("uscc=" + "9" * 300, "uscc"),
])
def test_bad_parameters_are_400_naming_the_parameter(web, session, make_api, query, needle):
    api = make_api()
    resp = call(web, api, query)
    assert resp.status_code == 400 and error_code(resp) == "invalid_parameter"
    assert needle in resp.get_json()["error"]["message"]
    assert [e.billable for e in events(session)] == [False]


def test_missing_unknown_and_revoked_keys_are_401(web, session, make_api):
    api = make_api()
    assert web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}").status_code == 401
    resp = web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers={"Authorization": "Basic abc"})
    assert resp.status_code == 401 and error_code(resp) == "missing_key"
    resp = call(web, api, key="pdx_nope_nope")
    assert resp.status_code == 401 and error_code(resp) == "invalid_key"
    revoke_api_key(session, actor=ACTOR, key=find_key(session, api.key))
    session.commit()
    assert error_code(call(web, api)) == "invalid_key"
    assert events(session) == []


def test_revocation_holds_with_a_warm_cache(gw_app, web, session, make_api):
    gw_app.config["GATEWAY_CACHE_TTL"] = 60
    gw_app.extensions.pop("gateway", None)
    api = make_api()
    assert call(web, api).status_code == 200  # the key is now cached in this process
    revoke_api_key(session, actor=ACTOR, key=find_key(session, api.key))
    session.commit()
    resp = call(web, api)
    assert resp.status_code == 401 and error_code(resp) == "invalid_key"
    assert [e.billable for e in events(session)] == [True]


def test_key_of_another_product_is_403(web, session, make_api):
    api, other = make_api(), make_api()
    resp = call(web, api, slug=other.slug)
    assert resp.status_code == 403 and error_code(resp) == "not_entitled"


def _end_entitlement(session, api):
    end_entitlement(session, actor=ACTOR, entitlement=session.get(Entitlement, api.ent.id), reason="test")
    session.commit()


def _expire(session, api):
    ent = session.get(Entitlement, api.ent.id)
    ent.ends_at = utcnow() - timedelta(seconds=1)
    session.commit()


def _terminate_agreement(session, api):
    agreement = session.get(Agreement, api.product.agreement_id)
    agreement.status = "terminated"
    session.commit()


def _agreement_out_of_term(session, api):
    agreement = session.get(Agreement, api.product.agreement_id)
    agreement.start_date, agreement.end_date = date(2020, 1, 1), date(2021, 1, 1)
    session.commit()


def _delist(session, api):
    session.get(Product, api.product.id).status = "delisted"
    session.commit()


@pytest.mark.parametrize(("breaker", "code"), [
    (_end_entitlement, "entitlement_inactive"),
    (_expire, "subscription_expired"),
    (_terminate_agreement, "agreement_inactive"),
    (_agreement_out_of_term, "agreement_inactive"),
    (_delist, "product_unavailable"),
])
def test_no_usable_right_is_403_with_a_reason(web, session, make_api, breaker, code):
    api = make_api()
    breaker(session, api)
    resp = call(web, api)
    assert resp.status_code == 403 and error_code(resp) == code
    assert "（" in resp.get_json()["error"]["message"]  # Chinese with the English in brackets
    assert [(e.status, e.billable) for e in events(session)] == [(403, False)]


def test_quota_exhausted_is_429_and_never_exceeded(web, session, make_api):
    api = make_api(calls=2)
    assert [call(web, api).status_code for _ in range(4)] == [200, 200, 429, 429]
    resp = call(web, api)
    assert error_code(resp) == "quota_exceeded" and resp.headers["X-Quota-Remaining"] == "0"
    assert session.get(QuotaCounter, api.ent.id).used == 2
    assert sum(e.billable for e in events(session)) == 2


def test_prepaid_package_used_up_is_402(web, session, make_api):
    api = make_api(plans=({"form": "prepaid_calls", "price_fen": 1000, "package_calls": 2},))
    statuses = [call(web, api).status_code for _ in range(3)]
    assert statuses == [200, 200, 402]
    assert error_code(call(web, api)) == "payment_required"


def test_rate_limit_is_429_with_retry_after(gw_app, web, session, make_api):
    gw_app.config.update(GATEWAY_RATE_PER_SECOND=0.5, GATEWAY_BURST=2)
    gw_app.extensions.pop("gateway", None)
    api = make_api()
    assert [call(web, api).status_code for _ in range(2)] == [200, 200]
    resp = call(web, api)
    assert resp.status_code == 429 and error_code(resp) == "rate_limited"
    assert int(resp.headers["Retry-After"]) >= 1
    assert sum(e.billable for e in events(session)) == 2


def test_verification_returns_only_match_or_not(web, session, make_api):
    api = make_api(definition=VERIFY)
    ok = call(web, api, f"uscc={USCC_A}&name=示例甲科技有限公司&legal_rep=张三")
    assert ok.status_code == 200 and ok.get_json()["result"] == "match" and ok.get_json()["match"] is True
    wrong = call(web, api, f"uscc={USCC_A}&name=示例甲科技有限公司&legal_rep=李四").get_json()
    unknown = call(web, api, f"uscc={USCC_NONE}&name=x&legal_rep=y").get_json()
    assert wrong["result"] == unknown["result"] == "no_match"
    for body in (ok.get_json(), wrong, unknown):
        assert "data" not in body and "张三" not in str(body)
    assert call(web, api, f"uscc={USCC_A}&name=x").status_code == 400  # legal_rep missing
    assert sum(e.billable for e in events(session)) == 3


def test_idempotent_retry_replays_and_is_not_counted(web, session, make_api):
    api = make_api(calls=10)
    first = call(web, api, headers={"Idempotency-Key": "abc-1"})
    again = call(web, api, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    assert again.headers["X-Request-Id"] == first.headers["X-Request-Id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(events(session)) == 1 and session.get(QuotaCounter, api.ent.id).used == 1
    conflict = call(web, api, f"uscc={USCC_B}", headers={"Idempotency-Key": "abc-1"})
    assert conflict.status_code == 409 and error_code(conflict) == "idempotency_conflict"
    missing = [call(web, api, f"uscc={USCC_NONE}", headers={"Idempotency-Key": "abc-2"}) for _ in range(2)]
    assert [m.status_code for m in missing] == [404, 404] and missing[0].get_data() == missing[1].get_data()
    assert len(events(session)) == 2


def test_usage_api_counts_per_product_and_day(web, session, make_api):
    api = make_api()
    call(web, api)
    call(web, api)
    call(web, api, f"uscc={USCC_NONE}")
    resp = web.get("/api/v1/usage", headers=auth(api.key))
    assert resp.status_code == 200
    body = resp.get_json()
    [row] = body["usage"]
    assert (row["product"], row["billable"], row["non_billable"]) == (api.slug, 2, 1)
    assert body["totals"]["billable"] == 2
    assert web.get("/api/v1/usage").status_code == 401
    assert web.get("/api/v1/usage", headers=auth("pdx_x_y")).get_json()["error"]["code"] == "invalid_key"


def test_data_endpoints_are_in_the_openapi_spec(web, make_api):
    api = make_api()
    verify = make_api(definition=VERIFY)
    spec = web.get("/api/v1/openapi.json").get_json()
    op = spec["paths"][f"/api/v1/data/{api.slug}"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["uscc", "Idempotency-Key"]
    assert set(op["responses"]) >= {"200", "400", "401", "402", "403", "404", "409", "429"}
    assert "phone" in op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"][
        "properties"]
    vop = spec["paths"][f"/api/v1/data/{verify.slug}"]["get"]
    assert [p["name"] for p in vop["parameters"]][:3] == ["uscc", "name", "legal_rep"]
    assert "/api/v1/usage" in spec["paths"]


def test_quota_counter_is_started_for_entitlements_made_elsewhere(web, session, make_api):
    api = make_api(calls=2)
    session.delete(session.get(QuotaCounter, api.ent.id))  # e.g. an entitlement granted on payment by orders
    session.commit()
    assert [call(web, api).status_code for _ in range(3)] == [200, 200, 429]
    session.expire_all()
    assert session.get(QuotaCounter, api.ent.id).used == 2
