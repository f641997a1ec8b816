"""The OpenAPI 3.1 description of /api/v1. Other features add their paths through OPENAPI_EXTENDERS."""

from __future__ import annotations

import copy
from collections.abc import Callable

from sqlmodel import Session

from marketplace.catalog.params import ALLOWED, MAX_ID, MAX_PAGE
from marketplace.catalog.price_index import DEFAULT_MONTHS, FORM_VALUES, MAX_MONTHS
from marketplace.catalog.queries import MAX_PER_PAGE, SORTS

# Functions (spec, session) -> None that add paths/components to the spec, e.g. the metered data API.
OPENAPI_EXTENDERS: list[Callable[[dict, Session], None]] = []

_ERROR = {"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _list_parameters() -> list[dict]:
    enum = {name: sorted(values) for name, values in ALLOWED.items()}
    return [
        _param("q", "搜索词（中文分词，可中英混合）；其中的产品类型词（API、接口、数据包、报告、模型等）"
               "按产品类型筛选，不作为文字匹配（已指定 type 时以 type 为准）", {"type": "string", "maxLength": 100}),
        *[_param(name, f"按{name}筛选", {"type": "string", "enum": values}) for name, values in enum.items()],
        _param("region", "地区", {"type": "string"}),
        _param("operator", "运营单位编号", {"type": "integer", "minimum": 0, "maximum": MAX_ID}),
        _param("sort", "排序", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
        _param("page", "页码", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
        _param("per_page", "每页条数", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}),
        _param("facets", "为 1 时返回分面计数", {"type": "string", "enum": ["0", "1"]}),
    ]


_ITEM = {
    "type": "object",
    "required": ["slug", "title", "type", "domain", "operator", "price_mode"],
    "properties": {
        "slug": {"type": "string"}, "title": {"type": "string"},
        "type": {"type": "string", "enum": sorted(ALLOWED["type"])}, "domain": {"type": "string"},
        "domain_label": {"type": "string"}, "region": {"type": "string"}, "operator": {"type": "string"},
        "operator_id": {"type": "integer"}, "openness": {"type": "string"}, "update_frequency": {"type": "string"},
        "price_mode": {"type": "string", "enum": ["usage-based", "one-off", "subscription", "free", "negotiation"]},
        "charge_forms": {"type": "array", "items": {"type": "string"}},
        "min_price_fen": {"type": ["integer", "null"], "description": "最低公开价格（分）；面议为 null"},
        "summary": {"type": "string"}, "listed_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
    },
}

_FEN = {"type": ["string", "null"], "description": "单价（分，十进制字符串，可为小数分）；无可比价格时为 null"}
_PRICE_REFERENCE = {
    "type": "object",
    "required": ["unit", "count", "median", "quartiles", "lowest", "highest", "comparables"],
    "properties": {
        "unit": {"type": "string", "enum": ["call", "record", "product"],
                 "description": "单价单位：每次调用、每条记录或每件产品（订阅按一年计）"},
        "unit_label": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
        "median": _FEN, "lowest": _FEN, "highest": _FEN,
        "quartiles": {"type": "object", "required": ["q1", "q3"], "properties": {"q1": _FEN, "q3": _FEN},
                      "description": "四分位数（线性插值，Hyndman–Fan 第 7 种定义，同 Excel QUARTILE.INC）"},
        "comparables": {"type": "array", "items": {"type": "object", "required": ["slug", "title", "unit_price"],
                        "properties": {
                            "slug": {"type": "string"}, "title": {"type": "string"}, "type": {"type": "string"},
                            "domain": {"type": "string"},
                            "charge_forms": {"type": "array", "items": {"type": "string"}},
                            "same_charge_form": {"type": "boolean"}, "unit_price": {"type": "string"},
                            "score": {"type": "number"}, "url": {"type": "string", "format": "uri"}}}},
    },
}

_PRICE_INDEX = {
    "type": "object",
    "required": ["months", "series"],
    "properties": {
        "months": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                   "description": "所含月份（YYYY-MM，由远及近，止于本月）"},
        "series": {"type": "array", "items": {
            "type": "object",
            "required": ["source", "domain", "charge_form", "unit", "count", "points"],
            "properties": {
                "source": {"type": "string", "enum": ["listed", "settled"],
                           "description": "listed：在售产品的挂牌价（含导入的真实挂牌，各月取月末生效的方案版本）；"
                                          "settled：已关账结算周期的成交价（金额 ÷ 数量）"},
                "domain": {"type": "string"}, "domain_label": {"type": "string"},
                "charge_form": {"type": "string", "enum": sorted(FORM_VALUES)},
                "unit": {"type": "string", "enum": ["call", "record", "product"]},
                "unit_label": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                "points": {"type": "array", "items": {
                    "type": "object", "required": ["month", "count", "median"],
                    "properties": {"month": {"type": "string"}, "count": {"type": "integer", "minimum": 1},
                                   "median": {"type": "string", "description": "单价中位数（分，十进制字符串）"}}}},
            }}},
    },
}

_BASE = {
    "openapi": "3.1.0",
    "info": {"title": "公共数据交易平台 API", "version": "1.0.0",
             "description": "数据产品目录查询与计量数据接口。金额单位为分（整数），单价可为小数分（字符串）。"},
    "servers": [{"url": "/"}],
    "paths": {
        "/api/v1/products": {"get": {
            "operationId": "listProducts", "summary": "搜索数据产品", "tags": ["catalog"],
            "parameters": _list_parameters(),
            "responses": {"200": {"description": "一页数据产品", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/ProductList"}}}}, "400": _ERROR},
        }},
        "/api/v1/products/{slug}": {"get": {
            "operationId": "getProduct", "summary": "数据产品详情", "tags": ["catalog"],
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "数据产品", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/ProductDetail"}}}}, "404": _ERROR},
        }},
        "/api/v1/price-reference": {"get": {
            "operationId": "getPriceReference", "summary": "定价参考：可比挂牌的单价统计与可比产品",
            "tags": ["pricing"],
            "parameters": [
                _param("charge_form", "收费方式（缺省为按次计费）",
                       {"type": "string", "enum": sorted(ALLOWED["charge_form"]), "default": "per_call_flat"}),
                _param("type", "产品类型", {"type": "string", "enum": sorted(ALLOWED["type"])}),
                _param("domain", "数据领域", {"type": "string", "enum": sorted(ALLOWED["domain"])}),
                _param("q", "产品标题与简介（按目录的中文分词比较）", {"type": "string", "maxLength": 1000}),
                _param("exclude", "不参与比较的产品 slug（正在定价的产品本身）", {"type": "string", "maxLength": 80}),
                _param("limit", "可比产品数", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}),
            ],
            "responses": {"200": {"description": "定价参考", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/PriceReference"}}}}, "400": _ERROR},
        }},
        "/api/v1/price-index": {"get": {
            "operationId": "getPriceIndex", "summary": "公共数据价格指数：各领域、各收费方式的月度单价中位数",
            "tags": ["pricing"],
            "parameters": [
                _param("domain", "数据领域（缺省为全部）", {"type": "string", "enum": sorted(ALLOWED["domain"])}),
                _param("charge_form", "收费方式（缺省为全部有公开单价的收费方式）",
                       {"type": "string", "enum": sorted(FORM_VALUES)}),
                _param("months", "月数（止于本月）", {"type": "integer", "minimum": 1, "maximum": MAX_MONTHS,
                                                    "default": DEFAULT_MONTHS}),
            ],
            "responses": {"200": {"description": "价格指数", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/PriceIndex"}}}}, "400": _ERROR},
        }},
    },
    "components": {"schemas": {
        "PriceReference": _PRICE_REFERENCE,
        "PriceIndex": _PRICE_INDEX,
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "parameter": {"type": "string"}}}}},
        "ProductItem": _ITEM,
        "ProductList": {"type": "object", "required": ["items", "total"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProductItem"}},
            "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "facets": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": {"type": "integer"}}}}},
        "ProductDetail": {"allOf": [{"$ref": "#/components/schemas/ProductItem"}, {"type": "object", "properties": {
            "description_md": {"type": "string"}, "security_grade": {"type": "string"},
            "registration_code": {"type": "string"}, "delivery_mode": {"type": "string"},
            "version_notes": {"type": "string"}, "broker": {"type": ["string", "null"]},
            "agreement": {"type": ["object", "null"]},
            "plans": {"type": "array", "items": {"type": "object"}},
            "data_dictionary": {"type": "array", "items": {"type": "object"}},
            "sample": {"type": "object"}}}]},
    }},
}


def build_spec(session: Session) -> dict:
    """The spec: the catalog paths plus whatever the registered extenders add."""
    spec = copy.deepcopy(_BASE)
    for extend in OPENAPI_EXTENDERS:
        extend(spec, session)
    return spec
