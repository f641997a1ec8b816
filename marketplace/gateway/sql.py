"""The hot path's reads, built once: plain text statements skip per-call expression building (writes: meter.py)."""

from __future__ import annotations

from sqlalchemy import text

LOOKUP = text("SELECT data FROM dataset_row WHERE dataset_id = :dataset_id AND key = :key ORDER BY id LIMIT 1000")

USED = text("SELECT used FROM quota_counter WHERE entitlement_id = :entitlement_id")

STORED = text("SELECT request_id, status, params_hash, response_body FROM usage_event"
              " WHERE api_key_id = :key_id AND idempotency_key = :idem")
