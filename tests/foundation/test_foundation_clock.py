"""One clock: timestamps and Shanghai dates read it, and a test can set it."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

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


def test_no_module_reads_the_system_clock_but_the_clock():
    """datetime.now()/date.today() anywhere but marketplace/clock.py would escape FixedClock in tests."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.localtime)\(")
    found = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("marketplace", "pricing")
        for path in (root / folder).rglob("*.py")
        if path.name != "clock.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
