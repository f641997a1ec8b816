"""Demo disclosures: the central operator has published last year's disclosure; the regional one has not.

Published when the demo loads (its prices and caps are today's), so after 31 March it shows as published late.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
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
    """Publish last year's disclosure of each operator in PUBLISHED."""
    year = exchange_today().year - 1
    for key in PUBLISHED:
        publish(session, actor=_operator_actor(session, orgs[key]), operator_id=orgs[key].id, year=year)
    session.flush()
