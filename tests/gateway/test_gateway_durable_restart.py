"""PostgreSQL as deployed (fsync, synchronous_commit on), stopped like a crash under load: no answered call is lost.

With group commit a call is answered only after the transaction holding its usage event committed; an
immediate stop (no checkpoint, WAL replay on start) must therefore keep every 2xx the clients received.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.db import make_engine
from marketplace.gateway.datasets import Table, define_dataset
from marketplace.gateway.provision import grant_access
from marketplace.models.metering import QuotaCounter, UsageEvent
from marketplace.schema import create_schema
from tests.factories import make_org, make_product
from tests.gateway.conftest import ACTOR, FLAT, LOOKUP, ROWS
from tests.gateway.durable_pg import DurablePostgres
from tests.gateway.gunicorn_server import Gunicorn
from tests.gateway.test_gateway_workers import _client
from tests.pg import PostgresUnavailable

pytestmark = pytest.mark.slow


@pytest.fixture
def durable():
    server = DurablePostgres()
    try:
        url = server.start()
    except PostgresUnavailable as e:
        server.stop()
        pytest.skip(f"PostgreSQL unavailable: {e}")
    yield server, url
    server.stop()


def _api(url: str, calls: int | None):
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        product = make_product(session, type="api", plans=(FLAT,))
        define_dataset(session, actor=ACTOR, product=product, table=Table(tuple(ROWS[0]), ROWS), definition=LOOKUP)
        ent, key = grant_access(session, actor=ACTOR, buyer=make_org(session), product=product, calls=calls)
        session.commit()
    engine.dispose()
    return type("Api", (), {"slug": product.slug, "key": key, "ent_id": ent.id})


@pytest.mark.parametrize("group_commit", ["0", "1"], ids=["own-commits", "group-commit"])
@pytest.mark.parametrize("calls", [None, 1_000_000], ids=["flat", "quota"])
def test_postgres_stopped_under_load_loses_no_answered_call(durable, calls, group_commit):
    server, url = durable
    assert server.show(url, "fsync", "synchronous_commit") == {"fsync": "on", "synchronous_commit": "on"}
    api = _api(url, calls)
    stop, got, lock = threading.Event(), [], threading.Lock()
    with Gunicorn(url, workers=2, threads=8, env={"GATEWAY_GROUP_COMMIT": group_commit}) as gunicorn:
        threads = [threading.Thread(target=_client, args=(gunicorn, api, stop, got, lock)) for _ in range(12)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        before = len(got)
        server.restart()  # immediate stop: what a crash leaves, recovered from the WAL
        time.sleep(2.0)
        stop.set()
        for t in threads:
            t.join(60)
    assert before > 10 and len(got) > before, "calls answered before and after the restart"
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            stored = dict(session.execute(select(UsageEvent.request_id, UsageEvent.idempotency_key)
                                          .where(UsageEvent.billable.is_(True))).all())
            billable = session.execute(select(func.count()).where(UsageEvent.billable.is_(True))).scalar_one()
            counter = session.get(QuotaCounter, api.ent_id)
    finally:
        engine.dispose()
    received = {rid for _idem, rid in got}
    assert received <= set(stored), f"{len(received - set(stored))} answered calls lost"
    assert len(set(stored.values())) == len(stored) == billable, "no call counted twice"
    if calls is not None:
        assert counter.used == billable, "quota counted in the same transaction"
