"""Supply side: authorization agreements, caps, broker qualifications and mandates, products and plans."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class ProductType(StrEnum):
    PACKAGE = "package"  # 数据包
    API = "api"  # 数据接口
    REPORT = "report"  # 数据报告
    MODEL = "model"  # 数据模型
    SERVICE = "service"  # 数据服务


class ProductStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    LISTED = "listed"
    DELISTED = "delisted"


class Openness(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件开放
    CONDITIONAL = "conditional"  # 有条件开放


class SecurityGrade(StrEnum):
    GENERAL = "general"  # 一般
    IMPORTANT = "important"  # 重要
    CORE = "core"  # 核心: never listed


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


def _text(**kw):
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""), **kw)


class Agreement(SQLModel, table=True):
    """授权运营协议 between an authority and an operator."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=200)
    authority_id: int = Field(foreign_key="organization.id", index=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    domains: str = _text()  # JSON list of domain codes (marketplace.catalog_terms.DOMAINS)
    scenarios: str = _text()  # use scenarios, free text
    start_date: date
    end_date: date
    allowed_return_bps: int = 800  # allowed rate of return on cost (R4)
    platform_fee_bps: int = 500
    authority_share_bps: int = 0
    operation_started: date | None = None  # start of the operator's operation (trial price eligibility)
    security_duties: str = _text()
    exit_terms: str = _text()
    status: AgreementStatus = Field(default=AgreementStatus.ACTIVE, sa_type=enum_type(AgreementStatus))
    status_reason: str = Field(default="", max_length=500)
    renewed_from_id: int | None = Field(default=None, foreign_key="agreement.id")
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class BrokerQualification(SQLModel, table=True):
    """A broker's qualification certificate, recorded by the exchange (R6)."""

    __tablename__ = "broker_qualification"
    id: int | None = Field(default=None, primary_key=True)
    broker_id: int = Field(foreign_key="organization.id", index=True)
    cert_no: str = Field(max_length=60, unique=True)
    issuer: str = Field(max_length=200)
    valid_from: date
    valid_to: date
    created_at: datetime = Field(default_factory=utcnow)


class MandateStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Mandate(SQLModel, table=True):
    """经纪委托: an operator lets a broker list and sell chosen products for a commission."""

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    broker_id: int = Field(foreign_key="organization.id", index=True)
    commission_bps: int
    start_date: date
    end_date: date
    status: MandateStatus = Field(default=MandateStatus.ACTIVE, sa_type=enum_type(MandateStatus))
    created_at: datetime = Field(default_factory=utcnow)


class MandateProduct(SQLModel, table=True):
    """One product covered by a mandate."""

    __tablename__ = "mandate_product"
    mandate_id: int = Field(foreign_key="mandate.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)


class Product(SQLModel, table=True):
    """A data product as listed; pending edits live in ProductRevision until approved."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    type: ProductType = Field(sa_type=enum_type(ProductType), index=True)
    status: ProductStatus = Field(default=ProductStatus.DRAFT, sa_type=enum_type(ProductStatus), index=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    broker_id: int | None = Field(default=None, foreign_key="organization.id", index=True)  # lister, if a broker
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=500)
    description_md: str = _text()
    domain: str = Field(max_length=40, index=True)
    region: str = Field(default="", max_length=60, index=True)
    openness: Openness = Field(default=Openness.UNCONDITIONAL, sa_type=enum_type(Openness))
    security_grade: SecurityGrade = Field(default=SecurityGrade.GENERAL, sa_type=enum_type(SecurityGrade))
    registration_code: str = Field(default="", max_length=80)
    update_frequency: str = Field(default="irregular", max_length=30)
    delivery_mode: str = Field(default="", max_length=60)  # how delivery is described to buyers
    offline_delivery: bool = False  # 线下/合同交付: the operator records each delivery, the buyer confirms it
    version_notes: str = _text()
    data_dictionary: str = _text()  # JSON list of {name, type, meaning, masked}
    sample_rows: str = _text()  # JSON list of objects
    search_words: str = _text()  # jieba-segmented title/summary/description, space-separated
    source_key: str = Field(default="", max_length=64, index=True)  # import identity (title + provider)
    popularity: int = 0  # paid orders, for "popular" sorting
    # lowest public price, for sorting and the price facet
    min_price_fen: int | None = Field(default=None, sa_type=BigInteger)
    charge_forms: str = Field(default="", max_length=300)  # " one_off per_call_flat " (active plans), for facets
    # why it is not on sale for reasons not read from dates at query time (supply.on_sale.stored_block); "" = none
    sale_block: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    listed_at: datetime | None = None


class ProductRevision(SQLModel, table=True):
    """A submitted version of a product's listing (content and plans as JSON) awaiting review."""

    __tablename__ = "product_revision"
    __table_args__ = (UniqueConstraint("product_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    number: int
    status: RevisionStatus = Field(default=RevisionStatus.DRAFT, sa_type=enum_type(RevisionStatus), index=True)
    content: str = _text()  # JSON: every editable product field plus "plans"
    checks: str = _text()  # JSON list of {code, ok, message} computed at submission
    author_id: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = None
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    reject_reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class PricePlan(SQLModel, table=True):
    """A price plan version; entitlements pin the version they were bought under."""

    __tablename__ = "price_plan"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    name: str = Field(max_length=100)
    charge_form: str = Field(max_length=30)  # pricing.ChargeForm value
    terms: str = _text()  # JSON of pricing.PlanTerms.to_dict()
    version: int = 1
    active: bool = True  # False once replaced by a newer version or withdrawn
    created_at: datetime = Field(default_factory=utcnow)


class CapPrice(SQLModel, table=True):
    """上限收费标准 for a product and charge form; a new row per change (versioned, never edited)."""

    __tablename__ = "cap_price"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    charge_form: str = Field(max_length=30)
    cap_fen: Decimal = Field(sa_column=Column(Numeric(20, 4), nullable=False))  # fen, may be sub-fen per unit
    trial: bool = False
    trial_expires: date | None = None
    set_by_id: int | None = Field(default=None, foreign_key="user.id")
    effective_from: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)


__all__ = [
    "Agreement", "AgreementStatus", "BrokerQualification", "CapPrice", "Mandate", "MandateProduct",
    "MandateStatus", "Openness", "PricePlan", "Product", "ProductRevision", "ProductStatus", "ProductType",
    "RevisionStatus", "SecurityGrade",
]
