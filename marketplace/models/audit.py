"""The append-only, hash-chained audit trail (R11)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="", max_length=254)
    org_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=80, index=True)
    object_type: str = Field(max_length=60, index=True)
    object_id: str = Field(default="", max_length=80)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class AuditCheckpoint(SQLModel, table=True):
    """The trail's length and head hash at one moment, signed with AUDIT_KEY; copies leave the database."""

    __tablename__ = "audit_checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    record_count: int
    head_hash: str = Field(max_length=64)
    signature: str = Field(max_length=64)
    written_by: str = Field(default="", max_length=254)
