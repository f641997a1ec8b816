"""In-app notifications (and the e-mail each may carry) and who turned which category off."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


class Notification(SQLModel, table=True):
    """One message to one person, stored as a message key and its parameters (rendered in the reader's language).

    `subject_type`/`subject_id` name what it is about (the web layer turns them into a link); `dedupe_key` makes
    a scan that finds the same condition again (a quota at 80 %, an agreement 30 days from its end) write nothing.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_dedupe", "dedupe_key"),
        # One notice per person and key even when two scans run at once (NULL keys never clash).
        Index("uq_notification_user_dedupe", "user_id", "dedupe_key", unique=True),
        Index("ix_notification_email_state", "email_state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    category: str = Field(max_length=20)
    kind: str = Field(max_length=40)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))  # JSON object
    subject_type: str = Field(default="", max_length=20)
    subject_id: str = Field(default="", max_length=40)
    dedupe_key: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    email_state: str = Field(default="pending", max_length=10)  # pending, sent, failed; skipped (demo history)
    emailed_at: datetime | None = None


class NotificationPreference(SQLModel, table=True):
    """A person's notification settings: the categories turned off (comma-separated) and the e-mail language."""

    __tablename__ = "notification_preference"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    muted: str = Field(default="", max_length=200)
    email_locale: str = Field(default="zh_Hans", max_length=10)
    updated_at: datetime = Field(default_factory=utcnow)


__all__ = ["Notification", "NotificationPreference"]
