"""16 concurrent requests with one Idempotency-Key: counted once, every caller gets the same status and body."""

import threading

from sqlalchemy import select

from marketplace.models.metering import QuotaCounter, UsageEvent
from tests.gateway.conftest import USCC_A, auth


def test_sixteen_threads_same_idempotency_key_counted_once(gw_app, session, make_api):
    api = make_api(calls=100)
    barrier, results, lock = threading.Barrier(16), [], threading.Lock()

    def worker():
        client = gw_app.test_client()
        barrier.wait()
        resp = client.get(f"/api/v1/data/{api.slug}?uscc={USCC_A}",
                          headers={**auth(api.key), "Idempotency-Key": "same-key-16"})
        with lock:
            results.append((resp.status_code, resp.get_data(), resp.headers["X-Request-Id"]))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 16
    assert {r[0] for r in results} == {200}
    assert len({r[1] for r in results}) == 1, "every caller gets the first body"
    assert len({r[2] for r in results}) == 1, "every caller gets the first request id"
    session.expire_all()
    rows = session.execute(select(UsageEvent)).scalars().all()
    assert len(rows) == 1 and rows[0].billable
    assert session.get(QuotaCounter, api.ent.id).used == 1
