"""Read helpers for the workbench pages: choices, dashboard and product context."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.clock import today
from marketplace.models import Agreement, AgreementStatus, BrokerQualification, Mandate, Organization, Role
from marketplace.supply import agreements as ag
from marketplace.supply import brokers, listing
from marketplace.supply.caps import CAPPED_FORMS, applicable_cap, current_caps
from marketplace.supply.checks import awaits_dictionary
from marketplace.supply.deliverability import KEYED_TYPES, delivery_gap
from marketplace.supply.errors import SupplyError
from marketplace.supply.on_sale import MESSAGES, plans_to_reprice
from marketplace.web.supply.forms import PLAN_FIELDS, PLAN_HINTS
from pricing import CHARGE_FORM_LABELS, format_unit_price
from pricing.charge_forms import PRICE_UNITS


def _operators_for(db, user) -> list[Organization]:
    if user.role == Role.OPERATOR:
        return [db.get(Organization, user.org_id)]
    mandates = brokers.active_mandates(db, broker_id=user.org_id, today=today())
    ids = list(dict.fromkeys(m.operator_id for m in mandates))
    return [db.get(Organization, i) for i in ids]


def fill_choices(db, form, user, product=None) -> None:
    """Operators the user may list for, and their active agreements."""
    operators = [db.get(Organization, product.operator_id)] if product else _operators_for(db, user)
    form.operator_id.choices = [(o.id, o.name) for o in operators]
    rows = db.execute(select(Agreement).where(Agreement.operator_id.in_([o.id for o in operators] or [0]),
                                              Agreement.status == AgreementStatus.ACTIVE)
                      .order_by(Agreement.id.desc())).scalars()
    form.agreement_id.choices = [(0, _("（按数据领域自动匹配）"))] + [(a.id, f"{a.code} {a.title}") for a in rows]
    if product is not None and request_is_get():
        form.agreement_id.data = product.agreement_id


def request_is_get() -> bool:
    from flask import request

    return request.method == "GET"


def parties(form, user) -> tuple[int, int | None]:
    """(operator_id, broker_id) of a new product."""
    if user.role == Role.OPERATOR:
        return user.org_id, None
    if not form.operator_id.data or form.operator_id.data not in {c[0] for c in form.operator_id.choices}:
        raise SupplyError("请选择委托您的运营单位（经纪人只能为有效委托的运营单位上架）", field="operator_id")
    return form.operator_id.data, user.org_id


STATUS_TABS = ("draft", "in_review", "rejected", "listed", "delisted")
PER_PAGE = 20


def _page_arg(args) -> int:
    raw = str(args.get("page") or "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def filter_products(products: list, args) -> dict:
    """The product table: counts per status, then filtered by status tab and search text, one page of it."""
    counts = {s: 0 for s in STATUS_TABS}
    for p in products:
        counts[str(p.status)] = counts.get(str(p.status), 0) + 1
    status = args.get("status") if args.get("status") in STATUS_TABS else ""
    q = (args.get("q") or "").strip()
    rows = [p for p in products if (not status or str(p.status) == status)
            and (not q or q.lower() in p.title.lower() or q.lower() in (p.registration_code or "").lower())]
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(_page_arg(args), pages)
    return {"counts": counts, "total_count": len(products), "status": status, "q": q, "page": page,
            "per_page": PER_PAGE, "matched": len(rows), "products": rows[(page - 1) * PER_PAGE:page * PER_PAGE]}


def dashboard_context(db, user, args) -> dict:
    """Everything the dashboard shows for an operator or a broker (product table filtered by args)."""
    table = filter_products(listing.org_products(db, org_id=user.org_id), args)
    products = table["products"]
    org_names = {o.id: o.name for o in db.execute(select(Organization)).scalars()}
    reprice = []
    if user.role == Role.OPERATOR:
        reprice = plans_to_reprice(db, operator_id=user.org_id)  # R3: plans a new or lower cap took off sale
        agreements = ag.operator_agreements(db, user.org_id)
        mandates = list(db.execute(select(Mandate).where(Mandate.operator_id == user.org_id)
                                   .order_by(Mandate.id.desc())).scalars())
        quals = []
    else:
        agreements = []
        mandates = list(db.execute(select(Mandate).where(Mandate.broker_id == user.org_id)
                                   .order_by(Mandate.id.desc())).scalars())
        quals = list(db.execute(select(BrokerQualification).where(BrokerQualification.broker_id == user.org_id)
                                .order_by(BrokerQualification.valid_to.desc())).scalars())
    return {**table, "latest": listing.latest_revisions(db, [p.id for p in products]),
            "agreements": agreements, "mandates": mandates, "quals": quals, "org_names": org_names,
            "domains_of": ag.agreement_domain_labels, "today": today(), "reprice": reprice,
            "off_sale_messages": MESSAGES}


def product_context(db, product) -> dict:
    """A product with its revisions (checks decoded), agreement and caps."""
    revisions = listing.product_revisions(db, product.id)
    caps = current_caps(db, product.id)
    return {"product": product, "revisions": revisions,
            "checks": {r.id: json.loads(r.checks or "[]") for r in revisions},
            "agreement": db.get(Agreement, product.agreement_id), "caps": caps,
            "cap_texts": {f: cap_text(c) for f, c in caps.items()},
            "operator": db.get(Organization, product.operator_id), "form_labels": CHARGE_FORM_LABELS,
            "delivery_gap": delivery_gap(db, product_id=product.id, ptype=product.type,
                                         offline=product.offline_delivery),
            "awaits_dictionary": bool(revisions) and awaits_dictionary(product, listing.revision_content(revisions[0]))}


def cap_text(cap) -> str:
    """A cap as the editor shows it, e.g. "¥0.05/次"."""
    return format_unit_price(cap.cap_fen) + _(PRICE_UNITS.get(cap.charge_form, ""))


def plan_editor(db, product) -> dict:
    """The plan editor's data: inputs and hint per charge form, the cap each form is held to (existing products)."""
    caps = {}
    if product is not None:
        for form in CAPPED_FORMS:
            cap = applicable_cap(db, product.id, form.value)
            if cap is not None:
                caps[form.value] = cap_text(cap)
    return {"plan_fields": PLAN_FIELDS, "plan_hints": {f.value: str(h) for f, h in PLAN_HINTS.items()},
            "plan_caps": caps, "form_labels": {f.value: label for f, label in CHARGE_FORM_LABELS.items()},
            "keyed_types": " ".join(sorted(t.value for t in KEYED_TYPES))}  # rate limits: gateway products only
