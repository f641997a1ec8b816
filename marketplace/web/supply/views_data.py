"""Read helpers for the workbench pages: choices, dashboard and product context."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.catalog.visibility import today
from marketplace.models import Agreement, AgreementStatus, BrokerQualification, Mandate, Organization, Role
from marketplace.supply import agreements as ag
from marketplace.supply import brokers, listing
from marketplace.supply.caps import current_caps
from marketplace.supply.errors import SupplyError
from pricing import CHARGE_FORM_LABELS


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
    form.agreement_id.choices = [(0, "（按数据领域自动匹配）")] + [(a.id, f"{a.code} {a.title}") for a in rows]
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
        raise SupplyError("请选择委托您的运营单位（R6：经纪人只能为有效委托的运营单位上架）", field="operator_id")
    return form.operator_id.data, user.org_id


def dashboard_context(db, user) -> dict:
    """Everything the dashboard shows for an operator or a broker."""
    products = listing.org_products(db, org_id=user.org_id)
    org_names = {o.id: o.name for o in db.execute(select(Organization)).scalars()}
    if user.role == Role.OPERATOR:
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
    return {"products": products, "latest": listing.latest_revisions(db, [p.id for p in products]),
            "agreements": agreements, "mandates": mandates, "quals": quals, "org_names": org_names,
            "domains_of": ag.agreement_domain_labels, "today": today()}


def product_context(db, product) -> dict:
    """A product with its revisions (checks decoded), agreement and caps."""
    revisions = listing.product_revisions(db, product.id)
    return {"product": product, "revisions": revisions,
            "checks": {r.id: json.loads(r.checks or "[]") for r in revisions},
            "agreement": db.get(Agreement, product.agreement_id), "caps": current_caps(db, product.id),
            "operator": db.get(Organization, product.operator_id), "form_labels": CHARGE_FORM_LABELS}
