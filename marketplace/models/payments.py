"""Card payments: each Stripe webhook event is acted on once (unique event id)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


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
