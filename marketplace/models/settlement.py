"""Settlement: periods, billed lines with their split (R8), double-entry ledger, statements (结算单)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


def _text(**kw):
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""), **kw)


def _fen():
    return Field(default=0, sa_type=BigInteger)


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # draft statements made
    CONFIRMED = "confirmed"  # locked: later usage and refunds go to the next open period


class SettlementPeriod(SQLModel, table=True):
    """A calendar month of settlement (Asia/Shanghai)."""

    __tablename__ = "settlement_period"
    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, unique=True)  # YYYY-MM
    status: PeriodStatus = Field(default=PeriodStatus.OPEN, sa_type=enum_type(PeriodStatus), index=True)
    closed_at: datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = None
    confirmed_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class LineSource(StrEnum):
    ORDER_LINE = "order_line"  # a paid order line (one-off, subscription, prepaid package, accepted offer)
    USAGE_BILL = "usage_bill"  # a month's usage bill
    REFUND = "refund"  # reverses the split of an earlier billed line exactly


class BilledLine(SQLModel, table=True):
    """One line taken into a period, with its split; `source_key` makes taking it in idempotent."""

    __tablename__ = "billed_line"
    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="settlement_period.id", index=True)
    source: LineSource = Field(sa_type=enum_type(LineSource))
    source_key: str = Field(max_length=80, unique=True)  # e.g. "order_line:12", "usage_bill:7", "refund:payment:3"
    order_line_id: int | None = Field(default=None, foreign_key="order_line.id", index=True)
    usage_bill_id: int | None = Field(default=None, foreign_key="usage_bill.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id")  # the refund payment
    # adjustment or refund: the billed line it adjusts
    adjusts_line_id: int | None = Field(default=None, foreign_key="billed_line.id")
    is_adjustment: bool = False  # belongs to an earlier, locked period
    occurred_on: date  # the day of the sale, bill or refund (Asia/Shanghai)
    product_id: int = Field(foreign_key="product.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    broker_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    authority_id: int = Field(foreign_key="organization.id", index=True)
    description: str = Field(default="", max_length=300)
    vat_rate_bps: int = 600
    platform_fee_bps: int = 0
    commission_bps: int = 0
    authority_share_bps: int = 0
    gross_fen: int = _fen()
    vat_fen: int = _fen()
    net_fen: int = _fen()
    platform_fen: int = _fen()
    broker_fen: int = _fen()
    authority_fen: int = _fen()
    operator_fen: int = _fen()
    created_at: datetime = Field(default_factory=utcnow)


class Account(StrEnum):
    """Ledger accounts; each posting names the account and, where it is per party, the organization."""

    CASH = "cash"  # the exchange's bank account
    RECEIVABLE = "receivable"  # owed by a buyer
    PAYABLE = "payable"  # owed to an operator, broker or authority
    PLATFORM_REVENUE = "platform_revenue"  # the exchange's platform fee
    VAT_PAYABLE = "vat_payable"  # VAT collected for the invoicing operator


class LedgerTransaction(SQLModel, table=True):
    """One balanced set of postings; `key` makes posting idempotent (e.g. "billed_line:12")."""

    __tablename__ = "ledger_transaction"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    period_id: int = Field(foreign_key="settlement_period.id", index=True)
    billed_line_id: int | None = Field(default=None, foreign_key="billed_line.id", index=True)
    statement_id: int | None = Field(default=None, foreign_key="statement.id", index=True)  # payouts
    memo: str = Field(default="", max_length=300)
    posted_at: datetime = Field(default_factory=utcnow)


class LedgerPosting(SQLModel, table=True):
    """One side of a transaction: debit positive, credit negative; a transaction's postings sum to zero."""

    __tablename__ = "ledger_posting"
    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transaction.id", index=True)
    account: Account = Field(sa_type=enum_type(Account), index=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    amount_fen: int = _fen()  # debit > 0, credit < 0


class PartyKind(StrEnum):
    OPERATOR = "operator"
    BROKER = "broker"
    AUTHORITY = "authority"
    EXCHANGE = "exchange"


class StatementStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PAID = "paid"


class Statement(SQLModel, table=True):
    """结算单: one party's lines and totals for one period."""

    __table_args__ = (UniqueConstraint("period_id", "party_kind", "party_org_id"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)  # e.g. JS202611-OP-91330000...
    period_id: int = Field(foreign_key="settlement_period.id", index=True)
    party_kind: PartyKind = Field(sa_type=enum_type(PartyKind))
    party_org_id: int = Field(foreign_key="organization.id", index=True)
    status: StatementStatus = Field(default=StatementStatus.DRAFT, sa_type=enum_type(StatementStatus), index=True)
    line_count: int = 0
    gross_fen: int = _fen()  # of the lines it shares in
    vat_fen: int = _fen()
    net_fen: int = _fen()
    total_fen: int = _fen()  # this party's share: what the exchange pays it (the exchange: its fee revenue)
    content_hash: str = Field(default="", max_length=64)  # SHA-256 of the canonical content, carried by exports
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    paid_at: datetime | None = None
    payout_reference: str | None = Field(default=None, max_length=120)
    payout_date: date | None = None


class StatementLine(SQLModel, table=True):
    """One billed line as it appears on one party's statement, with that party's share."""

    __tablename__ = "statement_line"
    __table_args__ = (UniqueConstraint("statement_id", "billed_line_id"),)
    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="statement.id", index=True)
    billed_line_id: int = Field(foreign_key="billed_line.id", index=True)
    share_fen: int = _fen()
    detail: str = _text()  # JSON of what the export prints for the line (product, buyer, order/bill number, ...)


__all__ = [
    "Account", "BilledLine", "LedgerPosting", "LedgerTransaction", "LineSource", "PartyKind", "PeriodStatus",
    "SettlementPeriod", "Statement", "StatementLine", "StatementStatus",
]
