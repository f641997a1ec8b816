"""The annual deadline (end of March for the previous year) and each operator's standing against it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session

from marketplace.clock import SHANGHAI
from marketplace.disclosure.publish import versions
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, Organization
from marketplace.models.disclosure import Disclosure


class Standing(StrEnum):
    PUBLISHED = "published"
    LATE = "late"  # published after the deadline
    DUE = "due"  # not published, deadline not passed
    OVERDUE = "overdue"  # not published, deadline passed


STANDING_LABELS = {
    Standing.PUBLISHED: N_("已按期披露"),
    Standing.LATE: N_("逾期披露"),
    Standing.DUE: N_("未披露"),
    Standing.OVERDUE: N_("逾期未披露"),
}


def deadline(year: int) -> date:
    """The last day to publish the disclosure of `year`: 31 March of the next year (Asia/Shanghai)."""
    return date(year + 1, 3, 31)


def local_day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class OperatorStanding:
    operator: Organization
    standing: Standing
    first: Disclosure | None  # the first version (it decides whether it was on time)
    newest: Disclosure | None
    days: int  # days left (DUE), days overdue (OVERDUE, LATE: days late), 0 when on time

    @property
    def label(self) -> str:
        return STANDING_LABELS[self.standing]


def standing(operator: Organization, rows: list[Disclosure], *, year: int, today: date) -> OperatorStanding:
    """Where one operator stands for `year` on `today`, given its versions (newest first)."""
    last_day = deadline(year)
    if rows:
        first, newest = rows[-1], rows[0]
        late = (local_day(first.published_at) - last_day).days
        state = Standing.LATE if late > 0 else Standing.PUBLISHED
        return OperatorStanding(operator, state, first, newest, max(late, 0))
    left = (last_day - today).days
    if left >= 0:
        return OperatorStanding(operator, Standing.DUE, None, None, left)
    return OperatorStanding(operator, Standing.OVERDUE, None, None, -left)


def authority_operators(session: Session, authority_id: int, year: int) -> list[Organization]:
    """Operators holding an agreement from this authority that ran during `year`, by name."""
    ids = select(Agreement.operator_id).where(
        Agreement.authority_id == authority_id,
        Agreement.start_date <= date(year, 12, 31),
        Agreement.end_date >= date(year, 1, 1),
    )
    return list(
        session.execute(
            select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name, Organization.id)
        ).scalars()
    )


def deadline_view(session: Session, *, authority_id: int, year: int, today: date) -> list[OperatorStanding]:
    """The authority's operators for `year` and where each stands against the deadline."""
    return [
        standing(op, versions(session, operator_id=op.id, year=year), year=year, today=today)
        for op in authority_operators(session, authority_id, year)
    ]
