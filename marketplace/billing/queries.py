"""Read side of bills: the buyer's list with totals, a bill's lines and receipts, finance's list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session

from marketplace.models import Organization, Product
from marketplace.models.billing import BillStatus, UsageBill

FINANCE_FILTERS = ("unpaid", "overdue", "paid", "all")


@dataclass(frozen=True)
class BillRow:
    bill: UsageBill
    product: Product
    buyer: Organization

    def overdue(self, today: date) -> bool:
        return is_overdue(self.bill, today)


def is_overdue(bill: UsageBill, today: date) -> bool:
    """Unpaid, something to pay, and past its due date (the same rule as billing.overdue)."""
    return bill.status == BillStatus.ISSUED and bill.amount_fen > 0 and bill.due_date < today


@dataclass(frozen=True)
class Totals:
    paid_fen: int
    due_fen: int
    overdue_fen: int


def _rows(query) -> list[BillRow]:
    return [BillRow(b, p, o) for b, p, o in query]


def _base():
    return (
        select(UsageBill, Product, Organization)
        .join(Product, Product.id == UsageBill.product_id)
        .join(Organization, Organization.id == UsageBill.buyer_org_id)
    )


def buyer_bills(session: Session, *, buyer_org_id: int) -> list[BillRow]:
    """Every bill of a buyer, newest period first."""
    query = _base().where(UsageBill.buyer_org_id == buyer_org_id).order_by(UsageBill.period.desc(), UsageBill.id.desc())
    return _rows(session.execute(query))


def totals(rows: list[BillRow], today: date) -> Totals:
    """Paid, due (unpaid) and overdue sums of these bills."""
    paid = sum(r.bill.amount_fen for r in rows if r.bill.status == BillStatus.PAID)
    due = sum(r.bill.amount_fen for r in rows if r.bill.status == BillStatus.ISSUED)
    overdue = sum(r.bill.amount_fen for r in rows if r.overdue(today))
    return Totals(paid, due, overdue)


def finance_bills(session: Session, *, status: str, q: str, today: date) -> list[BillRow]:
    """Bills for finance: unpaid, overdue, paid or all; search by number, bank reference or buyer."""
    query = _base().order_by(UsageBill.due_date, UsageBill.id)
    if status in ("unpaid", "overdue"):
        query = query.where(UsageBill.status == BillStatus.ISSUED, UsageBill.amount_fen > 0)
    if status == "overdue":
        query = query.where(UsageBill.due_date < today)
    if status == "paid":
        query = query.where(UsageBill.status == BillStatus.PAID).order_by(None).order_by(UsageBill.id.desc())
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                UsageBill.number.ilike(like),
                UsageBill.bank_reference.ilike(like),
                Organization.name.ilike(like),
                Organization.uscc.ilike(like),
            )
        )
    return _rows(session.execute(query.limit(500)))


def bill_lines(bill: UsageBill) -> list[dict]:
    """The stored charge lines of a bill."""
    return json.loads(bill.lines or "[]")


def bill_receipts(bill: UsageBill) -> list[dict]:
    """The stored daily receipts ({day, calls, sha256}) the bill's count came from, oldest first."""
    return json.loads(bill.receipts or "[]")
