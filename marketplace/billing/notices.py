"""Notifications of usage bills: issued (from the billing run) and overdue (from `flask notify-due`)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from marketplace.billing.overdue import overdue_bills
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.notifications import Notice, notify_all
from pricing import format_fen


def _notice(kind: str, bill: UsageBill) -> Notice:
    return Notice(kind, (bill.buyer_org_id,), {"number": bill.number, "amount": format_fen(bill.amount_fen),
                                                "due": bill.due_date.isoformat()},
                  subject_type="bill", subject_id=bill.number, dedupe_key=f"{kind}:{bill.id}")


def notify_bills_issued(session: Session, *, bills: list[UsageBill]) -> int:
    """Tell each buyer of a bill with something to pay that it was issued (one notice per bill)."""
    return notify_all(session, [_notice("bill_issued", b) for b in bills
                                    if b.status == BillStatus.ISSUED and b.amount_fen > 0])


def notify_overdue_bills(session: Session, *, today: date) -> int:
    """Tell buyers about unpaid bills past their due date, once per bill (a scan; repeating it writes nothing)."""
    return notify_all(session, [_notice("bill_overdue", b) for b in overdue_bills(session, today=today)])
