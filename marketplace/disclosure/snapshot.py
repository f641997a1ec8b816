"""What a disclosure shows, read from the live tables: operator, agreements, resources, products, prices, caps.

The snapshot holds no date of its own making, so the same facts always give the same canonical JSON and hash
(publishing twice without a change makes no new version).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace.catalog_terms import DOMAINS
from marketplace.clock import SHANGHAI
from marketplace.models import Agreement, Organization, Product, ProductStatus
from marketplace.supply.agreements import agreement_domains, operator_agreements
from marketplace.supply.caps import applicable_cap, current_caps
from marketplace.supply.on_sale import plan_terms, plans_in_force
from pricing import CHARGE_FORM_LABELS, ChargeForm, format_bps, format_unit_price, highest_unit_price
from pricing.charge_forms import PRICE_UNITS

_MODEL_IN_TITLE = re.compile(r"（([^（）]+)）\s*$")


def operating_model(title: str) -> str:
    """The operating model an agreement names at the end of its title, e.g. "（集中统一授权）" → 集中统一授权."""
    found = _MODEL_IN_TITLE.search(title or "")
    return found.group(1) if found else ""


def _overlaps_year(agreement: Agreement, year: int) -> bool:
    return agreement.start_date <= date(year, 12, 31) and agreement.end_date >= date(year, 1, 1)


def _agreement(session: Session, a: Agreement) -> dict:
    authority = session.get(Organization, a.authority_id)
    codes = agreement_domains(a)
    return {
        "code": a.code,
        "title": a.title,
        "operating_model": operating_model(a.title),
        "authority": authority.name if authority else "",
        "status": str(a.status),
        "start_date": a.start_date.isoformat(),
        "end_date": a.end_date.isoformat(),
        "allowed_return": format_bps(a.allowed_return_bps),
        "platform_fee": format_bps(a.platform_fee_bps),
        "authority_share": format_bps(a.authority_share_bps),
        "domains": [{"code": c, "label": DOMAINS.get(c, c)} for c in codes],
        "scenarios": a.scenarios,
        "security_duties": a.security_duties,
        "exit_terms": a.exit_terms,
    }


def _price_text(form: str, fen) -> str:
    return f"{format_unit_price(fen)}{PRICE_UNITS.get(ChargeForm(form), '')}"


def _plan(session: Session, product: Product, plan, on: date) -> dict:
    terms = plan_terms(plan)
    form = plan.charge_form
    priced = terms is not None and terms.form not in (ChargeForm.NEGOTIATED, ChargeForm.FREE_PUBLIC)
    cap = applicable_cap(session, product.id, form, today=on) if priced else None
    return {
        "name": plan.name,
        "charge_form": form,
        "charge_form_label": CHARGE_FORM_LABELS.get(ChargeForm(form), form),
        "price": _price_text(form, highest_unit_price(terms)) if priced else "",
        "cap": _price_text(form, cap.cap_fen) if cap is not None else "",
    }


def _local_day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI).date()


def _on_sale_in_year(product: Product, year: int, on: date) -> bool:
    """A listed product belongs to `year` when it went on sale by the year's last day (Asia/Shanghai), the rule
    `_overlaps_year` applies to agreements: it is still listed, so its time on sale runs from then to today."""
    listed_on = _local_day(product.listed_at) if product.listed_at is not None else on
    return listed_on <= date(year, 12, 31)


def _caps(session: Session, product: Product, on: date) -> list[dict]:
    return [
        {
            "charge_form": form,
            "charge_form_label": CHARGE_FORM_LABELS.get(ChargeForm(form), form),
            "cap_fen": str(cap.cap_fen),
            "cap": _price_text(form, cap.cap_fen),
            "trial": cap.trial,
            "trial_expires": cap.trial_expires.isoformat() if cap.trial_expires else "",
            "effective_from": _local_day(cap.effective_from).isoformat(),
        }
        for form, cap in sorted(current_caps(session, product.id, today=on).items())
    ]


def listed_products(session: Session, operator_id: int) -> list[Product]:
    """The operator's listed products (its own and those its brokers list), by slug."""
    return list(
        session.execute(
            select(Product)
            .where(Product.operator_id == operator_id, Product.status == ProductStatus.LISTED)
            .order_by(Product.slug)
        ).scalars()
    )


def build_snapshot(session: Session, *, operator: Organization, year: int, on: date) -> dict:
    """The disclosure's content for `year` as the facts stand on day `on` (prices and caps in force then).

    Agreements that ran during the year and the listed products on sale by its end: a past year's disclosure
    leaves out what went on sale after it."""
    agreements = [a for a in reversed(operator_agreements(session, operator.id)) if _overlaps_year(a, year)]
    by_id = {a.id: a.code for a in agreements}
    products = [
        {
            "slug": p.slug,
            "title": p.title,
            "type": str(p.type),
            "domain": p.domain,
            "domain_label": DOMAINS.get(p.domain, p.domain),
            "agreement": by_id.get(p.agreement_id, ""),
            "plans": [_plan(session, p, plan, on) for plan in plans_in_force(session, p.id, on)],
            "caps": _caps(session, p, on),
        }
        for p in listed_products(session, operator.id)
        if _on_sale_in_year(p, year, on)
    ]
    return {
        "year": year,
        "operator": {
            "name": operator.name,
            "uscc": operator.uscc,
            "address": operator.address,
            "operating_models": sorted({m for a in agreements if (m := operating_model(a.title))}),
        },
        "agreements": [_agreement(session, a) for a in agreements],
        "products": products,
    }


def canonical(content: dict) -> str:
    """The stored form: sorted keys, no spaces, Chinese kept as is."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
