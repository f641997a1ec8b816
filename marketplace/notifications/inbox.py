"""A person's notifications: the unread count, the list, marking read, and which categories they turned off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import now
from marketplace.errors import DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models.notifications import Notification, NotificationPreference
from marketplace.notifications.kinds import Category

EMAIL_LOCALES = ("zh_Hans", "en")


def unread_count(session: Session, *, user_id: int) -> int:
    """How many of the person's notifications are unread (the bell's number)."""
    return session.execute(select(func.count()).select_from(Notification)
                           .where(Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


@dataclass(frozen=True)
class Page:
    """One page of a person's notifications, newest first."""

    items: list[Notification]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_notifications(session: Session, *, user_id: int, unread_only: bool = False, page: int = 1,
                       per_page: int = 20) -> Page:
    """The person's notifications, newest first, `per_page` at a time."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = session.execute(select(func.count()).select_from(Notification).where(*where)).scalar_one()
    items = session.execute(select(Notification).where(*where).order_by(Notification.id.desc())
                            .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return Page(list(items), total, page, per_page)


def mark_read(session: Session, *, user_id: int, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (again is a no-op); NotFound for anyone else's."""
    n = session.get(Notification, notification_id)
    if n is None or n.user_id != user_id:
        raise NotFound(N_("通知不存在"))
    if n.read_at is None:
        n.read_at = now()
        session.flush()
    return n


def mark_all_read(session: Session, *, user_id: int) -> int:
    """Mark every unread notification of the person read; how many were."""
    result = session.execute(update(Notification).where(Notification.user_id == user_id,
                                                        Notification.read_at.is_(None)).values(read_at=now()))
    session.flush()
    return result.rowcount


@dataclass(frozen=True)
class Preferences:
    """What a person receives: categories turned off, and the language of their e-mails."""

    muted: frozenset[str]
    email_locale: str = "zh_Hans"


def preferences(session: Session, *, user_id: int) -> Preferences:
    """The person's settings (everything on, Chinese e-mail, until they change it)."""
    row = session.get(NotificationPreference, user_id)
    if row is None:
        return Preferences(frozenset())
    return Preferences(frozenset(c for c in row.muted.split(",") if c), row.email_locale)


def save_preferences(session: Session, *, actor: Actor, muted: set[str], email_locale: str) -> Preferences:
    """Turn categories off (the rest on) and choose the e-mail language for the actor."""
    unknown = set(muted) - {c.value for c in Category}
    if unknown:
        raise DomainError(N_("未知的通知类别"), field="muted")
    if email_locale not in EMAIL_LOCALES:
        raise DomainError(N_("请选择邮件语言"), field="email_locale")
    before = preferences(session, user_id=actor.user_id)
    row = session.get(NotificationPreference, actor.user_id) or NotificationPreference(user_id=actor.user_id)
    row.muted = ",".join(sorted(muted))
    row.email_locale, row.updated_at = email_locale, now()
    session.add(row)
    session.flush()
    record_audit(session, actor=actor, action="notification.preferences", object_type="user",
                 object_id=actor.user_id, before={"muted": sorted(before.muted), "email_locale": before.email_locale},
                 after={"muted": sorted(muted), "email_locale": email_locale})
    return preferences(session, user_id=actor.user_id)
