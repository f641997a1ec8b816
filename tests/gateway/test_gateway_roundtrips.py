"""The hot path's writes: PostgreSQL answers a call in autocommit statements (lookup and usage event joined),
and every rule of the call holds on that path as on SQLite."""

import psycopg
import pytest
from sqlalchemy import select

from marketplace.entitlements import end_entitlement
from marketplace.gateway import calls
from marketplace.models.metering import QuotaCounter, UsageEvent
from tests.gateway.conftest import ACTOR, USCC_A, USCC_NONE, auth


def call(web, api, query=None, headers=None):
    return web.get(f"/api/v1/data/{api.slug}?{query or f'uscc={USCC_A}'}", headers={**auth(api.key), **(headers or {})})


def events(session):
    session.expire_all()
    return session.execute(select(UsageEvent).order_by(UsageEvent.id)).scalars().all()


class CountingCursor(psycopg.Cursor):
    """Counts the statements sent through cursors (BEGIN/COMMIT/ROLLBACK are not cursor statements)."""

    sent: list[str] = []

    def execute(self, query, params=None, **kw):
        CountingCursor.sent.append(str(query).split()[0])
        return super().execute(query, params, **kw)


def test_not_found_without_quota_is_logged_and_not_billed(web, session, make_api):
    api = make_api()
    resp = call(web, api, f"uscc={USCC_NONE}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert resp.headers["X-Quota-Remaining"] == "unlimited"
    [event] = events(session)
    assert (event.request_id, event.status, event.billable, event.records) == (
        resp.headers["X-Request-Id"], 404, False, 0)


def test_ended_entitlement_stops_billable_writes_with_a_warm_cache(gw_app, web, session, make_api):
    gw_app.config["GATEWAY_CACHE_TTL"] = 60
    gw_app.extensions.pop("gateway", None)
    api = make_api()
    assert call(web, api).status_code == 200  # cached as active in this process
    end_entitlement(session, actor=ACTOR, entitlement=api.ent, reason="test")
    session.commit()
    resp = call(web, api)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "entitlement_inactive"
    assert [(e.status, e.billable) for e in events(session)] == [(200, True), (403, False)]


def test_an_answer_that_cannot_be_built_is_not_billed(web, session, make_api, monkeypatch):
    api = make_api()

    def broken(*_a, **_k):
        raise RuntimeError("masking failed")

    monkeypatch.setattr(calls, "build_answer", broken)
    assert call(web, api).status_code == 500
    assert [e for e in events(session) if e.billable] == []


@pytest.mark.parametrize("group_commit", [False, True], ids=["own-commits", "group-commit"])
def test_postgres_answers_in_autocommit_statements(gw_app, web, session, make_api, backend, group_commit):
    if backend != "postgresql":
        pytest.skip("PostgreSQL round trips")
    gw_app.config["GATEWAY_GROUP_COMMIT"] = group_commit
    gw_app.extensions.pop("gateway", None)
    flat, quota = make_api(), make_api(calls=5)
    assert call(web, flat).status_code == call(web, quota).status_code == 200  # hot connection open
    gateway = gw_app.extensions["gateway"]
    dbc = gateway._local.conn.connection.dbapi_connection
    # group commit: the usage writes go on the writer's own connection; else on the thread's, in autocommit
    writer = gateway._writer_conn.connection.dbapi_connection if group_commit else dbc
    dbc.cursor_factory = writer.cursor_factory = CountingCursor
    CountingCursor.sent = []
    assert call(web, flat).status_code == 200
    assert CountingCursor.sent == ["WITH"]  # lookup + usage event: one statement
    CountingCursor.sent = []
    assert call(web, quota).status_code == 200
    assert CountingCursor.sent == ["SELECT", "SELECT", "WITH"]  # quota read, lookup, quota + event
    assert dbc.autocommit and dbc.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert writer.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # committed before the answer
    assert [(e.status, e.billable) for e in events(session)].count((200, True)) == 4
    assert session.get(QuotaCounter, quota.ent.id).used == 2
