"""Metered API gateway: dataset definitions and rows, per-call usage events, quota counters."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from marketplace.models.base import utcnow


def _text(**kw):
    return Field(default="", sa_column=Column(Text, nullable=False, server_default=""), **kw)


class MaskRule(StrEnum):
    """脱敏规则 of one returned field."""

    NONE = "none"  # returned as stored
    KEEP = "keep"  # keep first/last N characters, star the rest
    HASH = "hash"  # salted SHA-256 token
    YEAR = "year"  # a date reduced to its year
    RANGE = "range"  # a number reduced to its bucket, e.g. 1000-2000


class ApiDataset(SQLModel, table=True):
    """How an API product answers: query parameters, returned fields with masking, or a match result (核验)."""

    __tablename__ = "api_dataset"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", unique=True)
    key_fields: str = _text()  # JSON list of column names looked up (the required query parameters)
    match_fields: str = _text()  # JSON list of further parameters compared (verification products)
    returned_fields: str = _text()  # JSON list of {name, rule, first, last, step} returned (lookup products)
    verification: bool = False  # 核验: answer match / no match only, never the stored values
    unique_key: bool = True  # one row per key: "data" is an object, else a list
    salt: str = Field(default="", max_length=32)  # per-dataset salt of hashed fields
    row_count: int = 0
    source_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DatasetRow(SQLModel, table=True):
    """One row of a dataset; `key` is the normalized key-field values joined by a unit separator."""

    __tablename__ = "dataset_row"
    __table_args__ = (Index("ix_dataset_row_lookup", "dataset_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="api_dataset.id")
    key: str = Field(max_length=400)
    data: str = _text()  # JSON object of every column


class UsageEvent(SQLModel, table=True):
    """One call of a data API; billable calls are committed before their response is sent (R9)."""

    __tablename__ = "usage_event"
    # Few indexes: every one is written on the hot path. The idempotency index is partial (most calls have none).
    __table_args__ = (
        Index("uq_usage_event_idempotency", "api_key_id", "idempotency_key", unique=True,
              sqlite_where=text("idempotency_key IS NOT NULL"), postgresql_where=text("idempotency_key IS NOT NULL")),
        Index("ix_usage_event_org_day", "buyer_org_id", "day"),
        Index("ix_usage_event_product_day", "product_id", "day"),
        Index("ix_usage_event_entitlement_day", "entitlement_id", "day"),
    )
    # No foreign keys: on PostgreSQL each one share-locks its parent row on every call (a WAL record, and a
    # MultiXact when calls of one key overlap), measured 0.64 → 0.69–0.71 of the bare route without the five
    # (issue 14). Keys, entitlements, products, organizations and plans are never deleted, the gateway writes the
    # ids of rows it has just read, and `flask verify-ledger` checks that every event names its real key,
    # entitlement, product, buyer and plan, consistent with one another (settlement/verify.py).
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=40, unique=True)
    api_key_id: int  # api_key.id
    entitlement_id: int  # entitlement.id
    product_id: int  # product.id
    buyer_org_id: int  # organization.id
    plan_id: int  # price_plan.id: the plan version pinned at call time
    at: datetime = Field(default_factory=utcnow)
    day: str = Field(max_length=10)  # YYYY-MM-DD in Asia/Shanghai
    status: int
    billable: bool = False
    records: int = 0
    idempotency_key: str | None = Field(default=None, max_length=100)
    params_hash: str = Field(default="", max_length=64)
    response_body: str = _text()  # stored for idempotent replays


class QuotaCounter(SQLModel, table=True):
    """Billable calls used by an entitlement with a quota; taken by `UPDATE ... WHERE used < quota` (meter.py).

    The quota itself comes from the entitlement (calls_total) or its pinned prepaid plan (package_calls).
    """

    __tablename__ = "quota_counter"
    entitlement_id: int = Field(foreign_key="entitlement.id", primary_key=True)
    used: int = 0


class RateBucket(SQLModel, table=True):
    """The per-key token bucket of the data API, shared by every worker process (gateway/ratelimit.py).

    `tokens` calls may be made now; it refills at the key's rate up to its burst, as of `at` (Unix seconds).
    Taken by one conditional UPSERT, so N worker processes together allow the limit once, not N times.
    """

    __tablename__ = "rate_bucket"
    api_key_id: int = Field(foreign_key="api_key.id", primary_key=True)
    tokens: float = 0.0
    at: float = 0.0


__all__ = ["ApiDataset", "DatasetRow", "MaskRule", "QuotaCounter", "RateBucket", "UsageEvent"]
