"""Comparable listings for the pricing desk: the visible listings most like a product being priced.

Only listings whose price compares in the same unit (per call, per record, per product) count. Those with
the same charge form come first; then the nearest by the words of title and summary (the catalog's jieba
segmentation, `search._tokens`; cosine of idf-weighted word sets, idf over the listings), with a bonus for
the same product type and the same domain. The reference is the statistics of the top `LIMIT` prices.

`ComparablePool` is pure (the benchmark builds one from the shared CSVs); `load_pool` builds it from the
database once per change of the listings and keeps it in memory.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.catalog.params import ALLOWED, BadParameter
from marketplace.catalog.search import STOPWORDS, _tokens
from marketplace.clock import today
from marketplace.i18n_marker import N_
from marketplace.models import PricePlan, Product, ProductStatus
from marketplace.supply.on_sale import in_force_agreement_ids, on_sale_clause
from pricing import PlanTerms
from pricing.reference import ReferenceStats, reference_stats, unit_of, unit_price_fen

LIMIT = 10
TYPE_BONUS = 0.1
DOMAIN_BONUS = 0.1


@dataclass(frozen=True)
class Listing:
    """One priced listing in one unit: its lowest unit price (Decimal fen) in that unit and its words."""

    slug: str
    title: str
    type: str
    domain: str
    forms: frozenset[str]
    unit: str
    unit_price_fen: Decimal
    words: frozenset[str]


@dataclass(frozen=True)
class Comparable:
    """A ranked comparable and its similarity score."""

    listing: Listing
    score: float
    same_form: bool


def words_of(text: str) -> frozenset[str]:
    """The comparable words of a text: the catalog's segmentation minus the stopwords."""
    return frozenset(t for t in _tokens(text) if t not in STOPWORDS)


class ComparablePool:
    """Listings grouped by unit, with the idf of every word, ready to rank."""

    def __init__(self, listings: Iterable[Listing]):
        self.listings = list(listings)
        df = Counter(w for item in self.listings for w in item.words)
        n = max(1, len(self.listings))
        self.idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
        self._default_idf = math.log((n + 1) / 0.5)
        self.norms = [math.sqrt(sum(self.idf[w] ** 2 for w in item.words)) or 1.0 for item in self.listings]
        self.by_unit: dict[str, list[int]] = {}
        for index, item in enumerate(self.listings):
            self.by_unit.setdefault(item.unit, []).append(index)

    def rank(
        self,
        *,
        charge_form: str,
        type: str = "",
        domain: str = "",
        words: frozenset[str] = frozenset(),
        limit: int = LIMIT,
        exclude: str = "",
    ) -> list[Comparable]:
        """The `limit` listings most like this one, best first."""
        weights = {w: self.idf.get(w, self._default_idf) for w in words}
        q_norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        scored = []
        for index in self.by_unit.get(unit_of(charge_form), ()):
            item = self.listings[index]
            if item.slug == exclude:
                continue
            common = item.words & weights.keys() if len(weights) < len(item.words) else weights.keys() & item.words
            score = sum(weights[w] for w in common) / (q_norm * self.norms[index])
            score += TYPE_BONUS * (item.type == type) + DOMAIN_BONUS * (item.domain == domain)
            scored.append((charge_form in item.forms, score, item.slug, index))
        scored.sort(key=lambda s: (not s[0], -s[1], s[2]))
        return [Comparable(self.listings[i], score, same) for same, score, _, i in scored[:limit]]

    def reference(
        self,
        *,
        charge_form: str,
        type: str = "",
        domain: str = "",
        words: frozenset[str] = frozenset(),
        limit: int = LIMIT,
        exclude: str = "",
    ) -> tuple[ReferenceStats, list[Comparable]]:
        """The reference statistics over the comparables' unit prices, and the comparables."""
        found = self.rank(charge_form=charge_form, type=type, domain=domain, words=words, limit=limit, exclude=exclude)
        stats = reference_stats([c.listing.unit_price_fen for c in found], unit=unit_of(charge_form))
        return stats, found


def listings_of(
    *, slug: str, title: str, type: str, domain: str, words: frozenset[str], plans: Iterable[PlanTerms]
) -> list[Listing]:
    """One Listing per unit in which a product has a public price (its lowest in that unit)."""
    best: dict[str, tuple[Decimal, set[str]]] = {}
    for terms in plans:
        price = unit_price_fen(terms)
        if price is None:
            continue
        unit = unit_of(terms.form)
        low, forms = best.get(unit, (price, set()))
        forms.add(terms.form.value)
        best[unit] = (min(low, price), forms)
    return [
        Listing(
            slug=slug,
            title=title,
            type=type,
            domain=domain,
            forms=frozenset(forms),
            unit=unit,
            unit_price_fen=price,
            words=words,
        )
        for unit, (price, forms) in best.items()
    ]


