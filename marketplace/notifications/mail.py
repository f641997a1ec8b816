"""E-mail for notifications: which are waiting, building the message, and sending it over SMTP (smtplib).

A notification is written with email_state "pending" in the event's transaction; `flask notify-due` sends the
pending ones when MAIL_SMTP_URL is set (sent or failed after), so an SMTP outage never rolls back the event.
Without SMTP they stay pending and the development outbox page shows them.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace.clock import now
from marketplace.models import User
from marketplace.models.notifications import Notification, NotificationPreference

MAX_ATTEMPT_BATCH = 200


@dataclass(frozen=True)
class SmtpSettings:
    """Where to send: smtp://user:pass@host:587?starttls=1, smtps://host:465, or smtp://localhost:25."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    ssl: bool = False
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse MAIL_SMTP_URL; ValueError when it is not an smtp:// or smtps:// URL with a host."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MAIL_SMTP_URL must look like smtp://user:password@host:587?starttls=1 or smtps://host")
        secure = parts.scheme == "smtps"
        starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        return cls(parts.hostname, parts.port or (465 if secure else 25), unquote(parts.username or ""),
                   unquote(parts.password or ""), secure, starttls)


@dataclass(frozen=True)
class Outgoing:
    """A notification's e-mail, rendered: to whom, in which language, the notification it carries."""

    notification: Notification
    to: str
    locale: str
    role: str  # the reader's role decides some links (an agreement opens differently for authority and operator)


def _mail_query():
    return (select(Notification, User.email, NotificationPreference.email_locale, User.role)
            .join(User, User.id == Notification.user_id)
            .outerjoin(NotificationPreference, NotificationPreference.user_id == Notification.user_id))


def _outgoing(rows) -> list[Outgoing]:
    return [Outgoing(n, email, locale or "zh_Hans", str(role.value if hasattr(role, "value") else role))
            for n, email, locale, role in rows]


def pending_mail(session: Session, *, limit: int = MAX_ATTEMPT_BATCH) -> list[Outgoing]:
    """Notifications whose e-mail is not sent yet, oldest first, with the address and language of each reader."""
    return _outgoing(session.execute(_mail_query().where(Notification.email_state == "pending")
                                     .order_by(Notification.id).limit(limit)).all())


def recent_mail(session: Session, *, limit: int = 50) -> list[Outgoing]:
    """The latest notifications' e-mails, whatever their state, newest first (the development outbox)."""
    return _outgoing(session.execute(_mail_query().order_by(Notification.id.desc()).limit(limit)).all())


def build_message(*, sender: str, to: str, subject: str, body: str, link: str = "") -> EmailMessage:
    """A plain-text UTF-8 e-mail (headers encoded as RFC 2047 where they are not ASCII)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    msg.set_content(body + (f"\n\n{link}\n" if link else "\n"))
    return msg


def send_messages(settings: SmtpSettings, messages: list[EmailMessage], *, timeout: float = 20) -> list[bool]:
    """Send over one SMTP connection; per message whether the server accepted it."""
    if not messages:
        return []
    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context) if settings.ssl
            else smtplib.SMTP(settings.host, settings.port, timeout=timeout))
    with smtp:
        if settings.starttls:
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password)
        results = []
        for msg in messages:
            try:
                smtp.send_message(msg)
                results.append(True)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                results.append(False)
        return results


def mark_emailed(session: Session, *, sent: list[int], failed: list[int]) -> None:
    """Record what the SMTP server accepted (sent) and refused (failed, not retried)."""
    for ids, state in ((sent, "sent"), (failed, "failed")):
        if ids:
            session.execute(update(Notification).where(Notification.id.in_(ids))
                            .values(email_state=state, emailed_at=now()))
    session.flush()
