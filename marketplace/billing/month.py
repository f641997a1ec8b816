"""A month of one entitlement's sealed usage receipts, summed: what its usage bill is rated and issued from.

PostgreSQL sums the month in SQL (a thousand rows instead of thirty thousand receipts) and writes the receipts
list of the bill there too; SQLite sums the receipts in Python. Both give the same text: json.dumps's own form of
[{"day", "calls", "sha256"}, …] in day order (a test compares them byte for byte).
"""

from __future__ import annotations

import json
from datetime import date
from typing import NamedTuple

from sqlalchemy import text
from sqlmodel import Session

from marketplace.billing.receipts import days_between, settle_days, several_plans
from marketplace.models.billing import UsageReceipt


class MonthUsage(NamedTuple):
    """One entitlement's billable usage over a month's days, from its sealed daily receipts."""

    plan_id: int
    calls: int
    records: int
    last_id: int  # highest usage event id counted
    receipts: str  # JSON list of {day, calls, sha256}, in day order


# A receipt's plan is NULL when its day's calls carry several versions; the month has one plan or none.
_MONTH_PG = text(
    """
    SELECT entitlement_id,
           CASE WHEN count(plan_id) = count(*) AND min(plan_id) = max(plan_id) THEN min(plan_id) END,
           sum(calls), sum(records), max(last_event_id),
           '[' || string_agg('{"day": "' || day || '", "calls": ' || calls || ', "sha256": "' || sha256 || '"}',
                             ', ' ORDER BY day) || ']'
    FROM usage_receipt WHERE day >= :first AND day <= :last
    GROUP BY entitlement_id
    """
)


def _summed_in_python(session: Session, first: str, last: str) -> list[tuple]:
    t = UsageReceipt.__table__.c
    rows = session.connection().execute(
        UsageReceipt.__table__.select()
        .with_only_columns(t.entitlement_id, t.day, t.plan_id, t.calls, t.records, t.last_event_id, t.sha256)
        .where(t.day >= first, t.day <= last)
        .order_by(t.entitlement_id, t.day)
    )
    by_ent: dict[int, list] = {}
    for row in rows:
        by_ent.setdefault(row[0], []).append(row)
    out = []
    for ent, days in by_ent.items():
        plans = {d.plan_id for d in days}
        receipts = [{"day": d.day, "calls": d.calls, "sha256": d.sha256} for d in days]
        out.append((
            ent,
            plans.pop() if len(plans) == 1 else None,
            sum(d.calls for d in days),
            sum(d.records for d in days),
            max(d.last_event_id for d in days),
            json.dumps(receipts),
        ))
    return out


def month_usage(session: Session, *, first: date, last: date) -> dict[int, MonthUsage]:
    """Every entitlement's billable usage from first to last (ended days), receipts sealed or checked first
    (receipts.settle_days). BillingError when an entitlement's calls carry several plan versions."""
    days = days_between(first, last)
    settle_days(session, days)
    if session.get_bind().dialect.name == "postgresql":
        rows = session.connection().execute(_MONTH_PG, {"first": days[0], "last": days[-1]}).all()
    else:
        rows = _summed_in_python(session, days[0], days[-1])
    out = {}
    for ent, plan, calls, records, last_id, receipts in rows:
        if plan is None:
            raise several_plans(ent)
        out[ent] = MonthUsage(plan, int(calls), int(records), last_id, receipts)
    return out


def daily_units(session: Session, entitlement_ids: list[int], *, first: date, last: date,
                ) -> dict[int, dict[str, tuple[int, int]]]:
    """(calls, records) per day of these entitlements' sealed receipts from first to last (month_usage first)."""
    t = UsageReceipt.__table__.c
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for i in range(0, len(entitlement_ids), 500):
        rows = session.connection().execute(
            UsageReceipt.__table__.select()
            .with_only_columns(t.entitlement_id, t.day, t.calls, t.records)
            .where(t.day >= first.isoformat(), t.day <= last.isoformat(),
                   t.entitlement_id.in_(entitlement_ids[i : i + 500]))
        )
        for ent, day, calls, records in rows:
            out.setdefault(ent, {})[day] = (calls, records)
    return out
