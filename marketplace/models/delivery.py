"""Delivery tables: deliverable files of package and report products, watermarked buyer copies."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


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


__all__ = ["Deliverable", "DeliveryCopy"]
