"""OpenAPI paths of the metered data API: one path per listed API product, from its definition."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.gateway.api_errors import ERRORS
from marketplace.gateway.masking import describe
from marketplace.gateway.resolve import load_dataset
from marketplace.models import Product
from marketplace.supply.on_sale import on_sale_clause

_ERR = {"description": "错误（JSON）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_HEADERS = {"X-Request-Id": {"schema": {"type": "string"}, "description": "请求编号（计费标识）"},
            "X-Quota-Remaining": {"schema": {"type": "string"}, "description": "剩余调用次数或 unlimited"}}


def _responses(dataset) -> dict:
    if dataset.verification:
        schema = {"type": "object", "properties": {"request_id": {"type": "string"}, "product": {"type": "string"},
                                                   "result": {"type": "string", "enum": ["match", "no_match"]},
                                                   "match": {"type": "boolean"}}}
    else:
        row = {"type": "object", "properties": {r.name: {"type": ["string", "null"], "description": describe(r)}
                                                for r in dataset.rules}}
        data = row if dataset.unique_key else {"type": "array", "items": row}
        schema = {"type": "object", "properties": {"request_id": {"type": "string"}, "product": {"type": "string"},
                                                   "records": {"type": "integer"}, "data": data}}
    ok = {"description": "成功（计费）", "headers": _HEADERS, "content": {"application/json": {"schema": schema}}}
    out = {"200": ok}
    for status in sorted({str(s) for s, _zh, _en in ERRORS.values()}):
        out[status] = _ERR
    return out


def _param_schema(name: str) -> dict:
    if name.lower() == "uscc":  # 18 characters of the GB 32100 alphabet (the check character is checked too)
        return {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"}
    return {"type": "string", "minLength": 1, "maxLength": 200}


def _operation(product: Product, dataset) -> dict:
    params = [{"name": p, "in": "query", "required": True, "schema": _param_schema(p),
               "description": "查询参数" if p in dataset.key_fields else "核验比对参数"} for p in dataset.params]
    params.append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
                   "description": "重试时返回首次响应且不重复计费"})
    return {"get": {"operationId": f"data_{product.slug}".replace("-", "_"), "summary": product.title,
                    "tags": ["data"], "security": [{"apiKey": []}], "parameters": params,
                    "responses": _responses(dataset)}}


def extend_openapi(spec: dict, session: Session) -> None:
    """Add GET /api/v1/data/<slug> for every API product on sale (supply.on_sale) and GET /api/v1/usage."""
    spec.setdefault("components", {}).setdefault("securitySchemes", {})["apiKey"] = {
        "type": "http", "scheme": "bearer", "description": "API 密钥：Authorization: Bearer <密钥>"}
    products = session.execute(select(Product).where(Product.type == "api", on_sale_clause())
                               .order_by(Product.id)).scalars().all()
    for product in products:
        dataset = load_dataset(session.connection(), product.id)
        if dataset is not None:
            spec["paths"][f"/api/v1/data/{product.slug}"] = _operation(product, dataset)
    spec["paths"]["/api/v1/usage"] = {"get": {
        "operationId": "getUsage", "summary": "本密钥本期按产品和日期的计费/不计费调用次数", "tags": ["data"],
        "security": [{"apiKey": []}], "responses": {"200": {"description": "用量"}, "401": _ERR}}}
