"""Append to and verify the hash-chained audit trail (R11).

Each record's hash is an HMAC-SHA-256, keyed with AUDIT_KEY, over a canonical JSON form of its fields
and the previous record's hash, so editing, deleting or reordering any record breaks the chain, and
nobody without the key can re-hash a consistent forgery. Signed checkpoints (audit_checkpoints) pin the
length and head of the chain so that cutting off its tail is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from marketplace.bulk import insert_rows
from marketplace.models import AuditCheckpoint, AuditRecord
from marketplace.models.base import utcnow

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 7_301_001  # advisory lock id that serializes appends on PostgreSQL
_DEV_FALLBACK_KEY = b"development-audit-key"  # scripts outside the app factory, development only
_KEYS: dict[str, bytes] = {}
logger = logging.getLogger(__name__)  # database URL -> its audit key, registered by the app factory


def register_audit_key(engine, key: str) -> None:
    """Key the audit chain of this engine's database (the app factory calls it with AUDIT_KEY)."""
    _KEYS[engine.url.render_as_string(hide_password=False)] = key.encode("utf-8")


def audit_key(session: Session) -> bytes:
    """The key of the session's database: registered, else AUDIT_KEY, else (development only) a fixed one."""
    key = _KEYS.get(session.get_bind().url.render_as_string(hide_password=False))
    if key:
        return key
    if os.environ.get("AUDIT_KEY"):
        return os.environ["AUDIT_KEY"].encode("utf-8")
    if os.environ.get("APP_ENV", "development") in ("development", "testing"):
        return _DEV_FALLBACK_KEY
    raise RuntimeError("AUDIT_KEY is not configured for this database")


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or the system (CLI, scheduler)."""

    user_id: int | None
    label: str
    org_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The actor for CLI commands and automatic enforcement."""
        return cls(user_id=None, label=label, org_id=None)


def canonical(record: AuditRecord) -> str:
    """The canonical text hashed for a record (every field except the hash itself)."""
    body = {
        "id": record.id,
        "at": record.at.isoformat(timespec="microseconds"),
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "org_id": record.org_id,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "summary": record.summary,
        "prev_hash": record.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(record: AuditRecord, key: bytes) -> str:
    """HMAC-SHA-256 hex of the canonical form under the audit key."""
    return hmac.new(key, canonical(record).encode("utf-8"), hashlib.sha256).hexdigest()


def _summary_text(before: Any, after: Any) -> str:
    if before is None and after is None:
        return ""
    return json.dumps({"before": before, "after": after}, ensure_ascii=False, sort_keys=True, default=str)


def record_audit(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    before: Any = None,
    after: Any = None,
    org_id: int | None = None,
) -> AuditRecord:
    """Append one record inside the caller's transaction (the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    last = session.execute(
        select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
    ).first()
    record = AuditRecord(
        id=(last.id + 1) if last else 1,
        at=utcnow(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        org_id=org_id if org_id is not None else actor.org_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=_summary_text(before, after),
        prev_hash=last.hash if last else GENESIS,
    )
    record.hash = digest(record, audit_key(session))
    _checkpoint_if_due(session, record.at, appending=(record.prev_hash, 1, record.hash))  # as record_audits
    session.add(record)
    session.flush()
    return record


def record_audits(session: Session, *, actor: Actor, entries: list[dict]) -> int:
    """Append one record per entry in one INSERT (same chain and hashes as calling record_audit for each).

    Each entry holds record_audit's keywords: action, object_type, object_id, before, after, org_id. For a use
    case that changes many rows at once (a billing run): one record per changed row, without a flush each.
    """
    if not entries:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    session.flush()  # records added through the ORM come first in the chain
    last = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    key = audit_key(session)
    next_id, prev_hash, at = (last.id + 1) if last else 1, last.hash if last else GENESIS, utcnow()
    rows = []
    for entry in entries:
        org_id = entry.get("org_id")
        row = dict(
            id=next_id,
            at=at,
            actor_id=actor.user_id,
            actor_label=actor.label,
            org_id=org_id if org_id is not None else actor.org_id,
            action=entry["action"],
            object_type=entry["object_type"],
            object_id=str(entry.get("object_id", "")),
            summary=_summary_text(entry.get("before"), entry.get("after")),
            prev_hash=prev_hash,
        )
        row["hash"] = prev_hash = digest(SimpleNamespace(**row), key)  # canonical() reads attributes only
        rows.append(row)
        next_id += 1
    # before the rows go in: a daily checkpoint verifies the chain up to them and counts the rows hashed here
    _checkpoint_if_due(session, at, appending=(rows[0]["prev_hash"], len(rows), prev_hash))
    insert_rows(session, AuditRecord.__table__, rows)
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain verification."""

    count: int
    first_bad_id: int | None = None
    problem: str = ""
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session, *, batch: int = 5000, key: bytes | None = None,
                 start: tuple[int, str] = (0, GENESIS)) -> ChainReport:
    """Walk the trail in id order (after `start`: count, head hash); report the first bad link or keyed hash."""
    key = key or audit_key(session)
    (prev_id, prev_hash), count = start, start[0]
    while True:
        rows = session.execute(
            select(AuditRecord).where(AuditRecord.id > prev_id).order_by(AuditRecord.id).limit(batch)
            .execution_options(populate_existing=True)
        ).scalars().all()
        if not rows:
            return ChainReport(count=count, head_hash=prev_hash)
        for record in rows:
            if record.id != prev_id + 1:
                return ChainReport(count, prev_id + 1, f"记录 #{prev_id + 1} 缺失（被删除）")
            if record.prev_hash != prev_hash:
                return ChainReport(count, record.id, f"记录 #{record.id} 的前序哈希不匹配（顺序被改动或前一条被删改）")
            if not hmac.compare_digest(digest(record, key), record.hash):
                return ChainReport(count, record.id, f"记录 #{record.id} 的内容与哈希不符（被篡改）")
            prev_hash, prev_id, count = record.hash, record.id, count + 1