_CACHE: dict[str, tuple[tuple, ComparablePool]] = {}


def _signature(session: Session, live: list[int]) -> tuple:
    """What changes when the visible priced listings may have changed."""
    products = session.execute(
        select(func.count(), func.sum(Product.id), func.max(Product.updated_at), func.max(Product.listed_at)).where(
            Product.status == ProductStatus.LISTED
        )
    ).one()
    plans = session.execute(select(func.count(), func.max(PricePlan.id)).where(PricePlan.active)).one()
    return (tuple(live), tuple(products), tuple(plans))


def load_pool(session: Session) -> ComparablePool:
    """The pool of visible priced listings, rebuilt only when the listings or plans changed (a GET never writes)."""
    on = today()
    live = sorted(session.execute(in_force_agreement_ids(on)).scalars())
    key = str(session.get_bind().url)
    signature = _signature(session, live)
    cached = _CACHE.get(key)
    if cached and cached[0] == signature:
        return cached[1]
    rows = session.execute(
        select(Product.id, Product.slug, Product.title, Product.type, Product.domain, Product.search_words).where(
            on_sale_clause(on, agreement_ids=live)
        )
    ).all()
    plans: dict[int, list[PlanTerms]] = {}
    for product_id, terms in session.execute(select(PricePlan.product_id, PricePlan.terms).where(PricePlan.active)):
        try:
            plans.setdefault(product_id, []).append(PlanTerms.from_dict(json.loads(terms or "{}")))
        except Exception:  # noqa: BLE001, S112  a broken stored plan is simply not a comparable
            continue
    listings = []
    for product_id, slug, title, type_, domain, search_words in rows:
        words = frozenset(w for w in (search_words or "").split() if w not in STOPWORDS)
        listings += listings_of(
            slug=slug,
            title=title,
            type=str(getattr(type_, "value", type_)),
            domain=domain,
            words=words,
            plans=plans.get(product_id, ()),
        )
    pool = ComparablePool(listings)
    _CACHE[key] = (signature, pool)
    return pool


MAX_TEXT_CHARS = 1000
DEFAULT_FORM = "per_call_flat"  # when the desk does not say: the commonest priced form of the listings
MAX_LIMIT = 50


@dataclass(frozen=True)
class ReferenceQuery:
    """What the desk asks: the product's charge form, type, domain and title + summary text."""

    charge_form: str
    type: str = ""
    domain: str = ""
    q: str = ""
    exclude: str = ""
    limit: int = LIMIT


def parse_reference_query(args) -> ReferenceQuery:
    """Validate the price-reference parameters; raise BadParameter naming the first bad one."""
    form = (args.get("charge_form") or "").strip() or DEFAULT_FORM
    if form not in ALLOWED["charge_form"]:
        raise BadParameter(N_("参数 charge_form 的取值无效"), field="charge_form")
    values = {}
    for name in ("type", "domain"):
        value = (args.get(name) or "").strip()
        if value and value not in ALLOWED[name]:
            raise BadParameter(N_("参数 %(name)s 的取值 “%(value)s” 无效"),
                               params={"name": name, "value": value[:40]}, field=name)
        values[name] = value
    q = (args.get("q") or "").strip()
    if len(q) > MAX_TEXT_CHARS:
        raise BadParameter(N_("参数 q 不能超过 %(MAX_TEXT_CHARS)s 个字符"),
                           params={"MAX_TEXT_CHARS": MAX_TEXT_CHARS}, field="q")
    exclude = (args.get("exclude") or "").strip()
    if len(exclude) > 80:
        raise BadParameter(N_("参数 exclude 过长"), field="exclude")
    raw = (args.get("limit") or "").strip()
    if raw and (not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT):
        raise BadParameter(N_("参数 limit 必须在 1 到 %(MAX_LIMIT)s 之间"),
                           params={"MAX_LIMIT": MAX_LIMIT}, field="limit")
    return ReferenceQuery(charge_form=form, q=q, exclude=exclude, limit=int(raw) if raw else LIMIT, **values)


def price_reference(session: Session, query: ReferenceQuery) -> tuple[ReferenceStats, list[Comparable]]:
    """The reference statistics and comparables for a desk query, from the visible listings."""
    return load_pool(session).reference(
        charge_form=query.charge_form,
        type=query.type,
        domain=query.domain,
        words=words_of(query.q),
        limit=query.limit,
        exclude=query.exclude,
    )
