"""The demo database (load_demo): every charged plan of a listed product under a cap in force, every agreement
granted by an authority user, and the catalog shows only what is on sale."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.catalog.queries import CatalogQuery, search_catalog
from marketplace.demo import load_demo
from marketplace.models import Agreement, AuditRecord, Product, ProductStatus, Role, User
from marketplace.supply.caps import applicable_cap, cap_problem
from marketplace.supply.on_sale import active_plans, off_sale_reason
from pricing import ChargeForm, PlanTerms
from tests.rules.conftest import TODAY


def test_demo_charged_plans_have_a_cap_in_force_not_below_their_price(app, session):
    load_demo(session)
    session.commit()
    listed = session.execute(select(Product).where(Product.status == ProductStatus.LISTED)).scalars().all()
    assert len(listed) > 40
    missing = []
    for product in listed:
        for plan in active_plans(session, product.id):
            terms = PlanTerms.from_dict(json.loads(plan.terms))
            if terms.form in (ChargeForm.FREE_PUBLIC, ChargeForm.NEGOTIATED):
                continue
            cap = applicable_cap(session, product.id, terms.form.value, today=TODAY)
            if cap is None or cap_problem(terms, cap) is not None:
                missing.append((product.slug, plan.name))
    assert missing == []
    off = {p.slug: off_sale_reason(session, p) for p in listed}
    assert {slug: reason for slug, reason in off.items() if reason is not None} == {}
    shown = search_catalog(session, CatalogQuery(per_page=100)).total
    assert shown == len(listed)


def test_demo_agreements_are_granted_by_an_authority_user(app, session):
    load_demo(session)
    session.commit()
    agreements = session.execute(select(Agreement)).scalars().all()
    assert agreements
    for agreement in agreements:
        record = session.execute(select(AuditRecord).where(AuditRecord.action == "agreement.grant",
                                                           AuditRecord.object_id == agreement.id)).scalar_one()
        user = session.get(User, record.actor_id) if record.actor_id else None
        assert user is not None and user.role == Role.AUTHORITY and user.org_id == agreement.authority_id, \
            (agreement.code, record.actor_label)