# --- checkpoints: the chain's length and head, signed, so a cut tail or a rewrite shows ---

CHECKPOINT_KIND = "pdx-audit-checkpoint"
CHECKPOINT_EVERY = timedelta(hours=24)


class CheckpointError(ValueError):
    """A checkpoint document is malformed or its signature does not fit the key."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint says: after `record_count` records the head hash was `head_hash`."""

    record_count: int
    head_hash: str
    at: str  # ISO 8601 UTC, part of what is signed
    signature: str = ""

    def payload(self) -> bytes:
        return f"{CHECKPOINT_KIND}|1|{self.record_count}|{self.head_hash}|{self.at}".encode()

    def signed(self, key: bytes) -> Checkpoint:
        return Checkpoint(self.record_count, self.head_hash, self.at,
                          hmac.new(key, self.payload(), hashlib.sha256).hexdigest())

    def is_signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).signature, self.signature)

    def document(self) -> dict:
        """The JSON form kept outside the database."""
        return {"kind": CHECKPOINT_KIND, "version": 1, "record_count": self.record_count,
                "head_hash": self.head_hash, "at": self.at, "signature": self.signature}

    @classmethod
    def from_document(cls, doc: Any) -> Checkpoint:
        """Parse a checkpoint document; CheckpointError when it is not one."""
        try:
            if doc["kind"] != CHECKPOINT_KIND or doc["version"] != 1:
                raise CheckpointError("not an audit checkpoint")
            count = doc["record_count"]
            if not isinstance(count, int) or count < 0:
                raise CheckpointError("record_count must be a non-negative integer")
            return cls(count, str(doc["head_hash"]), str(doc["at"]), str(doc["signature"]))
        except (KeyError, TypeError) as e:
            raise CheckpointError(f"checkpoint field missing or malformed: {e}") from None

    @classmethod
    def of_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(row.record_count, row.head_hash, _iso(row.at), row.signature)


