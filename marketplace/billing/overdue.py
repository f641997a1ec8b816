"""Overdue bills suspend the keys of their entitlement (402 bill_overdue); paying lifts it.

The gateway reads `Entitlement.overdue_bill` in the key lookup it already makes (no per-call query), so the
suspension takes effect within the key cache's lifetime (GATEWAY_CACHE_TTL, 5 s by default).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.models import Entitlement
from marketplace.models.billing import BillStatus, UsageBill


def overdue_bills(session: Session, *, today: date, entitlement_id: int | None = None) -> list[UsageBill]:
    """Unpaid bills with something to pay whose due date has passed, oldest first."""
    query = (
        select(UsageBill)
        .where(UsageBill.status == BillStatus.ISSUED, UsageBill.amount_fen > 0, UsageBill.due_date < today)
        .order_by(UsageBill.due_date, UsageBill.id)
    )
    if entitlement_id is not None:
        query = query.where(UsageBill.entitlement_id == entitlement_id)
    return list(session.execute(query).scalars())


def _set(session: Session, *, actor: Actor, ent: Entitlement, number: str | None, action: str) -> None:
    before = ent.overdue_bill
    ent.overdue_bill = number
    record_audit(
        session,
        actor=actor,
        action=action,
        object_type="entitlement",
        object_id=ent.id,
        org_id=ent.buyer_org_id,
        before={"overdue_bill": before},
        after={"overdue_bill": number},
    )


def suspend_overdue(session: Session, *, today: date, actor: Actor) -> list[Entitlement]:
    """Suspend every entitlement with an overdue bill that is not suspended yet; returns those suspended now."""
    suspended = []
    for bill in overdue_bills(session, today=today):
        ent = session.get(Entitlement, bill.entitlement_id)
        if ent.overdue_bill is None:
            _set(session, actor=actor, ent=ent, number=bill.number, action="entitlement.suspend_overdue")
            suspended.append(ent)
    session.flush()
    return suspended


def lift_if_paid(session: Session, *, bill: UsageBill, today: date, actor: Actor) -> None:
    """After `bill` was paid: lift its entitlement's suspension, or move it to the next overdue bill."""
    ent = session.get(Entitlement, bill.entitlement_id)
    if ent.overdue_bill is None:
        return
    still = overdue_bills(session, today=today, entitlement_id=ent.id)
    number = still[0].number if still else None
    if number != ent.overdue_bill:
        _set(
            session,
            actor=actor,
            ent=ent,
            number=number,
            action="entitlement.resume_overdue" if number is None else "entitlement.suspend_overdue",
        )
    session.flush()
