"""A busy or unreachable database never gives a 500 (issue 10, failure 3).

Under `python app.py` every request runs in a new thread. The gateway's per-thread connection (busy_timeout 0,
it polls for the write lock itself) used to go back to the shared pool when its thread ended, and the next
login or receipt that drew it failed at once with `database is locked [BEGIN IMMEDIATE]`.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from marketplace.db import SQLITE_BUSY_TIMEOUT_MS
from marketplace.models.metering import UsageEvent
from marketplace.web import create_app
from tests.factories import PASSWORD, make_user
from tests.gateway.conftest import USCC_A, auth
from tests.pg import free_port

CSRF = r'<meta name="csrf-token" content="([^"]+)"'


def _in_new_threads(fn, n: int) -> None:
    """Run fn in n short-lived threads, one after another, as the development server does per request."""
    for _ in range(n):
        t = threading.Thread(target=fn)
        t.start()
        t.join()
    gc.collect()  # the ended threads' thread-locals (and whatever they held) are gone


def test_pool_keeps_its_busy_timeout_after_data_calls_in_ended_threads(backend, gw_app, make_api):
    if backend != "sqlite":
        pytest.skip("busy_timeout is SQLite's")
    api = make_api()
    client = gw_app.test_client()

    def call():
        assert client.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key)).status_code == 200

    _in_new_threads(call, 6)
    engine = gw_app.extensions["engine"]
    conns = [engine.connect().execution_options(sqlite_begin="NONE") for _ in range(8)]
    try:
        timeouts = [c.exec_driver_sql("PRAGMA busy_timeout").scalar() for c in conns]
    finally:
        for c in conns:
            c.close()
    assert timeouts == [SQLITE_BUSY_TIMEOUT_MS] * 8


class DevServer:
    """The app under werkzeug's threaded development server (what `python app.py` runs)."""

    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)


def _login(server: DevServer, email: str, password: str) -> int:
    import re

    with requests.Session() as s:
        token = re.search(CSRF, s.get(server.url("/login"), timeout=30).text).group(1)
        resp = s.post(
            server.url("/login"),
            data={"email": email, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        return resp.status_code


def test_bursts_of_posts_and_usage_after_data_calls_give_no_500(backend, gw_app, make_api, session):
    """The probe of the issue: data calls, then concurrent logins and GET /api/v1/usage on the dev server."""
    api = make_api()
    users = [make_user(session, "buyer") for _ in range(4)]
    session.commit()
    statuses: list[int] = []
    with DevServer(gw_app) as server:
        data = server.url(f"/api/v1/data/{api.slug}?uscc={USCC_A}")
        for _ in range(20):
            assert requests.get(data, headers=auth(api.key), timeout=30).status_code == 200

        def one(i: int) -> int:
            kind = i % 4
            if kind == 0:
                return requests.get(server.url("/api/v1/usage"), headers=auth(api.key), timeout=60).status_code
            if kind == 1:
                return requests.get(data, headers=auth(api.key), timeout=60).status_code
            user = users[i % len(users)]
            return _login(server, user.email, PASSWORD if kind == 2 else "wrong-password")

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(one, range(120)))
    assert 500 not in statuses, statuses
    assert set(statuses) <= {200, 302, 400, 429}, statuses


def _locked_app(db_url: str):
    """The app with a 200 ms busy timeout on a database whose write lock another process holds."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "AUTO_MIGRATE": False,
            "DEMO_DATA": False,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "SQLITE_BUSY_TIMEOUT_MS": 200,
            "GATEWAY_RATE_PER_SECOND": 0,
            "GATEWAY_CACHE_TTL": 0,
        }
    )
    return app


def test_busy_database_answers_503_with_retry_after_and_writes_nothing(backend, db_url, gw_app, make_api, session):
    if backend != "sqlite":
        pytest.skip("a held SQLite write lock; PostgreSQL rows lock per row")
    api = make_api()
    user = make_user(session, "buyer")
    session.commit()
    app = _locked_app(db_url)
    web = app.test_client()
    token = __import__("re").search(CSRF, web.get("/login").get_data(as_text=True)).group(1)
    signed_in = app.test_client()
    token_2 = __import__("re").search(CSRF, signed_in.get("/login").get_data(as_text=True)).group(1)
    assert (
        signed_in.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_2}).status_code
        == 302
    )
    holder = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        account = signed_in.get("/account")  # loading the signed-in user itself waits for the lock
        page = web.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        data = web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key))
        usage = web.get("/api/v1/usage", headers=auth(api.key))
    finally:
        holder.rollback()
        holder.close()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "数据库繁忙" in page.get_data(as_text=True) and page.mimetype == "text/html"
    assert account.status_code == 503 and "数据库繁忙" in account.get_data(as_text=True)
    assert data.status_code == 503 and data.headers["Retry-After"] == "5", data.get_data(as_text=True)
    assert data.json["error"]["code"] == "database_busy"
    assert usage.status_code == 200, "a read (GET /api/v1/usage) never waits for the write lock"
    assert session.execute(select(func.count()).select_from(UsageEvent)).scalar_one() == 0, "nothing half-written"
    app.extensions["engine"].dispose()
    # once the lock is gone the same calls go through
    assert web.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}", headers=auth(api.key)).status_code == 200


def test_unreachable_postgresql_answers_503():
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/exchange"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "AUTO_MIGRATE": False,
            "DEMO_DATA": False,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
        }
    )
    client = app.test_client()
    page = client.get("/")
    api = client.get("/api/v1/usage", headers=auth("pdx_nothing"))
    app.extensions["engine"].dispose()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "数据库暂时不可用" in page.get_data(as_text=True)
    assert api.status_code == 503 and api.json["error"]["code"] == "database_unavailable"
