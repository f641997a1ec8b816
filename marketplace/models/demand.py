"""Demand side before checkout: access applications for conditional products, quote requests and offers."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow
from marketplace.models.commerce import UseType


def _text(**kw):
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""), **kw)


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class AccessApplication(SQLModel, table=True):
    """A buyer's request to use a conditional (有条件开放) product; the operator decides."""

    __tablename__ = "access_application"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    use_type: UseType = Field(sa_type=enum_type(UseType))
    purpose: str = _text()
    scenario: str = _text()  # intended scenario (应用场景)
    status: ApplicationStatus = Field(default=ApplicationStatus.PENDING, sa_type=enum_type(ApplicationStatus),
                                      index=True)
    # Set while pending ("<buyer>:<product>"), cleared on decision: a unique index keeps one pending per pair.
    pending_key: str | None = Field(default=None, max_length=40, unique=True)
    decision_reason: str = Field(default="", max_length=1000)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class QuoteStatus(StrEnum):
    OPEN = "open"  # waiting for an offer
    OFFERED = "offered"  # an offer is out
    ACCEPTED = "accepted"
    DECLINED = "declined"  # buyer declined the offer
    CLOSED = "closed"  # seller or buyer closed it without a deal


class QuoteRequest(SQLModel, table=True):
    """询价: a buyer asks for a price (negotiated listings, custom volumes)."""

    __tablename__ = "quote_request"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    buyer_org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    seller_org_id: int = Field(foreign_key="organization.id", index=True)  # broker with a mandate, or operator
    volume: str = Field(default="", max_length=200)  # e.g. "每月 50 万次"
    period: str = Field(default="", max_length=100)  # e.g. "12 个月"
    use_type: UseType = Field(sa_type=enum_type(UseType))
    message: str = _text()
    status: QuoteStatus = Field(default=QuoteStatus.OPEN, sa_type=enum_type(QuoteStatus), index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class OfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # replaced by a newer offer


class QuoteOffer(SQLModel, table=True):
    """报价: a private offer answering a quote request; accepting it places an order at its price."""

    __tablename__ = "quote_offer"
    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote_request.id", index=True)
    seller_org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    price_fen: int  # tax-inclusive total of the offer
    charge_form: str = Field(max_length=30)
    terms: str = _text()  # JSON of pricing.PlanTerms.to_dict()
    plan_id: int | None = Field(default=None, foreign_key="price_plan.id")  # private plan version (active=False)
    valid_until: date
    note: str = Field(default="", max_length=1000)
    status: OfferStatus = Field(default=OfferStatus.OPEN, sa_type=enum_type(OfferStatus), index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class QuoteMessage(SQLModel, table=True):
    """One message in a quote's thread, seen by both sides."""

    __tablename__ = "quote_message"
    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote_request.id", index=True)
    author_org_id: int = Field(foreign_key="organization.id")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = _text()
    created_at: datetime = Field(default_factory=utcnow)


__all__ = [
    "AccessApplication", "ApplicationStatus", "OfferStatus", "QuoteMessage", "QuoteOffer", "QuoteRequest",
    "QuoteStatus",
]
