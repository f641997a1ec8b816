"""Money received and returned: payments and refunds on orders, and the Stripe events already handled."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow
from marketplace.models.commerce import PaymentMethod


class PaymentKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class Payment(SQLModel, table=True):
    """Money received for (or returned on) an order; the external id makes recording idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    kind: PaymentKind = Field(default=PaymentKind.PAYMENT, sa_type=enum_type(PaymentKind))
    method: PaymentMethod = Field(sa_type=enum_type(PaymentMethod))
    amount_fen: int  # negative for refunds
    external_id: str = Field(max_length=120, unique=True)  # bank serial, PaymentIntent id, refund id
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class StripeEvent(SQLModel, table=True):
    """A Stripe event already handled; a replay finds its row and changes nothing."""

    __tablename__ = "stripe_event"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=255, unique=True)
    type: str = Field(max_length=100)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    outcome: str = Field(max_length=40)  # paid, failed, refunded, ignored, rejected, ...
    detail: str = Field(default="", max_length=500)
    received_at: datetime = Field(default_factory=utcnow)
