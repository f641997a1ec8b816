"""Parameters in, answer out: validate the query, mask or verify the rows looked up (meter.UsageWriter.lookup)."""

from __future__ import annotations

import hashlib
import json

from marketplace.gateway.datasets import normalize
from marketplace.gateway.masking import mask_row
from marketplace.gateway.resolve import DatasetDef
from marketplace.uscc import InvalidUSCC, validate_uscc

MAX_PARAM = 200


class BadParameter(Exception):
    """A query parameter is missing, unknown or malformed; the message names it (Chinese, English)."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


def parse_params(dataset: DatasetDef, args) -> dict[str, str]:
    """The API's parameters from a MultiDict (or dict of lists); raise BadParameter naming the first bad one."""
    names = list(args.keys())
    for name in names:
        if name not in dataset.params:
            raise BadParameter(f"未知参数：{name}", f"unknown parameter: {name}")
    params = {}
    for name in dataset.params:
        values = args.getlist(name) if hasattr(args, "getlist") else list(args.get(name) or [])
        if not values or not values[0].strip():
            raise BadParameter(f"缺少参数：{name}", f"missing parameter: {name}")
        if len(values) > 1:
            raise BadParameter(f"参数 {name} 只能出现一次", f"parameter {name} given more than once")
        if len(values[0]) > MAX_PARAM:
            raise BadParameter(f"参数 {name} 过长（最多{MAX_PARAM}字符）", f"parameter {name} is too long")
        params[name] = normalize(name, values[0])
        if name.lower() == "uscc":
            _check_uscc(params[name])
    return params


def _check_uscc(value: str) -> None:
    try:
        validate_uscc(value)
    except InvalidUSCC as e:
        raise BadParameter(f"参数 uscc：{e.text}", "parameter uscc is not a valid unified social credit code") \
            from None


def params_hash(slug: str, args) -> str:
    """A digest of the request's parameters, to refuse an Idempotency-Key reused with others (409)."""
    items = sorted((k, v) for k in args.keys()
                   for v in (args.getlist(k) if hasattr(args, "getlist") else args.get(k) or []))
    return hashlib.sha256(json.dumps([slug, items], ensure_ascii=False).encode()).hexdigest()


def build_answer(dataset: DatasetDef, rows: list[dict], params: dict[str, str]) -> tuple[dict, int] | None:
    """(payload, records) for a successful call, or None when a lookup finds nothing (404)."""
    if dataset.verification:
        # 可用不可见: only whether the given values match what is stored, never the values.
        match = any(all(normalize(f, row.get(f, "")) == params[f] for f in dataset.match_fields) for row in rows)
        return {"result": "match" if match else "no_match", "match": match}, 1
    if not rows:
        return None
    masked = [mask_row(dataset.rules, row, salt=dataset.salt) for row in rows]
    return {"data": masked[0] if dataset.unique_key else masked, "records": len(masked)}, len(masked)


def example_response(dataset: DatasetDef, slug: str, first: dict | None) -> str:
    """The docs' example: a successful response for the dataset's first row, pretty-printed JSON."""
    if dataset.verification or first is None:
        payload = {"result": "match", "match": True} if dataset.verification else {"data": {}, "records": 0}
    else:
        masked = mask_row(dataset.rules, first, salt=dataset.salt)
        payload = {"data": masked if dataset.unique_key else [masked], "records": 1}
    body = {"request_id": "req_0123456789abcdef", "product": slug, **payload}
    return json.dumps(body, ensure_ascii=False, indent=2)
