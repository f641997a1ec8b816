"""Turn the product form into use-case input (and back, to edit a revision)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from marketplace.i18n_marker import N_
from marketplace.supply.errors import SupplyError
from pricing import ChargeForm, PricingError, parse_yuan, yuan_to_fen
from pricing.charge_forms import PACKAGE_PRICED_FORMS, SUBSCRIPTION_MONTHS, TIERED_FORMS, UNIT_PRICED_FORMS

FIELDS = ("type", "title", "summary", "description_md", "domain", "region", "openness", "security_grade",
          "registration_code", "update_frequency", "delivery_mode", "offline_delivery", "version_notes")


def _money(fn, text: str, index: int, what: str):
    if not (text or "").strip():
        raise SupplyError(N_("第 %(index)s 个价格方案请填写%(what)s"),
                          params={"index": index, "what": what}, field="plans")
    try:
        return fn((text or "").strip())
    except PricingError as e:
        raise SupplyError(N_("第 %(index)s 个价格方案的%(what)s：%(reason)s"),
                          params={"index": index, "what": what, "reason": e}, field="plans") from None


def parse_tiers(text: str, index: int) -> list[dict]:
    """Lines "up_to:price_yuan"; an empty up_to (last line) means no limit."""
    tiers = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        up_to, sep, price = line.replace("：", ":").partition(":")
        if not sep:
            raise SupplyError(N_("第 %(index)s 个价格方案的阶梯格式应为「上限:单价」"),
                              params={"index": index}, field="plans")
        if up_to.strip() and not up_to.strip().isdigit():
            raise SupplyError(N_("第 %(index)s 个价格方案的阶梯上限必须是整数"), params={"index": index}, field="plans")
        tiers.append({"up_to": int(up_to) if up_to.strip() else None,
                      "unit_price_fen": str(_money(parse_yuan, price, index, "阶梯单价"))})
    return tiers


def plan_from_row(row: dict, index: int) -> dict | None:
    """One plan row as a PlanTerms dict with a name (None for an unused row)."""
    if not row.get("charge_form"):
        return None
    try:
        form = ChargeForm(row["charge_form"])
    except ValueError:
        raise SupplyError(N_("第 %(index)s 个价格方案的收费方式不正确"),
                          params={"index": index}, field="plans") from None
    plan: dict = {"name": (row.get("plan_name") or "").strip(), "form": form.value}
    if form in PACKAGE_PRICED_FORMS:
        plan["price_fen"] = _money(yuan_to_fen, row.get("price"), index, "价格")
    if form in UNIT_PRICED_FORMS:
        plan["unit_price_fen"] = str(_money(parse_yuan, row.get("unit_price"), index, "单价"))
    if form in TIERED_FORMS:
        plan["tiers"] = parse_tiers(row.get("tiers"), index)
    if form in TIERED_FORMS | UNIT_PRICED_FORMS and row.get("free_quota"):
        plan["free_quota"] = row["free_quota"]
    if form is ChargeForm.PREPAID_CALLS:
        plan["package_calls"] = row.get("package_calls") or 0
    if form in SUBSCRIPTION_MONTHS:
        plan["period_months"] = SUBSCRIPTION_MONTHS[form]
    if row.get("rate_per_second"):  # data API products: this plan's own per-key limit (else the exchange's)
        plan["rate_per_second"] = row["rate_per_second"]
    return plan


def dictionary_from_rows(rows: list[dict]) -> list[dict]:
    """The dictionary rows of the form; a row left wholly blank is skipped, one with only a name missing is kept
    (the use case then refuses it naming the row)."""
    out = []
    for row in rows:
        name, meaning = (row.get("name") or "").strip(), (row.get("meaning") or "").strip()
        if not name and not meaning and not row.get("masked"):
            continue
        out.append({"name": name, "type": row.get("type") or "string", "meaning": meaning,
                    "masked": bool(row.get("masked"))})
    return out


def parse_samples(text: str) -> list[dict]:
    """CSV text with a header line → list of row dicts."""
    if not (text or "").strip():
        return []
    reader = csv.DictReader(io.StringIO(text.strip()))
    return [{k or "": v or "" for k, v in row.items()} for row in reader]


def form_to_input(form) -> tuple[dict, list[dict]]:
    """(data, plans) for create_product / update_product."""
    data = {name: getattr(form, name).data for name in FIELDS}
    data["agreement_id"] = form.agreement_id.data or None
    data["data_dictionary"] = dictionary_from_rows(form.data_dictionary.data)
    data["sample_rows"] = parse_samples(form.sample_rows.data)
    plans = [p for i, entry in enumerate(form.plans.entries, start=1) if (p := plan_from_row(entry.data, i))]
    return data, plans


def _yuan_text(fen) -> str:
    return format((Decimal(str(fen)) / 100).normalize(), "f")


def plan_to_row(plan: dict) -> dict:
    """A stored plan as form row values."""
    tiers = "\n".join(f"{t['up_to'] if t['up_to'] is not None else ''}:{_yuan_text(t['unit_price_fen'])}"
                      for t in plan.get("tiers") or [])
    return {"plan_name": plan.get("name", ""), "charge_form": plan.get("form", ""),
            "price": _yuan_text(plan["price_fen"]) if plan.get("price_fen") else "",
            "unit_price": _yuan_text(plan["unit_price_fen"]) if Decimal(plan.get("unit_price_fen") or 0) else "",
            "tiers": tiers, "free_quota": plan.get("free_quota") or None,
            "package_calls": plan.get("package_calls") or None, "rate_per_second": plan.get("rate_per_second") or None}


def content_to_formdata(content: dict) -> dict:
    """A revision's content as keyword data for ProductForm(data=...)."""
    out = {name: content.get(name, "") for name in FIELDS}
    fields = [{"name": r["name"], "type": r.get("type") or "string", "meaning": r.get("meaning", ""),
               "masked": bool(r.get("masked"))} for r in content.get("data_dictionary") or []]
    out["data_dictionary"] = fields + [{}] * 3
    samples = content.get("sample_rows") or []
    if samples:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(samples[0].keys()), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(samples)
        out["sample_rows"] = buf.getvalue()
    plans = [plan_to_row(p) for p in content.get("plans") or []]
    out["plans"] = plans + [{}] * max(0, 4 - len(plans))
    return out
