"""Two bill-usage runs of one month at the same time give one set of bills."""

from __future__ import annotations

import threading

from sqlmodel import Session

from marketplace.billing.run import bill_usage
from marketplace.models.billing import UsageBill
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events, count

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}


def test_two_runs_at_once_bill_each_entitlement_once(app, session, api):
    for _ in range(3):
        a = api(FLAT)
        add_events(session, a.ent, ["2026-10-05"] * 2)
    engine, barrier, made, errors = app.extensions["engine"], threading.Barrier(2), [], []

    def run():
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait()
                made.append(len(bill_usage(s, period=PERIOD, actor=ACTOR, today=TODAY)))
                s.commit()
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and sorted(made) == [0, 3]
    assert count(session, UsageBill) == 3
