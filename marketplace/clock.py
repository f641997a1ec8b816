"""The exchange's one clock: aware UTC now, Shanghai dates, and a way for tests to set the time.

Every timestamp (`models.base.utcnow`) and every local date (`today`) reads `now()`, so a test can move
time with `use_clock(FixedClock(...))` instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _source()


def local_now() -> datetime:
    """Current time in Asia/Shanghai."""
    return now().astimezone(SHANGHAI)


def as_utc(moment: datetime) -> datetime:
    """A stored instant as aware UTC (stored instants are UTC; SQLite returns them without a zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def today() -> date:
    """Today's date at the exchange (Asia/Shanghai): terms, validity dates and usage days use it."""
    return local_now().date()


def previous_month() -> str:
    """The calendar month before today's (Asia/Shanghai), as YYYY-MM: the month that just ended."""
    day = today()
    return f"{day.year - 1}-12" if day.month == 1 else f"{day.year}-{day.month - 1:02d}"


class FixedClock:
    """A clock that stands still until a test moves it (`advance`)."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta's keywords (seconds=2, days=1)."""
        self.at += timedelta(**delta)
        return self.at


@contextmanager
def use_clock(source: Callable[[], datetime]) -> Iterator[Callable[[], datetime]]:
    """Read the time from `source` inside the block (tests only), the system clock after it."""
    global _source
    previous, _source = _source, source
    try:
        yield source
    finally:
        _source = previous
