"""Annual disclosure (信息披露, R10): published versions, frozen once written."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


class Disclosure(SQLModel, table=True):
    """One published version of an operator's disclosure for a year; never edited, a change is a new version."""

    __table_args__ = (UniqueConstraint("operator_id", "year", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    year: int = Field(index=True)
    version: int
    content: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # canonical JSON
    content_hash: str = Field(max_length=64)  # SHA-256 of content
    publisher_id: int | None = Field(default=None, foreign_key="user.id")
    publisher_label: str = Field(default="", max_length=254)
    published_at: datetime = Field(default_factory=utcnow)
