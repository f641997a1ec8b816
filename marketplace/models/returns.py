"""Reasonable return (R4): an operator's cost and tax entries per year, and the year's report to the authority."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


class CostCategory(StrEnum):
    DATA_GOVERNANCE = "data_governance"  # 数据治理
    COMPUTE_STORAGE = "compute_storage"  # 算力与存储
    SECURITY = "security"  # 安全保障
    LABOUR = "labour"  # 人工
    PLATFORM_FEES = "platform_fees"  # 平台服务费
    OTHER = "other"  # 其他
    TAXES = "taxes"  # 税费: not a cost, earns no allowed profit


class CostEntry(SQLModel, table=True):
    """One cost (or tax) entry of an operator's year; never edited: a correction is a new entry that names it."""

    __tablename__ = "cost_entry"
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    year: int = Field(index=True)
    category: CostCategory = Field(sa_type=enum_type(CostCategory))
    amount_fen: int = Field(sa_type=BigInteger)  # negative only in a correction
    spent_on: date
    note: str = Field(max_length=500)
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)  # attributed to one product
    corrects_id: int | None = Field(default=None, foreign_key="cost_entry.id", index=True)
    entered_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ReturnReport(SQLModel, table=True):
    """A submitted reasonable-return report: the frozen figures of one operator's year, reviewed by the authority."""

    __tablename__ = "return_report"
    __table_args__ = (UniqueConstraint("operator_id", "year", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="organization.id", index=True)
    authority_id: int = Field(foreign_key="organization.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id")
    year: int = Field(index=True)
    version: int = 1  # a returned report is resubmitted as the next version
    status: ReportStatus = Field(default=ReportStatus.SUBMITTED, sa_type=enum_type(ReportStatus), index=True)
    snapshot: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # canonical JSON
    content_hash: str = Field(max_length=64)  # SHA-256 of snapshot
    allowed_fen: int = Field(default=0, sa_type=BigInteger)
    actual_fen: int = Field(default=0, sa_type=BigInteger)
    excess_fen: int = Field(default=0, sa_type=BigInteger)  # carried into next year
    submitted_at: datetime = Field(default_factory=utcnow)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    return_reason: str = Field(default="", max_length=1000)


__all__ = ["CostCategory", "CostEntry", "ReportStatus", "ReturnReport"]
