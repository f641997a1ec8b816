"""The metered data API: GET /api/v1/data/<slug> and GET /api/v1/usage (Bearer key, no session work)."""

from __future__ import annotations

import json

from flask import Response, current_app, request
from sqlmodel import Session

from marketplace.gateway import usage
from marketplace.gateway.api_errors import error_payload
from marketplace.gateway.calls import Gateway, bearer_token, new_request_id
from marketplace.gateway.openapi_doc import extend_openapi
from marketplace.web.access import token_authenticated
from marketplace.web.api.openapi import OPENAPI_EXTENDERS
from marketplace.web.extensions import csrf
from marketplace.web.gateway import bp


def gateway() -> Gateway:
    """This process's gateway (key cache and rate limiter live as long as the worker)."""
    gw = current_app.extensions.get("gateway")
    if gw is None:
        cfg = current_app.config
        gw = Gateway(current_app.extensions["engine"], rate=float(cfg.get("GATEWAY_RATE_PER_SECOND", 20)),
                     burst=int(cfg.get("GATEWAY_BURST", 40)), ttl=float(cfg.get("GATEWAY_CACHE_TTL", 5)),
                     busy_timeout_ms=int(cfg.get("SQLITE_BUSY_TIMEOUT_MS", 15000)),
                     group_commit=bool(cfg.get("GATEWAY_GROUP_COMMIT", False)))
        current_app.extensions["gateway"] = gw
    return gw


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers or {}, mimetype="application/json")


@bp.get("/api/v1/data/<slug>")
@token_authenticated
def data_call(slug: str):
    """One metered call; the usage event is committed before this response is built."""
    result = gateway().call(authorization=request.headers.get("Authorization"), slug=slug, args=request.args,
                            idempotency_key=request.headers.get("Idempotency-Key"))
    return Response(result.body, status=result.status, headers=result.headers, mimetype="application/json")


@bp.get("/api/v1/usage")
@token_authenticated
def usage_api():
    """The key's billable and non-billable calls per product and day in the current period."""
    request_id = new_request_id()
    plaintext = bearer_token(request.headers.get("Authorization"))
    gw = gateway()
    info = gw.cache.get(gw.read, plaintext) if plaintext else None
    if info is None or not info.key_active:
        status, payload = error_payload("invalid_key" if plaintext else "missing_key", request_id)
        return _json(status, payload, {"X-Request-Id": request_id})
    since, until = usage.period_start(), usage.today()
    with Session(gw.engine.execution_options(sqlite_begin="DEFERRED")) as session:  # a read: never the write lock
        rows = usage.usage_rows(session, since=since, until=until, key_id=info.key_id,
                                entitlement_id=info.entitlement_id)
    items = [{"product": r.slug, "day": r.day, "billable": r.billable, "non_billable": r.non_billable,
              "records": r.records} for r in rows]
    return _json(200, {"request_id": request_id, "period": {"from": since.isoformat(), "to": until.isoformat()},
                       "usage": items, "totals": _totals(items)}, {"X-Request-Id": request_id})


def _totals(items: list[dict]) -> dict:
    return {k: sum(i[k] for i in items) for k in ("billable", "non_billable", "records")}


csrf.exempt(data_call)
csrf.exempt(usage_api)


def _register_openapi() -> None:
    """Document the data endpoints in /api/v1/openapi.json (the catalog's spec builder)."""
    if extend_openapi not in OPENAPI_EXTENDERS:
        OPENAPI_EXTENDERS.append(extend_openapi)


_register_openapi()

__all__ = ["data_call", "gateway", "usage_api"]
