"""Daily usage receipts, sealed once per ended day: billable calls, records and SHA-256 per entitlement and day.

A receipt is gateway.usage.receipt_digest over one entitlement's billable request ids of one day (sorted by code
point, joined by newlines, UTF-8), so a buyer recomputes it from its own request ids. Computing it needs every
request id of the day sorted; sealing stores it (usage_receipt) once, by the nightly `flask seal-usage` or by the
first billing run that needs the day, and later runs reuse it.

A sealed receipt stands only while the day's live figures (billable calls, records and highest event id, read by
one GROUP BY) still equal the sealed ones: a late event for a sealed day changes them, and that entitlement's
receipt of that day is computed from its request ids again and resealed. Events are never deleted or edited.

Which entitlements to check: every event up to the seal mark (usage_seal_mark) is known counted, so only the
entitlements with events above the mark on sealed days are compared (a range of usage_event's primary key). The
nightly seal raises the mark: it reads the highest event id handed out, waits for every transaction open then to
end (PostgreSQL takes ids before commit), checks the sealed days' events between the old and the new mark, and
stores the new one. One writer of receipts at a time (a transaction-level lock), so no receipt computed from an
older snapshot lands after the mark passed it. Without a mark (0), every entitlement of the sealed days is checked.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace.billing.errors import BillingError
from marketplace.bulk import insert_rows
from marketplace.gateway.usage import receipt_digest
from marketplace.i18n_marker import N_
from marketplace.models.base import utcnow
from marketplace.models.billing import UsageReceipt, UsageSealMark
from marketplace.models.metering import UsageEvent


class DayUsage(NamedTuple):
    """One entitlement's billable usage on one day, with its receipt (gateway.usage.receipt_digest).

    A named tuple: a month holds tens of thousands of them, and a frozen dataclass is ten times slower to make.
    """

    calls: int
    records: int
    last_id: int
    digest: str


Key = tuple[int, str]  # (entitlement id, day)
_Sealed = tuple[int | None, DayUsage]  # (plan id, None when the day's calls carry several; the usage)


def days_between(first: date, last: date) -> list[str]:
    """Every day from first to last as YYYY-MM-DD."""
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(ids: list[int] | None, size: int = 500) -> list[list[int] | None]:
    return [None] if ids is None else [ids[i : i + size] for i in range(0, len(ids), size)]


def _sealed(session: Session, days: list[str], entitlement_ids: list[int] | None = None) -> dict[Key, _Sealed]:
    """The sealed receipts of these days (of every entitlement, or of these)."""
    t = UsageReceipt.__table__.c
    rows = []
    for chunk in _chunks(entitlement_ids):
        query = select(t.entitlement_id, t.day, t.plan_id, t.calls, t.records, t.last_event_id, t.sha256).where(
            _day_filter(t.day, days)
        )
        if chunk is not None:
            query = query.where(t.entitlement_id.in_(chunk))
        rows += session.connection().execute(query).all()
    return {(e, d): (p, DayUsage(c, r, i, h)) for e, d, p, c, r, i, h in rows}


def _day_filter(column, days: list[str]):
    """days (sorted) as a range when they are consecutive (cheaper to test than a list), else as a list."""
    if days == days_between(date.fromisoformat(days[0]), date.fromisoformat(days[-1])):
        return and_(column >= days[0], column <= days[-1])
    return column.in_(days)


def _live(
    session: Session, days: list[str], entitlement_ids: list[int] | None = None
) -> dict[int, tuple[int | None, int, int, int]]:
    """(plan id or None, calls, records, highest id) per entitlement over these days: one GROUP BY, no request ids
    (of every entitlement, or of these through the (entitlement, day) index).

    Per entitlement, not per day: events are only ever added, so when an entitlement's totals over the sealed
    days equal the sums of its sealed receipts, no day of it changed (and the GROUP BY is as cheap as any).
    """
    e = UsageEvent.__table__.c
    rows = []
    for chunk in _chunks(entitlement_ids):
        query = select(e.entitlement_id, e.plan_id, func.count(), func.coalesce(func.sum(e.records), 0), func.max(e.id))
        query = query.where(e.billable.is_(True), _day_filter(e.day, days))
        if chunk is not None:
            query = query.where(e.entitlement_id.in_(chunk))
        rows += session.connection().execute(query.group_by(e.entitlement_id, e.plan_id)).all()
    out: dict[int, tuple[int | None, int, int, int]] = {}
    for ent, plan, calls, records, last_id in rows:
        seen = out.get(ent)
        if seen is not None:  # calls under several plan versions
            plan, calls, records, last_id = None, seen[1] + calls, seen[2] + records, max(seen[3], last_id)
        out[ent] = (plan, calls, int(records), last_id)
    return out


def _scan(session: Session, days: list[str], entitlement_ids: list[int] | None = None) -> dict[Key, _Sealed]:
    """Every figure and receipt of these days from the request ids, in Python (optionally for some entitlements)."""
    e = UsageEvent.__table__.c
    query = select(e.entitlement_id, e.day, e.plan_id, e.request_id, e.records, e.id).where(
        e.billable.is_(True), e.day.in_(days)
    )
    if entitlement_ids is not None:
        query = query.where(e.entitlement_id.in_(entitlement_ids))
    # No ORDER BY: on SQLite ordering walks the (entitlement, day) index and reads the table in random order.
    ids: dict[Key, list[str]] = {}
    acc: dict[Key, list] = {}
    for ent, day, plan, request_id, records, event_id in session.connection().execute(query):
        key = (ent, day)
        ids.setdefault(key, []).append(request_id)
        a = acc.setdefault(key, [plan, 0, 0])
        if a[0] != plan:
            a[0] = None
        a[1] += records or 0
        a[2] = max(a[2], event_id)
    return {
        key: (acc[key][0], DayUsage(len(request_ids), acc[key][1], acc[key][2], receipt_digest(request_ids)))
        for key, request_ids in ids.items()
    }


_UPSERT_SET = ("plan_id", "calls", "records", "last_event_id", "sha256", "sealed_at")
# PostgreSQL takes the rows as one array per column: a tiny statement however many rows (a multi-row VALUES of
# thousands of rows costs psycopg more to prepare than the server to run).
_UPSERT_PG = text(
    """
    INSERT INTO usage_receipt (day, entitlement_id, plan_id, calls, records, last_event_id, sha256, sealed_at)
    SELECT u.*, :now FROM unnest(
        CAST(:day AS text[]), CAST(:entitlement_id AS integer[]), CAST(:plan_id AS integer[]),
        CAST(:calls AS integer[]), CAST(:records AS bigint[]), CAST(:last_event_id AS bigint[]), CAST(:sha256 AS text[])
    ) AS u
    ON CONFLICT (day, entitlement_id) DO UPDATE SET plan_id = excluded.plan_id, calls = excluded.calls,
        records = excluded.records, last_event_id = excluded.last_event_id, sha256 = excluded.sha256,
        sealed_at = excluded.sealed_at
    """
)


def _rows(items: list, now) -> list[dict]:
    """The receipt rows of ((entitlement, day), (plan, usage)) items, sealed now."""
    return [
        dict(day=day, entitlement_id=ent, plan_id=plan, calls=u.calls, records=u.records, last_event_id=u.last_id,
             sha256=u.digest, sealed_at=now)
        for (ent, day), (plan, u) in items
    ]


def _copy(session: Session, items: list, now) -> bool:
    """COPY receipts of days not sealed before (PostgreSQL); False when another run sealed one meanwhile."""
    rows = _rows(items, now)
    try:
        with session.begin_nested():
            insert_rows(session, UsageReceipt.__table__, rows)
    except IntegrityError:
        return False
    return True


def _upsert(session: Session, fresh: dict[Key, _Sealed], *, new: bool = False) -> None:
    """Seal these receipts: insert, or replace the sealed figures of a day computed again.

    new: the days had no receipt (COPY first on PostgreSQL: a month's 30,000 rows as arrays cost psycopg more).
    """
    if not fresh:
        return
    now = utcnow()
    items = sorted(fresh.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    if _is_postgresql(session) and new and _copy(session, items, now):
        return
    if _is_postgresql(session):
        columns = dict(
            day=[day for (_, day), _ in items],
            entitlement_id=[ent for (ent, _), _ in items],
            plan_id=[plan for _, (plan, _) in items],
            calls=[u.calls for _, (_, u) in items],
            records=[u.records for _, (_, u) in items],
            last_event_id=[u.last_id for _, (_, u) in items],
            sha256=[u.digest for _, (_, u) in items],
        )
        session.execute(_UPSERT_PG, {**columns, "now": now})
        return
    statement = sqlite_insert(UsageReceipt.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "entitlement_id"], set_={c: statement.excluded[c] for c in _UPSERT_SET}
    )
    rows = _rows(items, now)
    session.execute(statement, rows)


# PostgreSQL computes whole days itself, so a million request ids never travel to Python: receipt_digest's SHA-256
# over the day's request ids sorted by code point (COLLATE "C" on UTF-8 is byte order, which is code point order)
# and joined by newlines. The inner query sorts only the columns needed (the rows carry response bodies).
_DAYS_PG = text(
    """
    SELECT entitlement_id, day, CASE WHEN min(plan_id) = max(plan_id) THEN min(plan_id) END, count(*),
           coalesce(sum(records), 0), max(id),
           encode(sha256(convert_to(string_agg(request_id, E'\\n'), 'UTF8')), 'hex')
    FROM (SELECT entitlement_id, day, plan_id, request_id, records, id FROM usage_event
          WHERE billable AND day IN :days
          ORDER BY entitlement_id, day, request_id COLLATE "C") AS month
    GROUP BY entitlement_id, day
    """
).bindparams(bindparam("days", expanding=True))
# Walking the (entitlement, day) index reads the heap in random order: 1.26 s against 0.94 s for a parallel
# sequential scan and sort at a million events. Set for this one SELECT and restored at once (never around a
# write: the foreign key checks of an INSERT would be planned, and their plans kept, without index scans).
_SCAN_OFF = text("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
_SCAN_ON = text("SET LOCAL enable_indexscan TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT")


def _seal_days(session: Session, days: list[str]) -> dict[Key, _Sealed]:
    """Compute and seal every receipt of these (unsealed) days."""
    if _is_postgresql(session):
        conn = session.connection()
        conn.execute(_SCAN_OFF)
        rows = conn.execute(_DAYS_PG, {"days": days}).all()
        conn.execute(_SCAN_ON)  # (a failed statement aborts the transaction, which ends the SET LOCAL too)
        fresh = {(e, d): (p, DayUsage(c, int(r), i, h)) for e, d, p, c, r, i, h in rows}
    else:
        fresh = _scan(session, days)
    _upsert(session, fresh, new=True)
    return fresh


def _sealed_totals(sealed: dict[Key, _Sealed]) -> dict[int, tuple[int | None, int, int, int]]:
    out: dict[int, tuple[int | None, int, int, int]] = {}
    for (ent, _day), (plan, u) in sealed.items():
        seen = out.get(ent)
        if seen is None:
            out[ent] = (plan, u.calls, u.records, u.last_id)
        else:
            same = plan if plan == seen[0] else None
            out[ent] = (same, seen[1] + u.calls, seen[2] + u.records, max(seen[3], u.last_id))
    return out


def _check_sealed(
    session: Session, days: list[str], sealed: dict[Key, _Sealed], candidates: list[int] | None = None
) -> None:
    """Compute and reseal what changed on these sealed days: the entitlements whose live totals differ from their
    sealed receipts (`sealed`: theirs at least). candidates: the only entitlements a late event can have changed
    (see _late); None: every one."""
    if candidates is not None and not candidates:
        return
    live, totals = _live(session, days, candidates), _sealed_totals(sealed)
    changed = sorted(ent for ent, figures in live.items() if totals.get(ent) != figures)
    fresh: dict[Key, _Sealed] = {}
    for chunk in _chunks(changed):  # through the (entitlement, day) index
        fresh.update(_scan(session, days, chunk))
    _upsert(session, {key: seal for key, seal in fresh.items() if sealed.get(key) != seal})


def settle_days(session: Session, days: list[str]) -> None:
    """Make the receipts of these ended days current.

    Days without any sealed receipt are computed and sealed whole; on sealed days the entitlements with events
    above the seal mark are checked against their live figures and only what changed is computed again.
    """
    _hold_receipts(session)
    r = UsageReceipt.__table__.c
    sealed = select(r.day).where(_day_filter(r.day, days)).distinct()
    sealed_days = sorted(session.connection().execute(sealed).scalars())
    if sealed_days:
        candidates = _late(session, sealed_days, above=seal_mark(session))
        if candidates != []:
            _check_sealed(session, sealed_days, _sealed(session, sealed_days, candidates), candidates)
    open_days = sorted(set(days) - set(sealed_days))
    if open_days:
        _seal_days(session, open_days)


def several_plans(entitlement_id: int) -> BillingError:
    """The calls of one entitlement's month carry several plan versions (the version is pinned on it)."""
    return BillingError(N_("权益 #%(ent)s 的调用记录属于多个价格方案版本，无法出账"), params={"ent": entitlement_id})


def day_usage(session: Session, *, first: date, last: date) -> dict[int, dict[str, DayUsage]]:
    """Every entitlement's billable usage per day from first to last (ended days), with receipts; seals as needed
    (settle_days). BillingError when an entitlement's calls carry several plan versions."""
    days = days_between(first, last)
    settle_days(session, days)
    out: dict[int, dict[str, DayUsage]] = {}
    plans: dict[int, int | None] = {}
    for (ent, day), (plan, usage) in _sealed(session, days).items():
        if plan is None or plans.setdefault(ent, plan) != plan:
            raise several_plans(ent)
        out.setdefault(ent, {})[day] = usage
    return out


def seal_day(session: Session, *, day: date, today: date) -> int:
    """Seal (or check and reseal) one ended day's receipts; the number of receipts the day has. Flushes."""
    if day >= today:
        raise BillingError(N_("%(day)s 尚未结束，次日起才能封存当日用量回执"),
                           params={"day": day.isoformat()}, field="day")
    settled = settled_event_id(session)  # first: what is read after it holds every event up to it
    usage = day_usage(session, first=day, last=day)
    if settled is not None:
        _raise_mark(session, settled, sealed_now=day.isoformat())
    session.flush()
    return len(usage)


# Receipts have one writer at a time (PostgreSQL; SQLite's write lock, taken at BEGIN, already does it): a receipt
# computed from a snapshot older than the seal mark's wait cannot land after the mark passed the events it misses.
_RECEIPTS_LOCK = text("SELECT pg_advisory_xact_lock(7410043)")
SETTLE_WAIT_SECONDS = 2.0
_LAST_ID_PG = text("SELECT pg_sequence_last_value(pg_get_serial_sequence('usage_event', 'id')::regclass)")
# Every other client transaction open now (each holds the lock on its own virtual transaction id from its start).
_OPEN_PG = text(
    "SELECT l.virtualxid FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
    "WHERE l.locktype = 'virtualxid' AND l.granted AND l.pid <> pg_backend_pid() AND a.backend_type = 'client backend'"
)
_STILL_OPEN_PG = text(
    "SELECT virtualxid FROM pg_locks WHERE locktype = 'virtualxid' AND granted AND virtualxid = ANY(:open)"
)


def _hold_receipts(session: Session) -> None:
    if _is_postgresql(session):
        session.connection().execute(_RECEIPTS_LOCK)


def seal_mark(session: Session) -> int:
    """Every usage event with an id up to this is counted in its day's receipt, when that day has receipts."""
    row = session.connection().execute(select(UsageSealMark.through_event_id).where(UsageSealMark.id == 1))
    return row.scalar() or 0


def settled_event_id(session: Session) -> int | None:
    """The highest usage event id handed out, once every event up to it is committed or never will be; None when
    a transaction that may still insert one did not end within SETTLE_WAIT_SECONDS.

    SQLite hands ids out under the write lock this transaction holds. PostgreSQL takes them from a sequence before
    commit, so after reading the sequence this waits for every client transaction that was open then.
    """
    conn = session.connection()
    if not _is_postgresql(session):
        return conn.execute(select(func.max(UsageEvent.__table__.c.id))).scalar() or 0
    last = conn.execute(_LAST_ID_PG).scalar() or 0
    still_open = list(conn.execute(_OPEN_PG).scalars())
    deadline = time.monotonic() + SETTLE_WAIT_SECONDS
    while still_open:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)
        still_open = list(conn.execute(_STILL_OPEN_PG, {"open": still_open}).scalars())
    return last