def _iso(at) -> str:
    return at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def write_checkpoint(session: Session, *, written_by: str, incremental: bool = False,
                     appending: tuple[str, int, str] | None = None) -> AuditCheckpoint:
    """Sign the current length and head of a verified chain and keep it (flushes; the caller commits).

    incremental: verify only the records after the newest stored checkpoint signed with the key (the
    daily checkpoint runs inside a user's request and must not walk a long trail).
    appending: (prev hash, count, head hash) of records this transaction has hashed and is about to insert
    after the chain's head: signed as part of the chain without being read back and hashed again.
    """
    key, start = audit_key(session), (0, GENESIS)
    last = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar()
    if incremental and last is not None and Checkpoint.of_row(last).is_signed_by(key):
        start = (last.record_count, last.head_hash)
    report = verify_chain(session, key=key, start=start)
    if not report.ok:
        raise CheckpointError(f"the chain is broken at #{report.first_bad_id}: {report.problem}")
    if appending is not None:
        prev_hash, count, head_hash = appending
        if prev_hash != report.head_hash:
            raise CheckpointError(f"the records appended do not follow the chain's head #{report.count}")
        report = ChainReport(count=report.count + count, head_hash=head_hash)
    at = utcnow().replace(microsecond=0)
    cp = Checkpoint(report.count, report.head_hash, _iso(at)).signed(key)
    row = AuditCheckpoint(at=at, record_count=cp.record_count, head_hash=cp.head_hash, signature=cp.signature,
                          written_by=written_by)
    session.add(row)
    session.flush()
    return row


def _checkpoint_if_due(session: Session, now, *, appending: tuple[str, int, str]) -> None:
    """At least one checkpoint a day: the first record(s) after CHECKPOINT_EVERY write one, before they go in,
    over the verified chain and the records being appended (appending: their prev hash, count, head hash)."""
    last = session.execute(select(func.max(AuditCheckpoint.at))).scalar_one()
    if last is not None and now.replace(tzinfo=None) - last.replace(tzinfo=None) < CHECKPOINT_EVERY:
        return
    try:
        write_checkpoint(session, written_by="daily", incremental=True, appending=appending)
    except CheckpointError:
        logger.error("audit chain broken: daily checkpoint not written")  # verify-audit names the record


def check_against(session: Session, report: ChainReport, checkpoint: Checkpoint, key: bytes) -> ChainReport:
    """The report, or a failing one when the chain no longer holds what the checkpoint signed."""
    if not report.ok:
        return report
    if not checkpoint.is_signed_by(key):
        return ChainReport(report.count, 0, "检查点签名无效（不是用本交易所的审计密钥签发的，或已被改动）",
                           report.head_hash)
    if report.count < checkpoint.record_count:
        return ChainReport(report.count, report.count + 1,
                           f"审计记录只有 {report.count} 条，"
                           f"少于检查点签署的 {checkpoint.record_count} 条（末尾被截断）",
                           report.head_hash)
    if checkpoint.record_count:
        head = session.execute(select(AuditRecord.hash).where(AuditRecord.id == checkpoint.record_count)).scalar()
        if head != checkpoint.head_hash:
            return ChainReport(report.count, checkpoint.record_count,
                               f"记录 #{checkpoint.record_count} 的哈希与检查点不符（记录被改写）", report.head_hash)
    return report


def verify_audit(session: Session, *, checkpoints: tuple[Checkpoint, ...] = ()) -> ChainReport:
    """Verify the chain, then against the newest stored checkpoint and every checkpoint given (files)."""
    key = audit_key(session)
    report = verify_chain(session, key=key)
    stored = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar()
    for cp in ((Checkpoint.of_row(stored),) if stored else ()) + tuple(checkpoints):
        report = check_against(session, report, cp, key)
    return report


def rekey_legacy_chain(session: Session) -> int:
    """Re-hash a trail written before AUDIT_KEY (plain SHA-256) with the key, once it verified intact that way."""
    key = audit_key(session)
    if verify_chain(session, key=key).ok:
        return 0
    records = session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars().all()
    prev = GENESIS
    for record in records:  # the whole legacy chain must hold before anything is re-signed
        if record.prev_hash != prev or hashlib.sha256(canonical(record).encode("utf-8")).hexdigest() != record.hash:
            raise CheckpointError(f"record #{record.id} does not verify as a legacy chain either; nothing re-keyed")
        prev = record.hash
    prev = GENESIS
    for record in records:
        record.prev_hash = prev
        record.hash = prev = digest(record, key)
        session.flush()
    return len(records)
