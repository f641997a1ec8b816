"""Settlement periods: month parsing (Asia/Shanghai), the locked period row, the exchange's own organization."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Organization, OrgKind
from marketplace.models.base import utcnow
from marketplace.models.settlement import PeriodStatus, SettlementPeriod

SHANGHAI = ZoneInfo("Asia/Shanghai")
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class SettlementError(DomainError):
    """A settlement rule was broken (bad period, wrong state, missing party)."""


class SettlementConflict(Conflict):
    """The period or statement is in a state that forbids the step."""


def parse_period(text: str) -> str:
    """Check a period text "YYYY-MM" and return it; SettlementError otherwise."""
    value = (text or "").strip()
    match = _PERIOD_RE.match(value)
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise SettlementError(N_("结算期间格式应为 YYYY-MM，例如 2026-11"), field="period")
    return value


def month_start(period: str) -> date:
    """First day of the period."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1)


def next_period(period: str) -> str:
    """The month after `period`."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of the Shanghai calendar month as aware UTC datetimes."""
    start = datetime.combine(month_start(period), datetime.min.time(), SHANGHAI)
    end = datetime.combine(month_start(next_period(period)), datetime.min.time(), SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_date(at: datetime) -> date:
    """The Shanghai date of an instant (naive values are UTC, as SQLite may return them)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SHANGHAI).date()


def period_of(day: date) -> str:
    """The period a Shanghai date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def get_period(session: Session, period: str) -> SettlementPeriod:
    """The period row or NotFound."""
    row = session.execute(select(SettlementPeriod).where(SettlementPeriod.period == period)).scalar_one_or_none()
    if row is None:
        raise NotFound(N_("结算期间不存在"))
    return row


def lock_period(session: Session, period: str) -> SettlementPeriod:
    """Create the period row if needed and lock it: concurrent closes of one period run one after the other.

    PostgreSQL: INSERT … ON CONFLICT DO NOTHING, then SELECT … FOR UPDATE. SQLite: every transaction already
    holds the write lock from BEGIN IMMEDIATE (marketplace.db), so the second closer waits at its BEGIN.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SettlementPeriod.__table__)
        .values(period=period, status=PeriodStatus.OPEN.value, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["period"])
    )
    query = select(SettlementPeriod).where(SettlementPeriod.period == period).with_for_update()
    row = session.execute(query.execution_options(populate_existing=True)).scalar_one()
    return row


def confirmed_periods(session: Session) -> set[str]:
    """Periods already locked by confirmation."""
    query = select(SettlementPeriod.period).where(SettlementPeriod.status == PeriodStatus.CONFIRMED)
    return set(session.execute(query).scalars())


def exchange_org(session: Session) -> Organization:
    """The exchange's own organization (its statement and platform revenue account)."""
    query = select(Organization).where(Organization.kind == OrgKind.EXCHANGE).order_by(Organization.id).limit(1)
    org = session.execute(query).scalar_one_or_none()
    if org is None:
        raise SettlementError(N_("系统中没有交易所组织，无法生成交易所结算单"))
    return org
