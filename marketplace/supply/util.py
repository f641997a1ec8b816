"""Small parsing helpers shared by the supply use cases."""

from __future__ import annotations

import json
import re
from datetime import date

from marketplace.catalog_terms import DOMAINS
from marketplace.i18n_marker import N_
from marketplace.supply.errors import SupplyError

REGISTRATION_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{3,79}")


def check_registration_code(value: str | None, field: str = "registration_code") -> str:
    """The national registration code (登记码) as the lister entered it: required, 4–80 of A–Z, 0–9 and '-',
    with at least one digit (R5: never made up by the exchange)."""
    code = (value or "").strip().upper()
    if not code:
        raise SupplyError(N_("请填写数据产品登记码（数据产品登记后取得）"), field=field)
    if not REGISTRATION_CODE.fullmatch(code) or not any(c.isdigit() for c in code):
        raise SupplyError(N_("登记码格式不正确：应为 4–80 位大写字母、数字或连字符，且含数字"), field=field)
    return code


def require_text(value: str | None, field: str, label: str, max_len: int) -> str:
    """Stripped text, refused when empty or too long."""
    value = (value or "").strip()
    if not value:
        raise SupplyError(N_("请填写%(label)s"), params={"label": label}, field=field)
    if len(value) > max_len:
        raise SupplyError(N_("%(label)s不能超过 %(max_len)s 个字符"),
                          params={"label": label, "max_len": max_len}, field=field)
    return value


def optional_text(value: str | None, field: str, label: str, max_len: int) -> str:
    """Stripped text (may be empty), refused when too long."""
    value = (value or "").strip()
    if len(value) > max_len:
        raise SupplyError(N_("%(label)s不能超过 %(max_len)s 个字符"),
                          params={"label": label, "max_len": max_len}, field=field)
    return value


def check_bps(value, field: str, label: str) -> int:
    """An integer between 0 and 10000 basis points."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10000:
        raise SupplyError(N_("%(label)s必须在 0 到 10000 个基点（0%%–100%%）之间"),
                          params={"label": label}, field=field)
    return value


def check_term(start: date | None, end: date | None, *, field: str = "end_date") -> None:
    """Start and end present, end not before start."""
    if start is None:
        raise SupplyError(N_("请填写开始日期"), field="start_date")
    if end is None:
        raise SupplyError(N_("请填写结束日期"), field=field)
    if end < start:
        raise SupplyError(N_("结束日期不能早于开始日期"), field=field)


def check_domains(codes) -> list[str]:
    """A non-empty list of known domain codes, deduplicated in order."""
    out: list[str] = []
    for code in codes or ():
        if code not in DOMAINS:
            raise SupplyError(N_("未知的数据领域：%(code)s"), params={"code": code}, field="domains")
        if code not in out:
            out.append(code)
    if not out:
        raise SupplyError(N_("请至少选择一个数据领域"), field="domains")
    return out


def loads_list(text: str) -> list:
    """A JSON list stored in a text column ([] when empty or broken)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def dumps(value) -> str:
    """Compact JSON keeping Chinese readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
