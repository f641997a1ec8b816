"""The hot path's SQLAlchemy reads, built once as plain text (the lookup and the writes, on the driver: meter.py)."""

from __future__ import annotations

from sqlalchemy import text

USED = text("SELECT used FROM quota_counter WHERE entitlement_id = :entitlement_id")

STORED = text("SELECT request_id, status, params_hash, response_body FROM usage_event"
              " WHERE api_key_id = :key_id AND idempotency_key = :idem")
