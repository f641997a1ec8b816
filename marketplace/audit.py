"""Append to and verify the hash-chained audit trail (R11).

Each record's hash is SHA-256 over a canonical JSON form of its fields and the previous
record's hash, so editing, deleting or reordering any record breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from marketplace.models import AuditRecord
from marketplace.models.base import utcnow

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 7_301_001  # advisory lock id that serializes appends on PostgreSQL


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


def digest(record: AuditRecord) -> str:
    """SHA-256 hex of the canonical form."""
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


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
    record.hash = digest(record)
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain verification."""

    count: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the trail in id order; report the first record whose link or hash is wrong."""
    prev_hash, prev_id, count = GENESIS, 0, 0
    while True:
        rows = session.execute(
            select(AuditRecord).where(AuditRecord.id > prev_id).order_by(AuditRecord.id).limit(batch)
            .execution_options(populate_existing=True)
        ).scalars().all()
        if not rows:
            return ChainReport(count=count)
        for record in rows:
            if record.id != prev_id + 1:
                return ChainReport(count, prev_id + 1, f"记录 #{prev_id + 1} 缺失（被删除）")
            if record.prev_hash != prev_hash:
                return ChainReport(count, record.id, f"记录 #{record.id} 的前序哈希不匹配（顺序被改动或前一条被删改）")
            if digest(record) != record.hash:
                return ChainReport(count, record.id, f"记录 #{record.id} 的内容与哈希不符（被篡改）")
            prev_hash, prev_id, count = record.hash, record.id, count + 1
