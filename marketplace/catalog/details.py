"""Everything a product page shows: plans with their caps, the data dictionary, a masked sample, safe markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from sqlalchemy import select
from sqlmodel import Session

from marketplace.catalog.visibility import plan_terms
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, CapPrice, Organization, PricePlan, Product
from marketplace.supply.caps import CAPPED_FORMS, applicable_cap
from marketplace.supply.on_sale import MESSAGES, active_plans, off_sale_reason, plan_on_sale
from pricing import ChargeForm, PlanTerms
from pricing.charge_forms import PRICE_UNITS

CAPPED = {form.value for form in CAPPED_FORMS}

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False})
# An image is shown as its alt text: a listing must never make the buyer's browser fetch a remote image.
_MD.add_render_rule("image", lambda self, tokens, idx, options, env: escapeHtml(tokens[idx].content))
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
         "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
MAX_SAMPLE_ROWS = 10


class ProductGone(NotFound):
    """The product exists but is not on sale (supply.on_sale says why): 404 with a clear page."""

    def __init__(self, reason):
        super().__init__(MESSAGES[reason])
        self.reason = reason


def render_markdown(source: str) -> str:
    """Markdown to sanitized HTML: raw HTML and images dropped, links made inert to referrers and crawlers."""
    html = _MD.render(source or "")
    return nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer nofollow",
                     url_schemes={"http", "https", "mailto"})


def mask_value(value) -> str:
    """Mask a sample value: keep the first and last character of longer values."""
    text = "" if value is None else str(value)
    if len(text) <= 2:
        return "*" * len(text) if text else ""
    keep = 1 if len(text) < 8 else 3
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


def _json_list(raw: str) -> list:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def data_dictionary(product: Product) -> list[dict]:
    """The dictionary as a list of {name, type, meaning, masked, masked_at_source}."""
    fields = [f for f in _json_list(product.data_dictionary) if isinstance(f, dict) and f.get("name")]
    return [{"name": str(f["name"]), "type": str(f.get("type", "")), "meaning": str(f.get("meaning", "")),
             "masked": bool(f.get("masked")), "masked_at_source": bool(f.get("masked_at_source"))} for f in fields]


def masked_sample(product: Product, dictionary: list[dict]) -> tuple[list[str], list[list[str]]]:
    """Column names and at most MAX_SAMPLE_ROWS rows, fields flagged masked replaced by asterisks."""
    rows = [r for r in _json_list(product.sample_rows) if isinstance(r, dict)][:MAX_SAMPLE_ROWS]
    columns = list(dict.fromkeys([f["name"] for f in dictionary] or [k for r in rows for k in r]))
    # Samples of API products are produced by the gateway with each field's own masking rule already applied.
    masked = {f["name"] for f in dictionary if f["masked"] and not f["masked_at_source"]}
    body = [[mask_value(r.get(c)) if c in masked else str(r.get(c, "")) for c in columns] for r in rows]
    return columns, body


@dataclass
class PlanView:
    """A plan as the page shows it."""

    plan: PricePlan
    terms: PlanTerms | None
    unit: str
    cap: CapPrice | None

    @property
    def quoted(self) -> bool:
        return self.terms is not None and self.terms.form is ChargeForm.NEGOTIATED

    @property
    def free(self) -> bool:
        return self.terms is not None and self.terms.form is ChargeForm.FREE_PUBLIC


def plan_views(session: Session, product: Product, on: date | None = None) -> list[PlanView]:
    """Active plans on sale (R3: a charged plan without a cap in force, or above it, is not offered) and their cap."""
    views = []
    for plan in active_plans(session, product.id):
        if not plan_on_sale(session, product, plan, on=on):
            continue
        # the cap this plan is held to (expired trial caps skipped; tiers fall back to the flat per-call cap)
        cap = applicable_cap(session, product.id, plan.charge_form, today=on) if plan.charge_form in CAPPED else None
        views.append(PlanView(plan=plan, terms=plan_terms(plan), unit=PRICE_UNITS.get(plan.charge_form, ""),
                              cap=cap))
    return views


@dataclass
class ProductPage:
    """What the product page renders."""

    product: Product
    operator: Organization | None
    broker: Organization | None
    agreement: Agreement | None
    plans: list[PlanView]
    dictionary: list[dict]
    sample_columns: list[str]
    sample_rows: list[list[str]]
    description_html: str
    extra: dict = field(default_factory=dict)


def load_product_page(session: Session, slug: str) -> ProductPage:
    """The visible product with this slug; NotFound when unknown, ProductGone when not on sale."""
    product = session.execute(select(Product).where(Product.slug == slug)).scalars().first()
    if product is None:
        raise NotFound(N_("数据产品不存在"))
    reason = off_sale_reason(session, product)
    if reason is not None:
        raise ProductGone(reason)
    dictionary = data_dictionary(product)
    columns, rows = masked_sample(product, dictionary)
    return ProductPage(product=product, operator=session.get(Organization, product.operator_id),
                       broker=session.get(Organization, product.broker_id) if product.broker_id else None,
                       agreement=session.get(Agreement, product.agreement_id), plans=plan_views(session, product),
                       dictionary=dictionary, sample_columns=columns, sample_rows=rows,
                       description_html=render_markdown(product.description_md))
