"""PostgreSQL stopped like a crash under metered load, down a while, then started again.

While it is down every call is answered 503 with the clear message and Retry-After, never 2xx; nothing is half
written (the quota counter equals the billable events, no Idempotency-Key stored twice, every 2xx stored); and the
app recovers by itself: every call sent once the server is back is answered 200 at its first attempt, the first
one of every worker thread included. Then it is restarted again while no call comes (every connection the
workers hold is stale then: each thread's own and the group committer's) and the calls sent next all get 200.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.db import make_engine
from marketplace.models.metering import QuotaCounter, UsageEvent
from marketplace.web import create_app
from tests.faults.books import assert_books_verify, checkpoint
from tests.gateway.conftest import USCC_A, auth
from tests.gateway.durable_pg import DurablePostgres
from tests.gateway.gunicorn_server import TEST_AUDIT_KEY, Gunicorn
from tests.gateway.test_gateway_durable_restart import _api
from tests.pg import PostgresUnavailable

pytestmark = pytest.mark.slow


@pytest.fixture
def restartable():
    server = DurablePostgres()
    try:
        url = server.start()
    except PostgresUnavailable as e:
        server.stop()
        pytest.skip(f"PostgreSQL unavailable: {e}")
    yield server, url
    server.stop()


@dataclass
class Attempt:
    api: str
    idem: str
    started: float
    status: int  # 0: no HTTP answer (connection error)
    code: str = ""
    message: str = ""
    retry_after: str = ""
    request_id: str = ""


def _client(server, api, name, stop, attempts, lock):
    """Calls with fresh Idempotency-Keys; a 503 or a broken connection is retried with the same key."""
    path = f"/api/v1/data/{api.slug}?uscc={USCC_A}"
    while not stop.is_set():
        idem = uuid.uuid4().hex
        while True:
            started = time.monotonic()
            try:
                status, headers, body = server.get(path, {**auth(api.key), "Idempotency-Key": idem}, timeout=20)
            except (OSError, http.client.HTTPException):
                attempt = Attempt(name, idem, started, 0)
            else:
                error = json.loads(body).get("error", {}) if status != 200 else {}
                attempt = Attempt(name, idem, started, status, error.get("code", ""), error.get("message", ""),
                                  headers.get("Retry-After", ""), headers.get("X-Request-Id", ""))
            with lock:
                attempts.append(attempt)
            if attempt.status == 200 or (stop.is_set() and attempt.status == 0):
                break
            time.sleep(0.05)


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _one(server, api) -> tuple[int, str]:
    """One call: (status, its request id when 200, else the body)."""
    status, headers, body = server.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}",
                                       {**auth(api.key), "Idempotency-Key": uuid.uuid4().hex})
    return status, headers["X-Request-Id"] if status == 200 else body.decode()


def _stored(url, ents):
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(UsageEvent.request_id, UsageEvent.idempotency_key)
                                   .where(UsageEvent.billable.is_(True))).all()
            billable = session.execute(select(func.count()).where(UsageEvent.billable.is_(True))).scalar_one()
            counters = {ent: session.get(QuotaCounter, ent).used for ent in ents}
            quota_events = session.execute(select(func.count()).where(
                UsageEvent.billable.is_(True), UsageEvent.entitlement_id.in_(ents))).scalar_one()
    finally:
        engine.dispose()
    return rows, billable, counters, quota_events


def test_postgres_restart_under_metered_load_503_while_down_recovers_by_itself(restartable, tmp_path):
    server, url = restartable
    app = create_app({"TESTING": True, "DATABASE_URL": url, "AUTO_MIGRATE": False, "DEMO_DATA": False,
                      "SECRET_KEY": "test-secret", "AUDIT_KEY": TEST_AUDIT_KEY})  # keys the audit chain of `url`
    apis = {"flat": _api(url, None), "quota": _api(url, 1_000_000)}
    runner = app.test_cli_runner()
    mark = checkpoint(runner, tmp_path / "before.json")
    stop, attempts, lock = threading.Event(), [], threading.Lock()
    with Gunicorn(url, workers=2, threads=4) as gunicorn:
        threads = [threading.Thread(target=_client, args=(gunicorn, apis[name], name, stop, attempts, lock))
                   for name in ("flat", "quota") * 3]
        for t in threads:
            t.start()
        _wait_for(lambda: sum(a.status == 200 for a in attempts) >= 20, "20 calls answered before the stop")
        server.stop_now()  # immediate: what a crash leaves; recovery replays the WAL
        down = time.monotonic()
        time.sleep(1.0)
        server.start_again()
        up = time.monotonic()
        _wait_for(lambda: sum(a.started > up for a in attempts) >= 30, "30 calls sent after the restart")
        stop.set()
        for t in threads:
            t.join(60)
        server.restart()  # again, while no call comes: every connection the workers hold is stale now
        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(lambda i: _one(gunicorn, apis[("flat", "quota")[i % 2]]), range(24)))
        log = gunicorn.log_text()
    app.extensions["engine"].dispose()

    by_status = {}
    for a in attempts:
        by_status.setdefault(a.status, []).append(a)
    assert set(by_status) <= {200, 503}, {s: len(v) for s, v in by_status.items()}  # 0: no answer at all
    outage = [a for a in attempts if down + 0.2 < a.started < up - 0.2]
    assert outage and all(a.status == 503 for a in outage), [(a.status, a.code) for a in outage]
    for a in by_status.get(503, []):
        assert a.code == "database_unavailable" and a.retry_after == "5", a
        assert "数据库暂时不可用" in a.message and "本次操作没有保存任何内容" in a.message, a
    after = [a for a in attempts if a.started > up]
    failed = [(a.api, a.status, a.code, a.message) for a in after if a.status != 200]
    assert failed == [], f"{len(failed)} of {len(after)} calls sent after the restart failed: {failed[:5]}"

    refused = [said for status, said in first if status != 200]
    assert refused == [], f"{len(refused)} of 24 first calls after an idle restart failed: {log[-3000:]}"

    rows, billable, counters, quota_events = _stored(url, [apis["quota"].ent_id])
    stored = dict(rows)
    answered = {a.request_id for a in by_status.get(200, [])} | {rid for _status, rid in first}
    assert answered <= set(stored), f"{len(answered - set(stored))} answered calls lost"
    assert len(set(stored.values())) == len(stored) == billable, "no Idempotency-Key stored twice"
    assert counters[apis["quota"].ent_id] == quota_events, "the quota counted with its event, never half"
    assert_books_verify(app.test_cli_runner(), mark)
