"""Delivery tables: deliverable files of package and report products, watermarked buyer copies,
and offline (contract) deliveries recorded by the operator and confirmed by the buyer."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


class Deliverable(SQLModel, table=True):
    """A file an operator attached to a package or report product (the master copy, never served as is)."""

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    filename: str = Field(max_length=200)
    stored_name: str = Field(max_length=200)  # under the delivery directory
    media_type: str = Field(max_length=100)
    size: int = 0
    sha256: str = Field(max_length=64)
    active: bool = True
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryCopy(SQLModel, table=True):
    """One buyer-specific watermarked copy of a deliverable; its fingerprint traces a leak to the order."""

    __tablename__ = "delivery_copy"
    __table_args__ = (UniqueConstraint("order_line_id", "deliverable_id"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_line.id", index=True)
    deliverable_id: int = Field(foreign_key="deliverable.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    fingerprint: str = Field(max_length=32, unique=True)
    sha256: str = Field(max_length=64, index=True)
    stored_name: str = Field(max_length=200)
    size: int = 0
    downloads_allowed: int = 5
    downloads_used: int = 0
    expires_at: datetime
    last_download_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class OfflineDeliveryStatus(StrEnum):
    RECORDED = "recorded"  # the operator says it delivered; the buyer has not confirmed yet
    CONFIRMED = "confirmed"  # the buyer confirmed receipt


class OfflineDelivery(SQLModel, table=True):
    """线下/合同交付 of one order line: what the operator handed over, and the buyer's confirmation."""

    __tablename__ = "offline_delivery"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int = Field(foreign_key="order_line.id", unique=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    status: OfflineDeliveryStatus = Field(default=OfflineDeliveryStatus.RECORDED,
                                          sa_type=enum_type(OfflineDeliveryStatus))
    method: str = Field(max_length=100)  # e.g. 加密硬盘交付, 专线传输, 现场部署
    reference: str = Field(default="", max_length=100)  # contract or handover number
    note: str = Field(default="", max_length=1000)
    delivered_on: date
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    confirmed_by_id: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = None


__all__ = ["Deliverable", "DeliveryCopy", "OfflineDelivery", "OfflineDeliveryStatus"]
