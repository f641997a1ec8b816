"""Demo disclosures: the central operator published last year's on time; the regional one has not (overdue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import SHANGHAI, now
from marketplace.clock import today as exchange_today
from marketplace.disclosure.publish import publish
from marketplace.models import Organization, Role, User

PUBLISHED = ("op_central",)  # op_regional is left unpublished so the authority's deadline view shows it


def _operator_actor(session: Session, org: Organization) -> Actor:
    user = (
        session.execute(select(User).where(User.org_id == org.id, User.role == Role.OPERATOR).order_by(User.id))
        .scalars()
        .first()
    )
    return Actor(user.id, user.email, org.id) if user else Actor.system("demo")


def load_disclosure_demo(session: Session, orgs: dict[str, Organization]) -> None:
    """Publish last year's disclosure for PUBLISHED, dated 20 March (or now, when the demo loads earlier)."""
    year = exchange_today().year - 1
    on_time = min(now(), datetime(year + 1, 3, 20, 10, tzinfo=SHANGHAI))
    for key in PUBLISHED:
        row = publish(
            session, actor=_operator_actor(session, orgs[key]), operator_id=orgs[key].id, year=year
        ).disclosure
        row.published_at = on_time
    session.flush()
