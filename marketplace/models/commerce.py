"""Demand side core: orders and their lines, entitlements and API keys."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


class UseType(StrEnum):
    PUBLIC = "public"  # 公共治理、公益事业: free after approval (R1)
    INDUSTRY = "industry"  # 产业发展、行业发展: charged


class OrderStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"
    FREE = "free"


class InvoiceKind(StrEnum):
    SPECIAL = "special"  # 增值税专用发票
    NORMAL = "normal"  # 普通发票


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    status: OrderStatus = Field(sa_type=enum_type(OrderStatus), index=True)
    use_type: UseType = Field(sa_type=enum_type(UseType))
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    payment_method: PaymentMethod = Field(default=PaymentMethod.BANK_TRANSFER, sa_type=enum_type(PaymentMethod))
    bank_reference: str = Field(max_length=32, unique=True)  # 转账附言, unique per order
    total_fen: int = Field(default=0, sa_type=BigInteger)  # tax-inclusive
    vat_fen: int = Field(default=0, sa_type=BigInteger)
    vat_rate_bps: int = 600
    invoice_title: str = Field(default="", max_length=200)
    invoice_taxpayer_id: str = Field(default="", max_length=18)
    invoice_kind: InvoiceKind = Field(default=InvoiceKind.NORMAL, sa_type=enum_type(InvoiceKind))
    submit_token: str = Field(max_length=64, unique=True)  # makes a double submit create one order
    quote_offer_id: int | None = Field(default=None, index=True)
    stripe_payment_intent: str | None = Field(default=None, max_length=100, unique=True)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    closed_at: datetime | None = None  # cancelled or refunded


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    plan_id: int = Field(foreign_key="price_plan.id")
    operator_id: int = Field(foreign_key="organization.id", index=True)
    broker_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    commission_bps: int = 0  # from the broker's mandate at the time of sale (R6)
    title: str = Field(max_length=200)
    plan_name: str = Field(max_length=100)
    quantity: int = 1
    unit_price_fen: int = Field(default=0, sa_type=BigInteger)
    amount_fen: int = Field(default=0, sa_type=BigInteger)  # tax-inclusive line total
    vat_fen: int = Field(default=0, sa_type=BigInteger)


class EntitlementStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # term over, agreement ended (R5), refunded
    REVOKED = "revoked"


class Entitlement(SQLModel, table=True):
    """What a buyer may use: one product under one pinned plan version."""

    id: int | None = Field(default=None, primary_key=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    plan_id: int = Field(foreign_key="price_plan.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    use_type: UseType = Field(default=UseType.INDUSTRY, sa_type=enum_type(UseType))
    status: EntitlementStatus = Field(default=EntitlementStatus.ACTIVE, sa_type=enum_type(EntitlementStatus))
    source: str = Field(default="order", max_length=20)  # order, grant, public
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime | None = None  # subscriptions
    calls_total: int | None = None  # prepaid packages / granted trial calls; None = per plan
    # Number of the unpaid usage bill past its due date that suspends this entitlement's keys (402); None = not.
    # Set and cleared only by marketplace.billing.overdue; read by the gateway's key lookup.
    overdue_bill: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class ApiKeyStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class ApiKey(SQLModel, table=True):
    """An API key: only an HMAC of it is stored; the prefix identifies it on screen."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    entitlement_id: int = Field(foreign_key="entitlement.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    status: ApiKeyStatus = Field(default=ApiKeyStatus.ACTIVE, sa_type=enum_type(ApiKeyStatus))
    label: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    replaced_by_id: int | None = Field(default=None, foreign_key="api_key.id")
