"""The metered call (hot path): key → entitlement → agreement (R5) → quota → lookup → masking → meter (R9).

A billable answer is committed (usage event + quota counter, one transaction) before it is returned.
The quota is a conditional UPDATE (`used < quota`), so it holds across worker processes on SQLite and
PostgreSQL. An Idempotency-Key is unique per API key in the usage store: a concurrent retry blocks on the
first one's row and then answers with the stored response.
On PostgreSQL the thread's connection is in autocommit and every step is one statement (no BEGIN/COMMIT round
trips); a call without quota and Idempotency-Key is a single statement: lookup and usage event (meter.py).
The per-key rate limit (ratelimit.py) is one more statement on the same connection: a token-bucket row in the
database, so it holds across worker processes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from marketplace.clock import SHANGHAI
from marketplace.db import SQLITE_BUSY_TIMEOUT_MS, server_closed
from marketplace.gateway import sql
from marketplace.gateway.answer import BadParameter, build_answer, params_hash, parse_params
from marketplace.gateway.api_errors import error_payload, overdue_detail
from marketplace.gateway.datasets import row_key
from marketplace.gateway.group_commit import GroupCommitter
from marketplace.gateway.meter import Refused, UsageWriter
from marketplace.gateway.ratelimit import SharedRateLimiter
from marketplace.gateway.resolve import KeyCache, KeyInfo
from marketplace.models.base import utcnow
from marketplace.supply.on_sale import product_problem
from pricing import ChargeForm

MAX_IDEMPOTENCY_KEY = 100


@dataclass
class CallResult:
    """What the web layer sends back."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One call in flight."""

    info: KeyInfo
    plaintext: str
    request_id: str
    idem: str | None
    phash: str
    now: datetime
    remaining: int | None = None


def _drop(conn: Connection) -> None:
    """Close a detached connection for good (its server may be gone: closing it must not fail)."""
    try:
        conn.invalidate()
        conn.close()
    except Exception:  # noqa: BLE001 - already broken
        pass


def new_request_id() -> str:
    """A unique request id (also the billing identity of a call)."""
    return "req_" + uuid.uuid4().hex


def _dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _event(call: Call, status: int, billable: bool, records: int, idem: str | None, body: str) -> dict:
    """The usage_event row of a call."""
    info = call.info
    return {"request_id": call.request_id, "api_key_id": info.key_id, "entitlement_id": info.entitlement_id,
            "product_id": info.product_id, "buyer_org_id": info.buyer_org_id, "plan_id": info.plan_id,
            "at": call.now, "day": call.now.astimezone(SHANGHAI).date().isoformat(), "status": status,
            "billable": billable, "records": records, "idempotency_key": idem, "params_hash": call.phash,
            "response_body": body}


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def deny_reason(info: KeyInfo, slug: str, now: datetime) -> str | None:
    """Why this key may not call this API now (R5), or None."""
    if info.slug != slug:
        return "not_entitled"
    if info.org_status == "suspended":
        return "org_suspended"
    if info.ent_status != "active":
        return "entitlement_inactive"
    if info.overdue_bill is not None:
        return "bill_overdue"
    if now < info.starts_at:
        return "entitlement_not_started"
    if info.ends_at is not None and now >= info.ends_at:
        return "subscription_expired"
    problem = product_problem(info.sale, now.astimezone(SHANGHAI).date()) or info.plan_problem
    if problem is not None:
        return str(problem)  # supply.on_sale: the same reason every path gives
    if info.dataset is None:
        return "api_not_defined"
    return None


def quota_code(info: KeyInfo) -> str:
    """429 when a quota is used up; 402 when a prepaid package must be bought again."""
    if info.calls_total is None and info.terms.form is ChargeForm.PREPAID_CALLS:
        return "payment_required"
    return "quota_exceeded"


