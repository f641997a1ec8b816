"""Writing notifications inside the caller's transaction: one call per event, flushed, never committed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from marketplace.clock import now
from marketplace.models import User
from marketplace.models.notifications import Notification, NotificationPreference
from marketplace.notifications.kinds import KINDS


@dataclass(frozen=True)
class Notice:
    """One event to tell the people of some organizations about."""

    kind: str
    org_ids: tuple[int, ...]
    params: dict = field(default_factory=dict)
    subject_type: str = ""
    subject_id: str | int = ""
    dedupe_key: str | None = None  # the same key twice writes once (threshold scans)


IN_CHUNK = 5000  # values per IN (...): SQLite allows 32766 parameters in one statement


def _chunks(values: Iterable) -> Iterable[list]:
    values = sorted(set(values))
    return (values[i:i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK))


def muted_categories(session: Session, user_ids: Iterable[int]) -> dict[int, set[str]]:
    """The categories each of these people turned off."""
    muted = {}
    for ids in _chunks(user_ids):
        for row in session.execute(select(NotificationPreference.user_id, NotificationPreference.muted)
                                   .where(NotificationPreference.user_id.in_(ids))):
            muted[row.user_id] = {c for c in row.muted.split(",") if c}
    return muted


def _people(session: Session, org_ids: set[int]) -> dict[int, list[int]]:
    """Active users by organization."""
    people: dict[int, list[int]] = {}
    for ids in _chunks(org_ids):
        for user_id, org_id in session.execute(select(User.id, User.org_id).where(
                User.org_id.in_(ids), User.active.is_(True)).order_by(User.id)).all():
            people.setdefault(org_id, []).append(user_id)
    return people


def _already_sent(session: Session, keys: set[str]) -> set[str]:
    return {key for chunk in _chunks(keys) for key in session.execute(
        select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))).scalars()}


def notify_all(session: Session, notices: Iterable[Notice]) -> int:
    """Write one notification per notice and person (skipping muted categories and keys already sent); the count."""
    notices = [n for n in notices if n.org_ids]
    for n in notices:
        if n.kind not in KINDS:
            raise ValueError(f"unknown notification kind {n.kind!r}")
    sent = _already_sent(session, {n.dedupe_key for n in notices if n.dedupe_key})
    people = _people(session, {org for n in notices for org in n.org_ids})
    muted = muted_categories(session, (u for users in people.values() for u in users))
    at, rows = now(), []
    for n in notices:
        if n.dedupe_key in sent:
            continue
        if n.dedupe_key:
            sent.add(n.dedupe_key)
        category = KINDS[n.kind].category.value
        params = json.dumps(n.params, ensure_ascii=False, sort_keys=True, default=str)
        for user_id in dict.fromkeys(u for org in n.org_ids for u in people.get(org, ())):
            if category not in muted.get(user_id, ()):
                rows.append(dict(user_id=user_id, category=category, kind=n.kind, params=params,
                                 subject_type=n.subject_type, subject_id=str(n.subject_id), dedupe_key=n.dedupe_key,
                                 created_at=at, read_at=None, email_state="pending", emailed_at=None))
    if not rows:
        return 0
    written = session.execute(_insert_new(session).returning(Notification.id), rows).scalars().all()
    session.flush()
    return len(written)


def _insert_new(session: Session):
    """INSERT that skips a row whose person already has its dedupe key (a concurrent scan wrote it first)."""
    table = Notification.__table__
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.dedupe_key])


def notify(session: Session, notice: Notice) -> int:
    """Write one event's notifications (see notify_all)."""
    return notify_all(session, [notice])
