"""A billing run inserts its bills at once: same bills, receipts and audit chain as bill by bill."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.audit import verify_chain
from marketplace.billing.run import bill_usage
from marketplace.gateway.usage import receipt_digest
from marketplace.models import AuditRecord
from marketplace.models.billing import BillStatus
from marketplace.models.metering import UsageEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}
FREE = {"form": "per_call_flat", "unit_price_fen": "50", "free_quota": 10}


def test_a_run_of_many_bills_audits_each_bill_in_one_unbroken_chain(session, api):
    ents = [api(FLAT).ent for _ in range(3)] + [api(FREE).ent]
    for n, ent in enumerate(ents):
        add_events(session, ent, ["2026-10-02"] * (n + 1))
    bills = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    assert [b.number for b in bills] == [f"ZD202610-{n:06d}" for n in range(1, 5)]
    assert [(b.calls, b.amount_fen, b.status) for b in bills] == [
        (1, 50, BillStatus.ISSUED),
        (2, 100, BillStatus.ISSUED),
        (3, 150, BillStatus.ISSUED),
        (4, 0, BillStatus.PAID),  # within the free quota: nothing to pay
    ]
    assert bills[3].paid_at == bills[3].issued_at and bills[0].paid_at is None
    audit = (
        session.execute(select(AuditRecord).where(AuditRecord.action == "bill.issue").order_by(AuditRecord.id))
        .scalars()
        .all()
    )
    assert [r.object_id for r in audit] == [str(b.id) for b in bills]
    assert [json.loads(r.summary)["after"]["number"] for r in audit] == [b.number for b in bills]
    assert [r.org_id for r in audit] == [b.buyer_org_id for b in bills]
    report = verify_chain(session)
    assert report.ok, report.problem


def test_receipts_sort_request_ids_by_code_point(session, api):
    """PostgreSQL aggregates the receipts itself; its order must be Python's sorted(), not the locale's."""
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-09"] * 4)
    events = session.execute(select(UsageEvent).where(UsageEvent.entitlement_id == a.ent.id)).scalars().all()
    for event, request_id in zip(events, ["b-2", "B-1", "_z", "a-3"], strict=True):
        event.request_id = request_id
    session.commit()
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    [receipt] = json.loads(bill.receipts)
    assert receipt == {"day": "2026-10-09", "calls": 4, "sha256": receipt_digest(["b-2", "B-1", "_z", "a-3"])}
