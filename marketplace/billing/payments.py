"""Paying a usage bill: bank transfer recorded by finance, card through Stripe (webhook calls record_bill_paid)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.billing.errors import BillingError
from marketplace.billing.overdue import lift_if_paid
from marketplace.clock import today as today_local
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import PaymentMethod
from marketplace.models.base import utcnow
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.payments import Payment
from pricing import format_fen


def get_bill(session: Session, bill_id: int, *, lock: bool = False) -> UsageBill:
    """The bill or NotFound; `lock` takes a row lock on PostgreSQL."""
    query = select(UsageBill).where(UsageBill.id == bill_id)
    if lock:
        query = query.with_for_update()
    bill = session.execute(query).scalar_one_or_none()
    if bill is None:
        raise NotFound(N_("账单不存在"))
    return bill


def get_bill_by_number(session: Session, number: str, *, buyer_org_id: int | None = None) -> UsageBill:
    """The bill with this number; another buyer's bill answers NotFound."""
    bill = session.execute(select(UsageBill).where(UsageBill.number == number)).scalar_one_or_none()
    if bill is None or (buyer_org_id is not None and bill.buyer_org_id != buyer_org_id):
        raise NotFound(N_("账单不存在"))
    return bill


def _check_serial(serial: str) -> str:
    # Same rule and message as an order's receipt (orders.payments._check_external_id).
    text = (serial or "").strip()
    if not text or len(text) > 120:
        raise BillingError(N_("请填写银行流水号或支付单号（不超过 120 个字符）"), field="external_id")
    return text


def _serial_taken(session: Session, serial: str, bill_id: int) -> bool:
    """True when the serial already paid an order, or another bill (a bank serial is one transfer)."""
    if session.execute(select(Payment.id).where(Payment.external_id == serial)).first() is not None:
        return True
    other = session.execute(select(UsageBill.id).where(UsageBill.payment_reference == serial)).scalar()
    return other is not None and other != bill_id


def _check_payable(bill: UsageBill, amount_fen) -> None:
    if bill.status == BillStatus.PAID:
        raise Conflict(N_("账单 %(number)s 已支付，不能重复收款"), params={"number": bill.number})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen != bill.amount_fen:
        raise BillingError(N_("到账金额与账单应付金额 %(amount)s 不一致，不能确认收款"),
                           params={"amount": format_fen(bill.amount_fen)}, field="amount")


def record_bill_paid(
    session: Session, *, bill_id: int, amount_fen: int, serial: str, method: PaymentMethod, actor: Actor
) -> UsageBill:
    """Mark a bill paid once (the same serial again changes nothing), lift an overdue suspension; flushes."""
    serial = _check_serial(serial)
    bill = get_bill(session, bill_id, lock=True)
    if bill.status == BillStatus.PAID and bill.payment_reference == serial:
        return bill  # the same receipt again (double submit, webhook replay)
    if _serial_taken(session, serial, bill.id):
        raise Conflict(N_("该流水号已用于其他订单或账单"), field="external_id")
    _check_payable(bill, amount_fen)
    bill.status, bill.paid_at = BillStatus.PAID, utcnow()
    bill.payment_method, bill.payment_reference = PaymentMethod(method), serial
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="bill.pay",
        object_type="usage_bill",
        object_id=bill.id,
        org_id=bill.buyer_org_id,
        before={"status": BillStatus.ISSUED},
        after={
            "number": bill.number,
            "status": bill.status,
            "amount_fen": bill.amount_fen,
            "method": bill.payment_method,
            "reference": serial,
        },
    )
    lift_if_paid(session, bill=bill, today=today_local(), actor=actor)
    return bill


def record_bill_transfer(session: Session, *, bill_id: int, amount_fen: int, serial: str, actor: Actor) -> UsageBill:
    """Finance records a bank transfer for a bill: the amount must match, the serial be unused; flushes."""
    return record_bill_paid(
        session, bill_id=bill_id, amount_fen=amount_fen, serial=serial, method=PaymentMethod.BANK_TRANSFER, actor=actor
    )
