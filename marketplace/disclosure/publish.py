"""Publishing a disclosure: a new frozen version when the content changed, none when it did not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.disclosure.snapshot import build_snapshot, canonical, content_hash
from marketplace.errors import DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Organization, OrgKind
from marketplace.models.disclosure import Disclosure

FIRST_YEAR = 2000  # years outside FIRST_YEAR..(this year) have nothing to disclose


class DisclosureError(DomainError):
    """A disclosure cannot be published (wrong year, not an operator)."""


@dataclass(frozen=True)
class Published:
    disclosure: Disclosure
    created: bool  # False: the content had not changed since the newest version


def disclosable_year(year: int) -> bool:
    """A year that has begun (the current one may be published early) and is not before the exchange."""
    return FIRST_YEAR <= year <= exchange_today().year


def operator_by_uscc(session: Session, uscc: str) -> Organization | None:
    org = session.execute(select(Organization).where(Organization.uscc == uscc)).scalar_one_or_none()
    return org if org is not None and org.kind == OrgKind.OPERATOR else None


def versions(session: Session, *, operator_id: int, year: int) -> list[Disclosure]:
    """Every published version, newest first."""
    return list(
        session.execute(
            select(Disclosure)
            .where(Disclosure.operator_id == operator_id, Disclosure.year == year)
            .order_by(Disclosure.version.desc())
        ).scalars()
    )


def draft(session: Session, *, operator: Organization, year: int) -> dict:
    """What publishing now would freeze: a past year's prices and caps as they stood on its last day, the running
    year's as they stand today."""
    return build_snapshot(session, operator=operator, year=year, on=min(exchange_today(), date(year, 12, 31)))


def publish(session: Session, *, actor: Actor, operator_id: int, year: int) -> Published:
    """Freeze the year's facts (see draft) as the next version for `year`; the newest version again when nothing
    changed."""
    operator = session.get(Organization, operator_id)
    if operator is None or operator.kind != OrgKind.OPERATOR:
        raise NotFound(N_("授权运营单位不存在"))
    if not disclosable_year(year):
        raise DisclosureError(N_("只能披露已开始的年度"), field="year")
    session.execute(select(Organization.id).where(Organization.id == operator_id).with_for_update())
    text = canonical(draft(session, operator=operator, year=year))
    digest = content_hash(text)
    existing = versions(session, operator_id=operator_id, year=year)
    if existing and existing[0].content_hash == digest:
        return Published(existing[0], created=False)
    number = (
        session.execute(
            select(func.max(Disclosure.version)).where(Disclosure.operator_id == operator_id, Disclosure.year == year)
        ).scalar()
        or 0
    ) + 1
    row = Disclosure(
        operator_id=operator_id,
        year=year,
        version=number,
        content=text,
        content_hash=digest,
        publisher_id=actor.user_id,
        publisher_label=actor.label,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="disclosure.publish",
        object_type="disclosure",
        object_id=row.id,
        after={"operator": operator.uscc, "year": year, "version": number, "content_hash": digest},
        org_id=operator_id,
    )
    return Published(row, created=True)


def content_of(row: Disclosure) -> dict:
    return json.loads(row.content)


def published_index(session: Session) -> dict[int, list[tuple[Organization, Disclosure]]]:
    """Per year (newest first): each operator that published, with its newest version."""
    rows = session.execute(
        select(Disclosure, Organization)
        .join(Organization, Organization.id == Disclosure.operator_id)
        .order_by(Disclosure.year.desc(), Organization.name, Disclosure.version.desc())
    ).all()
    out: dict[int, list[tuple[Organization, Disclosure]]] = {}
    seen: set[tuple[int, int]] = set()
    for disclosure, org in rows:
        if (disclosure.year, org.id) not in seen:
            seen.add((disclosure.year, org.id))
            out.setdefault(disclosure.year, []).append((org, disclosure))
    return out
