"""Writing the usage store on the raw DB-API connection (the hot path's writes, and the lookup before them).

SQLAlchemy's execution machinery costs about as much as SQLite's own work for these statements, so the
metered call reads its rows and writes through the driver directly; every other query of the gateway goes through
SQLAlchemy.
SQLite: one BEGIN IMMEDIATE transaction (quota UPDATE, then INSERT). PostgreSQL: the hot connection is in
autocommit and every write is ONE statement (the quota UPDATE and the INSERT joined in a CTE), so a call costs
one round trip and no BEGIN/COMMIT; a statement is atomic, so nothing is ever half-stored.

This is the documented exception to "use cases flush, the boundary commits": R9 wants a billable call
durable before its answer is sent, so the writer commits (or autocommits) its own statements here.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

BUSY_WAIT_SECONDS = 15.0

_COLUMNS = ("request_id", "api_key_id", "entitlement_id", "product_id", "buyer_org_id", "plan_id", "at", "day",
            "status", "billable", "records", "idempotency_key", "params_hash", "response_body")
_INTO = f"INSERT INTO usage_event ({', '.join(_COLUMNS)})"
_VALUES = ", ".join(":" + c for c in _COLUMNS)
_STILL_ACTIVE = ("EXISTS (SELECT 1 FROM api_key WHERE api_key.id = :api_key_id AND api_key.status = 'active')"
                 " AND EXISTS (SELECT 1 FROM entitlement WHERE entitlement.id = :entitlement_id"
                 " AND entitlement.status = 'active')")
_COUNT = ("UPDATE quota_counter SET used = used + 1 WHERE entitlement_id = :entitlement_id AND used < :quota"
          f" AND {_STILL_ACTIVE} RETURNING used")
_OUTCOME = {"status": "CASE WHEN billable THEN 200 ELSE 404 END", "billable": "billable",
            "records": "CASE WHEN billable THEN records ELSE 0 END"}
# PostgreSQL, a call without quota and without Idempotency-Key: the lookup (SQL["lookup"]) and its usage event
# in ONE statement. Billable (200) when rows are found or the API is a verification, as answer.build_answer
# decides; a billable event is stored only while key and entitlement are active, a 404 event always.
_LOOKUP_INSERT = (
    "WITH found AS (SELECT id, data FROM dataset_row WHERE dataset_id = :dataset_id AND key = :key"
    " ORDER BY id LIMIT 1000),"
    " outcome AS (SELECT (:verification OR count(*) > 0) AS billable,"
    " CASE WHEN :verification THEN 1 ELSE count(*) END AS records FROM found),"
    f" stored AS ({_INTO} SELECT {', '.join(_OUTCOME.get(c, ':' + c) for c in _COLUMNS)} FROM outcome"
    f" WHERE NOT billable OR ({_STILL_ACTIVE}) RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM stored), ARRAY(SELECT data FROM found ORDER BY id)")
SQL = {
    # The lookup of a call with a quota or an Idempotency-Key (or on SQLite), before its write: read in autocommit.
    "lookup": "SELECT data FROM dataset_row WHERE dataset_id = :dataset_id AND key = :key ORDER BY id LIMIT 1000",
    "insert": f"{_INTO} VALUES ({_VALUES})",
    # A billable call without a quota: stored only if key and entitlement are still active (cache may be stale).
    "insert_checked": f"{_INTO} SELECT {_VALUES} WHERE {_STILL_ACTIVE}",
    # A billable call with a quota: the conditional UPDATE is the cross-process quota (never one more).
    "count": _COUNT,
    # PostgreSQL: the same UPDATE and the event's INSERT in one statement (one round trip, atomic in autocommit).
    "count_insert": f"WITH counted AS ({_COUNT}), stored AS ({_INTO} SELECT {_VALUES} FROM counted)"
                    " SELECT used FROM counted",
    "lookup_insert": _LOOKUP_INSERT,
    "unstore": "DELETE FROM usage_event WHERE request_id = :request_id",
    "state": "SELECT api_key.status, entitlement.status, quota_counter.used FROM api_key"
             " JOIN entitlement ON entitlement.id = api_key.entitlement_id"
             " LEFT JOIN quota_counter ON quota_counter.entitlement_id = entitlement.id WHERE api_key.id = :api_key_id",
    "new_counter": "INSERT INTO quota_counter (entitlement_id, used) VALUES (:entitlement_id, 0)"
                   " ON CONFLICT (entitlement_id) DO NOTHING",
}


class Refused(Exception):
    """The re-check refused the call: the key, the entitlement or the quota no longer allows it."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (UTC clock, no offset)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class UsageWriter:
    """Stores one usage event, taking one call off the quota when billable under a quota."""

    def __init__(self, dialect_name: str, dbapi, *, busy_wait: float = BUSY_WAIT_SECONDS, committer=None):
        self.pg = dialect_name == "postgresql"
        self.committer = committer if self.pg else None  # group_commit.GroupCommitter: PostgreSQL's usage writes
        self.busy_wait = busy_wait
        self.IntegrityError = dbapi.IntegrityError
        self.OperationalError = dbapi.OperationalError
        self.sql = {k: re.sub(r":(\w+)", r"%(\1)s", q) if self.pg else q for k, q in SQL.items()}

    def write(self, dbc, event: dict, *, count: bool, quota: int | None, exhausted: str) -> int | None:
        """Commit the event; returns the quota used so far (quota plans) or None. Raises Refused, IntegrityError."""
        params = event if self.pg else {**event, "at": _sqlite_time(event["at"]), "billable": int(event["billable"])}
        cur = dbc.cursor()
        try:
            if not self.pg:
                self.begin_immediate(cur)
            if not count:
                self._run(cur, "insert", params)
                used = None
            elif quota is None:
                used = self._insert_checked(cur, params, exhausted)
            else:
                used = self._count(cur, {**params, "quota": quota}, exhausted)
            dbc.commit()  # PostgreSQL in autocommit: already committed, nothing is sent
            return used
        except BaseException:
            dbc.rollback()
            raise
        finally:
            cur.close()

    def lookup_and_write(self, dbc, event: dict, *, dataset_id: int, key: str, verification: bool) -> list[str]:
        """PostgreSQL in autocommit: look the rows up and store the call's event in one statement; the rows' JSON.

        Raises Refused when the call would be billable but the key or the entitlement is no longer active.
        """
        params = {**event, "dataset_id": dataset_id, "key": key, "verification": verification}
        with dbc.cursor() as cur:
            for _attempt in range(2):
                stored, rows = self._run(cur, "lookup_insert", params)[0]
                if stored:
                    return rows
                self._why_not(cur, params, "quota_exceeded", quota=False)
        raise Refused("entitlement_inactive")

    def lookup(self, dbc, dataset_id: int, key: str) -> list[str]:
        """The JSON of the dataset's rows with this key (indexed by dataset and key), on the driver connection."""
        cur = dbc.cursor()
        try:
            cur.execute(self.sql["lookup"], {"dataset_id": dataset_id, "key": key})
            return [data for (data,) in cur.fetchall()]
        finally:
            cur.close()

    def unstore(self, dbc, request_id: str) -> None:
        """Take back an event stored by lookup_and_write whose answer could not be built (only 2xx are billable)."""
        with dbc.cursor() as cur:
            cur.execute(self.sql["unstore"], {"request_id": request_id})

    def begin_immediate(self, cur) -> None:
        """Take SQLite's write lock, polling every 0.1–5 ms: SQLite's own busy handler sleeps 1 ms at least,
        twenty times longer than the transaction that holds the lock (the hot connection has busy_timeout 0).
        Past `busy_wait` the OperationalError goes up: the web layer answers 503 with Retry-After."""
        delay, deadline = 0.0001, time.monotonic() + self.busy_wait
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except self.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.005)

    def _run(self, cur, name: str, params: dict) -> tuple[tuple | None, int]:
        """One write statement: (first row, rowcount); through the group committer when there is one."""
        if self.committer is not None:
            return self.committer.submit(self.sql[name], params)
        cur.execute(self.sql[name], params)
        return (cur.fetchone() if cur.description else None), cur.rowcount

    def _insert_checked(self, cur, params: dict, exhausted: str) -> None:
        for _attempt in range(2):
            if self._run(cur, "insert_checked", params)[1] == 1:
                return None
            self._why_not(cur, params, exhausted, quota=False)
        raise Refused("entitlement_inactive")

    def _count(self, cur, params: dict, exhausted: str) -> int:
        for _attempt in range(2):
            row = self._run(cur, "count_insert" if self.pg else "count", params)[0]
            if row is not None:
                if not self.pg:
                    cur.execute(self.sql["insert"], params)
                return row[0]
            self._why_not(cur, params, exhausted)  # returns only after creating a missing counter
        raise Refused(exhausted)

    def _why_not(self, cur, params: dict, exhausted: str, *, quota: bool = True) -> None:
        """Raise why a checked write stored nothing; return when it may be tried again."""
        cur.execute(self.sql["state"], {"api_key_id": params["api_key_id"]})
        row = cur.fetchone()
        if row is None or row[0] != "active":
            raise Refused("invalid_key")
        if row[1] != "active":
            raise Refused("entitlement_inactive")
        if not quota:
            return  # key and entitlement active again: try once more
        if row[2] is None:  # first quota call of an entitlement made elsewhere (orders): start its counter
            cur.execute(self.sql["new_counter"], {"entitlement_id": params["entitlement_id"]})
            return
        raise Refused(exhausted)
