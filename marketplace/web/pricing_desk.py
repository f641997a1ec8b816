"""The pricing desk (定价参考) beside the plan editor and the cap form: figures for templates/pricing_desk/_desk.html.

Read-only: it reads the desk's own GET parameters (desk_form, desk_price, desk_cost, desk_rate, desk_volume,
desk_revenue), never writes. When the product's operator has cost entries for the current year, the cost and the
revenue so far default to the product's share of them (marketplace.returns.desk); the form still overrides both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from marketplace.catalog.comparables import ReferenceQuery, price_reference
from marketplace.clock import today
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, ProductType
from marketplace.returns.desk import desk_defaults
from marketplace.supply import listing
from marketplace.supply.caps import CAPPED_FORMS, applicable_cap
from marketplace.supply.content import plan_terms
from marketplace.supply.deliverability import FILE_TYPES
from marketplace.web.error_text import error_text
from pricing import CHARGE_FORM_LABELS, ChargeForm, PricingError, parse_yuan, round_fen
from pricing.charge_forms import PRICE_UNITS
from pricing.plans import highest_unit_price
from pricing.reference import UNIT_LABELS, cost_based_price_fen, headroom_effect, under_cap

DESK_FORMS = [f.value for f in CAPPED_FORMS]
MAX_VOLUME = 10**12


def _yuan(args: Mapping, name: str, errors: dict) -> Decimal | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_yuan(raw)
    except PricingError as e:
        errors[name] = error_text(e)
        return None


def _yuan_text(fen: Decimal) -> str:
    """Decimal fen as the yuan text a price input holds, e.g. "0.5"."""
    return format((fen / 100).normalize(), "f")


def _count(args: Mapping, name: str, errors: dict, *, high: int = MAX_VOLUME) -> int | None:
    raw = (args.get(name) or "").strip().replace(",", "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= high:
        errors[name] = N_("请填写正整数")
        return None
    return int(raw)


def _saved_plans(db, product) -> dict[str, Decimal]:
    """The product's newest plan price per charge form (as compared with the cap), Decimal fen."""
    if product is None:
        return {}
    revision = listing.latest_revision(db, product.id)
    prices = {}
    for plan in listing.revision_content(revision).get("plans", []) if revision else []:
        try:
            terms = plan_terms(plan)
        except Exception:  # noqa: BLE001, S112  a plan that cannot be read gives no default
            continue
        prices.setdefault(terms.form.value, highest_unit_price(terms))
    return prices


def _opening_form(saved: dict, charge_form: str | None, product_type: str) -> str:
    """The charge form the desk opens on: the one asked for, else the product's first priced plan's, else by kind:
    one-off prices for file products and for 面议 (its offers are one-off prices), per call for the rest."""
    if charge_form in DESK_FORMS:
        return charge_form
    priced = next(iter(f for f in saved if f in DESK_FORMS), None)
    if priced is not None:
        return priced
    one_off = product_type in FILE_TYPES or ChargeForm.NEGOTIATED.value in saved
    return (ChargeForm.ONE_OFF if one_off else ChargeForm.PER_CALL_FLAT).value


def desk_context(db, *, product=None, args: Mapping, charge_form: str | None = None,
                 product_type: str | None = None) -> dict:
    """Everything the desk partial shows, as {"desk": {...}}; bad inputs become messages, never errors.

    `product_type` is the type a new product's form holds (a saved product's own type is used otherwise)."""
    saved = _saved_plans(db, product)
    form = (args.get("desk_form") or "").strip()
    by_kind = form not in DESK_FORMS and charge_form not in DESK_FORMS and not saved  # then it follows the type
    if form not in DESK_FORMS:
        kind = str(product.type) if product is not None else (product_type or ProductType.PACKAGE.value)
        form = _opening_form(saved, charge_form, kind)
    errors: dict[str, str] = {}
    price = _yuan(args, "desk_price", errors)
    if price is None and "desk_price" not in errors:
        price = saved.get(form)
    ledger = desk_defaults(db, product=product, year=today().year) if product is not None else None
    filled = {}
    cost = _yuan(args, "desk_cost", errors)
    if cost is None and "desk_cost" not in errors and ledger is not None:
        cost, filled["desk_cost"] = Decimal(ledger.cost_fen), _yuan_text(Decimal(ledger.cost_fen))
    revenue = _yuan(args, "desk_revenue", errors)
    if revenue is None and "desk_revenue" not in errors and ledger is not None:
        revenue, filled["desk_revenue"] = Decimal(ledger.revenue_fen), _yuan_text(Decimal(ledger.revenue_fen))
    revenue = revenue or Decimal(0)
    volume = _count(args, "desk_volume", errors)
    agreement = db.get(Agreement, product.agreement_id) if product is not None else None
    rate = agreement.allowed_return_bps if agreement else 800
    text = f"{product.title}\n{product.summary}" if product is not None else (args.get("desk_q") or "")[:1000]
    query = ReferenceQuery(
        charge_form=form,
        type=str(getattr(product, "type", "") or ""),
        domain=getattr(product, "domain", "") or "",
        q=text,
        exclude=product.slug if product is not None else "",
    )
    stats, found = price_reference(db, query)
    cap = applicable_cap(db, product.id, form) if product is not None else None
    cost_price = effect = None
    if cost is not None and volume:
        cost_fen = round_fen(cost)
        cost_price = cost_based_price_fen(cost_fen=cost_fen, rate_bps=rate, volume=volume)
        if price is not None:
            effect = headroom_effect(
                price_fen=price, volume=volume, cost_fen=cost_fen, rate_bps=rate, revenue_fen=round_fen(revenue)
            )
    return {
        "desk": {
            "form": form,
            "forms": [(f, CHARGE_FORM_LABELS[ChargeForm(f)]) for f in DESK_FORMS],
            "form_label": CHARGE_FORM_LABELS[ChargeForm(form)],
            "form_unit": PRICE_UNITS.get(ChargeForm(form), ""),
            "stats": stats,
            "unit_label": UNIT_LABELS[stats.unit],
            "comparables": found,
            "price": price,
            "cap": cap.cap_fen if cap else None,
            "under_cap": under_cap(price, cap.cap_fen if cap else None),
            "rate_bps": rate,
            "cost_price": cost_price,
            "effect": effect,
            "errors": errors,
            "ledger": ledger,
            "exclude": query.exclude,
            "follow_type": " ".join(sorted(t.value for t in FILE_TYPES)) if by_kind else "",
        "type": query.type,
        "domain": query.domain,
        "q": query.q,
        "args": {k: args.get(k, "") for k in ("desk_price", "desk_cost", "desk_volume", "desk_revenue")}
            | ({"desk_price": _yuan_text(price)} if price is not None and not args.get("desk_price") else {})
            | filled,
        }
    }
