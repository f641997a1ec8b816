"""Login throttling by e-mail and client address together, with delays that grow with each failure.

Three counters over the last LOGIN_WINDOW decide how long a login attempt must wait:
- this e-mail from this address (a guesser at one account): the first FREE_PAIR failures are free;
- this address over every e-mail (one host trying many accounts): FREE_IP free;
- this e-mail from every address (many hosts against one account): FREE_EMAIL free, and it never slows
  an address the user has signed in from before, so a stranger cannot lock the owner out.
Each failure past the free ones doubles the wait, up to MAX_DELAY.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.models import LoginFailure

LOGIN_WINDOW = timedelta(minutes=15)
FREE_PAIR, FREE_IP, FREE_EMAIL = 3, 10, 5
MAX_DELAY = 15 * 60  # seconds
LOCK_AUDIT_AT = FREE_PAIR  # the failure after which this e-mail from this address must wait: auth.login_locked


def backoff(failures: int, free: int) -> int:
    """Seconds to wait after `failures` recent failures when the first `free` cost nothing."""
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), MAX_DELAY)


def _recent(session: Session, now: datetime, *conditions) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at >= now - LOGIN_WINDOW, *conditions)
    ).one()
    return row[0], row[1]


def _wait(count: int, last: datetime | None, free: int, now: datetime) -> int:
    if last is None:
        return 0
    if last.tzinfo is None and now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    return max(0, backoff(count, free) - int((now - last).total_seconds()))


def pair_failures(session: Session, *, email: str, ip: str, now: datetime) -> int:
    """Recent failures of this e-mail from this address."""
    return _recent(session, now, LoginFailure.email == email, LoginFailure.ip == ip)[0]


def login_wait(session: Session, *, email: str, ip: str, known_address: bool, now: datetime) -> int:
    """Seconds this attempt must still wait (0: it may be checked now)."""
    waits = [
        _wait(*_recent(session, now, LoginFailure.email == email, LoginFailure.ip == ip), FREE_PAIR, now),
        _wait(*_recent(session, now, LoginFailure.ip == ip), FREE_IP, now),
    ]
    if not known_address:
        waits.append(_wait(*_recent(session, now, LoginFailure.email == email), FREE_EMAIL, now))
    return max(waits)


def record_failure(session: Session, *, email: str, ip: str, now: datetime) -> int:
    """Store one failure; returns the failures of this e-mail from this address, this one included."""
    session.add(LoginFailure(email=email[:254], ip=(ip or "")[:64], at=now))
    session.flush()
    return pair_failures(session, email=email, ip=ip, now=now)