def _late(session: Session, days: list[str], *, above: int, through: int | None = None) -> list[int] | None:
    """Entitlements with billable events on these days with ids above the mark (up to `through`): the only ones
    a late event can have changed. None without a mark (every entitlement is checked)."""
    if not above:
        return None
    e = UsageEvent.__table__.c
    query = select(e.entitlement_id).where(e.id > above, e.billable.is_(True), _day_filter(e.day, days))
    if through is not None:
        query = query.where(e.id <= through)
    return sorted(session.connection().execute(query.distinct()).scalars())


def _raise_mark(session: Session, settled: int, *, sealed_now: str) -> None:
    """Check the sealed days' events from the mark up to `settled` (the day just sealed is complete), then store
    `settled` as the new mark."""
    mark = seal_mark(session)
    if settled <= mark:
        return
    e, r = UsageEvent.__table__.c, UsageReceipt.__table__.c
    conn = session.connection()
    touched = select(e.day).where(e.id > mark, e.id <= settled, e.billable.is_(True), e.day != sealed_now).distinct()
    days = sorted(conn.execute(select(r.day).where(r.day.in_(touched)).distinct()).scalars())
    if days:
        candidates = _late(session, days, above=mark, through=settled)
        if candidates != []:
            _check_sealed(session, days, _sealed(session, days, candidates), candidates)
    table = UsageSealMark.__table__
    values = {"through_event_id": settled, "marked_at": utcnow()}
    if conn.execute(table.update().where(table.c.id == 1).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(id=1, **values))