class Gateway:
    """Per-process state of the metered endpoint: engine, key cache, rate limiter."""

    def __init__(self, engine: Engine, *, rate: float = 20.0, burst: int = 40, ttl: float = 5.0,
                 busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, group_commit: bool = False):
        self.engine = engine
        self.cache = KeyCache(ttl)
        self._local = threading.local()
        committer = GroupCommitter(self._connect_writer) if group_commit else None
        self.writer = UsageWriter(engine.dialect.name, engine.dialect.dbapi, busy_wait=busy_timeout_ms / 1000,
                                  committer=committer)
        self.limiter = SharedRateLimiter(self.writer, rate, burst)  # in the database: holds across workers

    def read(self) -> Connection:
        """A connection for reads (SQLite: autocommit statements, so readers never take the write lock)."""
        return self.engine.connect().execution_options(sqlite_begin="NONE")

    @contextmanager
    def _hot(self) -> Iterator[Connection]:
        """This thread's long-lived connection (saves a pool checkout and reset per call); dropped on errors."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated or server_closed(conn.connection.dbapi_connection):
            if conn is not None:  # PostgreSQL restarted since this thread's last call: connect again
                self._local.conn = None
                _drop(conn)
            conn = self._local.conn = self._connect_hot()
        try:
            yield conn
        except BaseException:
            self._local.conn = None
            _drop(conn)  # detached anyway: a connection in an unknown state is closed, never reused
            raise
        if conn.in_transaction():
            conn.rollback()

    def _connect_writer(self):
        """The group committer's own DB-API connection (PostgreSQL, in transactions), out of the pool."""
        conn = self.engine.connect()
        conn.detach()
        self._writer_conn = conn  # keeps the detached connection alive as long as the writer uses it
        dbc = conn.connection.dbapi_connection
        dbc.autocommit = False
        return dbc

    def _connect_hot(self) -> Connection:
        conn = self.engine.connect()
        if conn.dialect.name != "sqlite":  # each statement its own transaction: no BEGIN/COMMIT round trips
            conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            conn.execution_options(sqlite_begin="NONE")  # reads: autocommit statements
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")  # WAL reads never wait; the writer polls itself
            conn.rollback()
        # This thread's own DBAPI connection, out of the pool: closed with it (also when the thread ends and its
        # thread-local is collected, as under `python app.py`, one thread per request), never handed to another
        # request. In the pool, its busy_timeout 0 made that request's BEGIN IMMEDIATE fail at once (a 500).
        conn.detach()
        return conn

    def call(self, *, authorization: str | None, slug: str, args, idempotency_key: str | None) -> CallResult:
        """Answer one GET /api/v1/data/<slug>."""
        request_id = new_request_id()
        plaintext = bearer_token(authorization)
        if not plaintext:
            return self._error("missing_key", request_id)
        info = self.cache.get(self.read, plaintext)
        if info is None or not info.key_active:
            return self._error("invalid_key", request_id)
        idem = (idempotency_key or "").strip() or None
        if idem and len(idem) > MAX_IDEMPOTENCY_KEY:
            return self._error("invalid_parameter", request_id, detail=("Idempotency-Key 过长（最多100字符）",
                                                                        "Idempotency-Key is too long"))
        call = Call(info, plaintext, request_id, idem, params_hash(slug, args) if idem else "", utcnow())
        with self._hot() as conn:  # one connection per thread: autocommit reads, then the usage write
            allowed, wait = self.limiter.allow(conn.connection.dbapi_connection, info.key_id,
                                               plan_rate=info.terms.rate_per_second)
            if not allowed:
                return self._error("rate_limited", request_id, headers={"Retry-After": str(wait)})
            stored = self._stored(conn, call) if idem else None
            return self._serve(conn, call, slug, args) if stored is None else stored

    def _serve(self, conn: Connection, call: Call, slug: str, args) -> CallResult:
        info = call.info
        reason = deny_reason(info, slug, call.now)
        if reason == "not_entitled":
            return self._error(reason, call.request_id)
        if reason:
            detail = overdue_detail(info.overdue_bill) if reason == "bill_overdue" else None
            return self._record_error(conn, call, reason, detail=detail)
        try:
            params = parse_params(info.dataset, args)
        except BadParameter as e:
            return self._record_error(conn, call, "invalid_parameter", detail=(e.zh, e.en), keep=True)
        if self.writer.pg and info.quota is None and not call.idem:
            return self._lookup_and_meter(conn, call, slug, params)
        used = self._used(conn, info) if info.quota is not None else None
        if used is not None and used >= info.quota:
            call.remaining = 0
            return self._record_error(conn, call, quota_code(info))
        if conn.in_transaction():
            conn.rollback()  # end the autobegun quota read; the lookup runs on the driver connection
        found = self.writer.lookup(conn.connection.dbapi_connection, info.dataset.id,
                                   row_key(info.dataset.key_fields, params))
        answer = build_answer(info.dataset, [json.loads(d) for d in found], params)
        if answer is None:
            call.remaining = None if used is None else info.quota - used
            return self._record_error(conn, call, "not_found", keep=True)
        payload, records = answer
        return self._meter(conn, call, 200, {"request_id": call.request_id, "product": slug, **payload}, records)

    @staticmethod
    def _used(conn: Connection, info: KeyInfo) -> int:
        return conn.execute(sql.USED, {"entitlement_id": info.entitlement_id}).scalar() or 0

    # --- writing the usage store -------------------------------------------------------------------

    def _lookup_and_meter(self, conn: Connection, call: Call, slug: str, params: dict[str, str]) -> CallResult:
        """PostgreSQL, no quota, no Idempotency-Key: lookup and usage event in one autocommit statement."""
        dataset, dbc = call.info.dataset, conn.connection.dbapi_connection
        try:
            found = self.writer.lookup_and_write(dbc, _event(call, 0, False, 0, None, ""), dataset_id=dataset.id,
                                                 key=row_key(dataset.key_fields, params),
                                                 verification=dataset.verification)
        except Refused as r:
            return self._refused(conn, call, r.code)
        try:
            answer = build_answer(dataset, [json.loads(d) for d in found], params)
            if answer is None:
                status, payload = error_payload("not_found", call.request_id)
            else:
                status, payload = 200, {"request_id": call.request_id, "product": slug, **answer[0]}
            body = _dumps(payload)
        except BaseException:
            self.writer.unstore(dbc, call.request_id)  # no answer, no charge: the event is already committed
            raise
        return self._result(call, status, body, call.request_id)

    def _meter(self, conn: Connection, call: Call, status: int, payload: dict, records: int, *,
               keep: bool = True) -> CallResult:
        """Commit the usage event (and the quota count when billable), then answer; replays win races."""
        billable, body, info = 200 <= status < 300, _dumps(payload), call.info
        idem = call.idem if keep else None
        event = _event(call, status, billable, records if billable else 0, idem, body.decode("utf-8") if idem else "")
        if conn.in_transaction():
            conn.rollback()  # end the autobegun read; the write runs on the driver connection below
        try:
            used = self.writer.write(conn.connection.dbapi_connection, event, count=billable, quota=info.quota,
                                     exhausted=quota_code(info))
        except self.writer.IntegrityError:
            stored = self._stored(conn, call) if idem else None
            if stored is None:
                raise
            return stored
        except Refused as r:
            return self._refused(conn, call, r.code)
        if used is not None:
            call.remaining = info.quota - used
        return self._result(call, status, body, call.request_id)

    def _refused(self, conn: Connection, call: Call, code: str) -> CallResult:
        """The re-check refused: a concurrent first call may have stored the answer; else say why."""
        if call.idem:
            stored = self._stored(conn, call)
            if stored is not None:
                return stored
        self.cache.forget(call.plaintext)
        if code == "invalid_key":
            return self._error(code, call.request_id)
        call.remaining = 0 if code in ("quota_exceeded", "payment_required") else None
        return self._record_error(conn, call, code)

    def _record_error(self, conn: Connection, call: Call, code: str, *, detail: tuple[str, str] | None = None,
                      keep: bool = False) -> CallResult:
        """A non-billable answer, logged in the usage store (kept for replays when `keep`)."""
        status, payload = error_payload(code, call.request_id, detail)
        return self._meter(conn, call, status, payload, 0, keep=keep)

    def _stored(self, conn: Connection, call: Call) -> CallResult | None:
        """The stored answer of an earlier call with this Idempotency-Key, or 409 if its parameters differ."""
        row = conn.execute(sql.STORED, {"key_id": call.info.key_id, "idem": call.idem}).first()
        if row is None:
            return None
        if row.params_hash != call.phash:
            return self._error("idempotency_conflict", call.request_id)
        if call.info.quota is not None:
            call.remaining = max(0, call.info.quota - self._used(conn, call.info))
        result = self._result(call, row.status, row.response_body.encode("utf-8"), row.request_id)
        result.headers["Idempotent-Replayed"] = "true"
        return result

    def _result(self, call: Call, status: int, body: bytes, request_id: str) -> CallResult:
        headers = {"X-Request-Id": request_id}
        if call.info.quota is None:
            headers["X-Quota-Remaining"] = "unlimited"
        elif call.remaining is not None:
            headers["X-Quota-Remaining"] = str(max(0, call.remaining))
        return CallResult(status, body, headers)

    def _error(self, code: str, request_id: str, *, headers: dict | None = None,
               detail: tuple[str, str] | None = None) -> CallResult:
        """An answer that is not logged (no key, bad key, other product, rate limit)."""
        status, payload = error_payload(code, request_id, detail)
        return CallResult(status, _dumps(payload), {"X-Request-Id": request_id, **(headers or {})})
