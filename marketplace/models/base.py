"""Shared column helpers: aware UTC timestamps, enums stored as their values."""

from datetime import datetime

import sqlalchemy as sa

from marketplace import clock


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (SQLModel stores aware datetimes)."""
    return clock.now()


def enum_type(enum_cls: type, length: int = 30) -> sa.Enum:
    """A VARCHAR holding the enum's value (no database enum type, so adding a value needs no migration)."""
    return sa.Enum(enum_cls, native_enum=False, create_constraint=False, length=length,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True)
