"""Validate and normalize the editable content of a listing and its price plans."""

from __future__ import annotations

from typing import Any

from marketplace.catalog_terms import DOMAINS, UPDATE_FREQUENCIES
from marketplace.models import Openness, ProductType, SecurityGrade
from marketplace.supply.errors import SupplyError
from marketplace.supply.util import optional_text, require_text
from pricing import CHARGE_FORM_LABELS, InvalidPlan, PlanTerms, PricingError

# Product columns a revision carries (besides "plans").
CONTENT_FIELDS = ("type", "title", "summary", "description_md", "domain", "region", "openness", "security_grade",
                  "registration_code", "update_frequency", "delivery_mode", "version_notes", "data_dictionary",
                  "sample_rows")
JSON_FIELDS = ("data_dictionary", "sample_rows")
MAX_SAMPLE_ROWS = 20
MAX_DICT_ROWS = 200


def _choice(value: Any, enum_cls, field: str, label: str) -> str:
    try:
        return enum_cls(value).value
    except ValueError:
        raise SupplyError(f"请选择{label}", field=field) from None


def _dictionary(rows: Any) -> list[dict]:
    if not isinstance(rows, list) or len(rows) > MAX_DICT_ROWS:
        raise SupplyError(f"数据字典格式不正确（最多 {MAX_DICT_ROWS} 个字段）", field="data_dictionary")
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not str(row.get("name") or "").strip():
            raise SupplyError(f"数据字典第 {i} 行缺少字段名", field="data_dictionary")
        out.append({"name": str(row["name"]).strip()[:80], "type": str(row.get("type") or "string").strip()[:40],
                    "meaning": str(row.get("meaning") or "").strip()[:300], "masked": bool(row.get("masked"))})
    return out


def _samples(rows: Any) -> list[dict]:
    if not isinstance(rows, list) or len(rows) > MAX_SAMPLE_ROWS:
        raise SupplyError(f"样例数据格式不正确（最多 {MAX_SAMPLE_ROWS} 行）", field="sample_rows")
    if not all(isinstance(r, dict) for r in rows):
        raise SupplyError("样例数据的每一行都必须是字段到取值的映射", field="sample_rows")
    return [{str(k)[:80]: str(v)[:300] for k, v in r.items()} for r in rows]


def normalize_content(data: dict) -> dict:
    """Every content field checked and cleaned; raises SupplyError naming the field."""
    domain = data.get("domain")
    if domain not in DOMAINS:
        raise SupplyError("请选择数据领域", field="domain")
    frequency = data.get("update_frequency") or "irregular"
    if frequency not in UPDATE_FREQUENCIES:
        raise SupplyError("请选择更新频率", field="update_frequency")
    return {
        "type": _choice(data.get("type"), ProductType, "type", "产品类型"),
        "title": require_text(data.get("title"), "title", "产品名称", 200),
        "summary": optional_text(data.get("summary"), "summary", "摘要", 500),
        "description_md": optional_text(data.get("description_md"), "description_md", "详细介绍", 20000),
        "domain": domain,
        "region": optional_text(data.get("region"), "region", "覆盖地区", 60),
        "openness": _choice(data.get("openness") or "unconditional", Openness, "openness", "开放属性"),
        "security_grade": _choice(data.get("security_grade") or "general", SecurityGrade, "security_grade",
                                  "数据分级"),
        "registration_code": optional_text(data.get("registration_code"), "registration_code", "登记码", 80),
        "update_frequency": frequency,
        "delivery_mode": optional_text(data.get("delivery_mode"), "delivery_mode", "交付方式", 60),
        "version_notes": optional_text(data.get("version_notes"), "version_notes", "版本说明", 4000),
        "data_dictionary": _dictionary(data.get("data_dictionary") or []),
        "sample_rows": _samples(data.get("sample_rows") or []),
    }


def normalize_plans(plans: Any) -> list[dict]:
    """Each plan {"name", **PlanTerms dict} validated; at least one plan."""
    if not isinstance(plans, list) or not plans:
        raise SupplyError("请至少设置一个价格方案", field="plans")
    out = []
    for i, plan in enumerate(plans, start=1):
        if not isinstance(plan, dict):
            raise SupplyError(f"第 {i} 个价格方案格式不正确", field="plans")
        terms_in = {k: v for k, v in plan.items() if k != "name"}
        try:
            terms = PlanTerms.from_dict(terms_in)
        except (InvalidPlan, PricingError, TypeError) as e:
            raise SupplyError(f"第 {i} 个价格方案：{getattr(e, 'message', str(e))}", field="plans") from None
        name = str(plan.get("name") or CHARGE_FORM_LABELS[terms.form]).strip()[:100]
        out.append({"name": name, **terms.to_dict()})
    return out


def plan_terms(plan: dict) -> PlanTerms:
    """The PlanTerms of a normalized plan dict."""
    return PlanTerms.from_dict({k: v for k, v in plan.items() if k != "name"})
