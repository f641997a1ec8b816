"""Usage bills (账单): one buyer's postpaid charges for one entitlement and month, rated under the pinned plan."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow
from marketplace.models.commerce import PaymentMethod


class BillStatus(StrEnum):
    ISSUED = "issued"  # 待支付
    PAID = "paid"  # 已支付


def _text(**kw):
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""), **kw)


class UsageBill(SQLModel, table=True):
    """A month's billable calls of one postpaid entitlement; `sequence` > 1 bills usage that arrived late."""

    __tablename__ = "usage_bill"
    __table_args__ = (UniqueConstraint("entitlement_id", "period", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)  # e.g. ZD202611-000042
    period: str = Field(max_length=7, index=True)  # YYYY-MM (Asia/Shanghai calendar month of the calls)
    sequence: int = 1
    adjusts_bill_id: int | None = Field(default=None, foreign_key="usage_bill.id")  # late usage: the bill it tops up
    entitlement_id: int = Field(foreign_key="entitlement.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    plan_id: int = Field(foreign_key="price_plan.id")  # the pinned plan version it was rated under
    operator_id: int = Field(foreign_key="organization.id", index=True)
    broker_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    commission_bps: int = 0  # from the mandate of the sale (the entitlement's order line)
    calls: int = 0  # billable calls counted (R9)
    records: int = 0  # records returned (per-record plans)
    last_event_id: int = Field(default=0, sa_type=BigInteger)  # highest usage_event.id counted (late usage detection)
    amount_fen: int = Field(default=0, sa_type=BigInteger)  # tax-inclusive
    vat_fen: int = Field(default=0, sa_type=BigInteger)
    vat_rate_bps: int = 600
    lines: str = _text()  # JSON list of pricing.ChargeLine as {description, units, unit_price_fen, amount_fen}
    receipts: str = _text()  # JSON list of {day, calls, sha256} daily usage receipts the count came from
    status: BillStatus = Field(default=BillStatus.ISSUED, sa_type=enum_type(BillStatus), index=True)
    issued_at: datetime = Field(default_factory=utcnow)
    due_date: date
    payment_method: PaymentMethod | None = Field(default=None, sa_type=enum_type(PaymentMethod))
    bank_reference: str = Field(max_length=32, unique=True)  # 转账附言 for this bill
    payment_reference: str | None = Field(default=None, max_length=120, unique=True)  # bank serial / PaymentIntent
    stripe_payment_intent: str | None = Field(default=None, max_length=100, unique=True)
    paid_at: datetime | None = None


class UsageReceipt(SQLModel, table=True):
    """A sealed daily usage receipt: one entitlement's billable calls on one ended day (Asia/Shanghai).

    `sha256` is gateway.usage.receipt_digest over the day's billable request ids; calls, records and
    last_event_id are the live figures it was sealed with. While the live figures still equal them the receipt
    stands; a late event for the day changes them, and the day's receipt is computed and sealed again.
    No foreign keys: a receipt is derived from usage_event rows, which hold them, and sealing a month writes some
    30,000 receipts, whose 60,000 key checks would cost more than the rows themselves.
    """

    __tablename__ = "usage_receipt"
    __table_args__ = (UniqueConstraint("day", "entitlement_id"),)  # also serves a month's days in order
    id: int | None = Field(default=None, primary_key=True)
    day: str = Field(max_length=10)  # YYYY-MM-DD in Asia/Shanghai
    entitlement_id: int
    plan_id: int | None = None  # the calls' price plan version; None: calls under several versions
    calls: int = 0
    records: int = Field(default=0, sa_type=BigInteger)
    last_event_id: int = Field(default=0, sa_type=BigInteger)  # highest usage_event.id counted
    sha256: str = Field(max_length=64)
    sealed_at: datetime = Field(default_factory=utcnow)


class UsageSealMark(SQLModel, table=True):
    """How far the sealed receipts are known complete: every usage event with an id up to `through_event_id` is
    counted in the receipt of its day, when that day has receipts. One row (id 1); none before the first nightly
    seal (0). A late call for a sealed day therefore has a higher id, and billing looks for late calls only above
    the mark (a range of usage_event's primary key) instead of summing the whole month again.

    Only `seal-usage` raises it, after waiting for every transaction that may still insert an event with a lower id.
    """

    __tablename__ = "usage_seal_mark"
    id: int | None = Field(default=None, primary_key=True)
    through_event_id: int = Field(default=0, sa_type=BigInteger)
    marked_at: datetime = Field(default_factory=utcnow)


__all__ = ["BillStatus", "UsageBill", "UsageReceipt", "UsageSealMark"]
