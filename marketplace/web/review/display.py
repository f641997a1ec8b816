"""Readable rendering of a revision's fields for the reviewer: labels for codes, tables, plans in words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from marketplace.catalog_terms import DOMAINS, OPENNESS, PRODUCT_TYPES, SECURITY_GRADES, UPDATE_FREQUENCIES
from pricing import CHARGE_FORM_LABELS, ChargeForm, format_fen, format_unit_price
from pricing.charge_forms import PRICE_UNITS

CODE_LABELS = {
    "type": {k.value: v for k, v in PRODUCT_TYPES.items()},
    "domain": DOMAINS,
    "openness": {k.value: v for k, v in OPENNESS.items()},
    "security_grade": {k.value: v for k, v in SECURITY_GRADES.items()},
    "update_frequency": UPDATE_FREQUENCIES,
}


def _unit(fen, form: str) -> str:
    try:
        return format_unit_price(Decimal(str(fen))) + _(PRICE_UNITS.get(form, ""))
    except (InvalidOperation, ValueError):
        return str(fen)


def _count(n) -> str:
    return format(int(n), ",")


def _tiers(tiers: list, form: str) -> str:
    parts = []
    for tier in tiers or []:
        price = _unit(tier.get("unit_price_fen", 0), form)
        if tier.get("up_to") is None:
            parts.append(_("其余 %(price)s", price=price))
        else:
            parts.append(_("至第 %(n)s 次 %(price)s", n=_count(tier["up_to"]), price=price))
    return _("；").join(parts)


def plan_lines(plan: dict) -> list[str]:
    """A stored plan as short lines: its price terms in words."""
    form = plan.get("form", "")
    lines = []
    if plan.get("price_fen"):
        lines.append(_("价格 %(price)s", price=format_fen(int(plan["price_fen"])) + _(PRICE_UNITS.get(form, ""))))
    if Decimal(str(plan.get("unit_price_fen") or 0)):
        lines.append(_("单价 %(price)s", price=_unit(plan["unit_price_fen"], form)))
    if plan.get("tiers"):
        lines.append(_("阶梯：%(tiers)s", tiers=_tiers(plan["tiers"], form)))
    if plan.get("free_quota"):
        lines.append(_("免费额度 %(n)s 次", n=_count(plan["free_quota"])))
    if plan.get("package_calls"):
        lines.append(_("包内 %(n)s 次", n=_count(plan["package_calls"])))
    if plan.get("rate_per_second"):
        lines.append(_("调用频率上限 每秒 %(n)s 次", n=_count(plan["rate_per_second"])))
    if form == ChargeForm.NEGOTIATED.value:
        lines.append(_("不公开价格，询价后报价"))
    return lines


def show_value(field: str, value):
    """{kind, ...} the template renders: text, markdown source, dictionary/sample tables or plans."""
    if isinstance(value, bool):  # a checkbox (offline delivery): yes or no, not Python's True/False
        return {"kind": "text", "text": _("是") if value else _("否")}
    if value in (None, "", []):
        return {"kind": "empty"}
    if field in CODE_LABELS:
        return {"kind": "text", "text": CODE_LABELS[field].get(value, value)}
    if field == "data_dictionary":
        return {"kind": "dictionary", "rows": value}
    if field == "sample_rows":
        columns = list(dict.fromkeys(k for row in value for k in row))
        return {"kind": "table", "columns": columns, "rows": [[row.get(c, "") for c in columns] for row in value]}
    if field == "plans":
        return {"kind": "plans", "plans": [{"name": p.get("name") or "—",
                                            "form": _(CHARGE_FORM_LABELS.get(ChargeForm(p["form"]), p["form"])),
                                            "lines": plan_lines(p)} for p in value]}
    if field == "description_md":
        return {"kind": "pre", "text": value}
    return {"kind": "text", "text": str(value)}


def readable_diff(diff: list[dict]) -> list[dict]:
    """The diff rows with both sides rendered for reading."""
    return [{"field": d["field"], "old": show_value(d["field"], d["old"]), "new": show_value(d["field"], d["new"])}
            for d in diff]
