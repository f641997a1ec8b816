"""One clock: timestamps and Shanghai dates read it, and a test can set it."""

from datetime import UTC, date, datetime

from marketplace import clock
from marketplace.models.base import utcnow


def test_a_fixed_clock_sets_timestamps_and_the_shanghai_date():
    fixed = clock.FixedClock(datetime(2026, 3, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 April in Shanghai
    with clock.use_clock(fixed):
        assert utcnow() == datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 4, 1)
        fixed.advance(seconds=2)
        assert utcnow() == datetime(2026, 3, 31, 16, 30, 2, tzinfo=UTC)
    assert abs((utcnow() - datetime.now(UTC)).total_seconds()) < 5
