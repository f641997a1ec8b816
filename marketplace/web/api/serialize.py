"""Products as JSON: the list item and the full detail."""

from __future__ import annotations

from flask import url_for

from marketplace.catalog.details import ProductPage
from marketplace.catalog_terms import DOMAINS
from marketplace.models import Product
from pricing.reference import UNIT_LABELS

# Our charge forms → the price modes of the shared listings (usage-based, one-off, subscription, negotiation, free).
PRICE_MODE_ORDER = (
    ("usage-based", {"per_call_flat", "per_call_graduated", "per_call_volume", "prepaid_calls", "per_record"}),
    ("one-off", {"one_off"}),
    ("subscription", {"subscription_month", "subscription_year"}),
    ("free", {"free_public"}),
    ("negotiation", {"negotiated"}),
)


def price_mode(charge_forms: list[str]) -> str:
    """The listing's price mode from its active charge forms (negotiation when it has no public price)."""
    forms = set(charge_forms)
    return next((mode for mode, members in PRICE_MODE_ORDER if forms & members), "negotiation")


def product_item(product: Product, operator_name: str) -> dict:
    """The list representation of a visible product."""
    forms = (product.charge_forms or "").split()
    return {
        "slug": product.slug, "title": product.title, "type": str(product.type), "domain": product.domain,
        "domain_label": DOMAINS.get(product.domain, product.domain), "region": product.region,
        "operator": operator_name, "operator_id": product.operator_id, "openness": str(product.openness),
        "update_frequency": product.update_frequency, "price_mode": price_mode(forms), "charge_forms": forms,
        "min_price_fen": product.min_price_fen, "summary": product.summary,
        "listed_at": product.listed_at.isoformat() if product.listed_at else None,
        "url": url_for("catalog.product", slug=product.slug, _external=True),
    }


def _plan(view) -> dict:
    cap = view.cap
    return {
        "id": view.plan.id, "name": view.plan.name, "charge_form": view.plan.charge_form,
        "terms": view.terms.to_dict() if view.terms else None,
        "cap": None if cap is None else {"cap_fen": str(cap.cap_fen), "trial": cap.trial,
                                         "trial_expires": cap.trial_expires.isoformat() if cap.trial_expires else None},
    }


def product_detail(page: ProductPage) -> dict:
    """The full representation: listing fields, agreement, plans with caps, dictionary and masked sample."""
    p, agreement = page.product, page.agreement
    item = product_item(p, page.operator.name if page.operator else "")
    if not item["charge_forms"]:
        item["charge_forms"] = [v.plan.charge_form for v in page.plans]
        item["price_mode"] = price_mode(item["charge_forms"])
    return {
        **item, "description_md": p.description_md, "security_grade": str(p.security_grade),
        "registration_code": p.registration_code, "delivery_mode": p.delivery_mode,
        "version_notes": p.version_notes, "broker": page.broker.name if page.broker else None,
        "agreement": None if agreement is None else {
            "code": agreement.code, "title": agreement.title, "start_date": agreement.start_date.isoformat(),
            "end_date": agreement.end_date.isoformat()},
        "plans": [_plan(v) for v in page.plans], "data_dictionary": page.dictionary,
        "sample": {"columns": page.sample_columns, "rows": page.sample_rows},
    }


def _fen_text(value) -> str | None:
    """A Decimal fen amount as plain text ("0.5"), None when absent."""
    if value is None:
        return None
    return format(value.normalize(), "f")


def price_reference_body(stats, found) -> dict:
    """JSON of the pricing desk's reference: statistics in Decimal fen (strings) and the comparables."""
    return {
        "unit": stats.unit, "unit_label": UNIT_LABELS[stats.unit], "count": stats.count,
        "median": _fen_text(stats.median),
        "quartiles": {"q1": _fen_text(stats.q1), "q3": _fen_text(stats.q3)},
        "lowest": _fen_text(stats.lowest), "highest": _fen_text(stats.highest),
        "comparables": [{
            "slug": c.listing.slug, "title": c.listing.title, "type": c.listing.type, "domain": c.listing.domain,
            "charge_forms": sorted(c.listing.forms), "same_charge_form": c.same_form,
            "unit_price": _fen_text(c.listing.unit_price_fen), "score": round(c.score, 4),
            "url": url_for("catalog.product", slug=c.listing.slug, _external=True),
        } for c in found],
    }


def price_index_body(index) -> dict:
    """JSON of the price index: the months and, per source, domain and charge form, the monthly medians."""
    return {
        "months": index.months,
        "series": [
            {
                "source": s.source, "domain": s.domain, "domain_label": DOMAINS.get(s.domain, s.domain),
                "charge_form": s.charge_form, "unit": s.unit, "unit_label": UNIT_LABELS[s.unit], "count": s.count,
                "points": [{"month": p.month, "count": p.count, "median": _fen_text(p.median)} for p in s.points],
            }
            for s in index.series
        ],
    }
