"""Turn request parameters into a CatalogQuery: strictly for the API (400 naming the parameter), leniently for pages."""

from __future__ import annotations

from collections.abc import Mapping

from marketplace.catalog.queries import FILTERS, MAX_PER_PAGE, PRICE_RANGES, SORTS, CatalogQuery
from marketplace.catalog_terms import DOMAINS, UPDATE_FREQUENCIES
from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.models import Openness, ProductType
from pricing import ChargeForm

MAX_PAGE = 10000
MAX_QUERY_CHARS = 100
MAX_ID = 2**31 - 1  # ids are INTEGER (32-bit on PostgreSQL): larger ones exist nowhere and overflow the query

ALLOWED: dict[str, frozenset[str]] = {
    "type": frozenset(t.value for t in ProductType),
    "domain": frozenset(DOMAINS),
    "openness": frozenset(o.value for o in Openness),
    "charge_form": frozenset(c.value for c in ChargeForm),
    "update_frequency": frozenset(UPDATE_FREQUENCIES),
    "price": frozenset(PRICE_RANGES),
}


class BadParameter(DomainError):
    """A query parameter has a value the catalog does not accept."""


def _int(args: Mapping, name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"参数 {name} 必须是整数", field=name) from None
    if not low <= value <= high:
        raise BadParameter(f"参数 {name} 必须在 {low} 到 {high} 之间", field=name)
    return value


def _filter_value(name: str, value: str) -> str:
    if name in ALLOWED and value not in ALLOWED[name]:
        raise BadParameter(f"参数 {name} 的取值 “{value[:40]}” 无效", field=name)
    if name == "operator" and not (value.isdigit() and int(value) <= MAX_ID):
        raise BadParameter(N_("参数 operator 必须是运营单位编号"), field=name)
    if len(value) > 60:
        raise BadParameter(f"参数 {name} 过长", field=name)
    return value


def parse_query(args: Mapping, *, default_per_page: int = 20) -> CatalogQuery:
    """Validate parameters; raise BadParameter (400) naming the first bad one."""
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(f"参数 q 不能超过 {MAX_QUERY_CHARS} 个字符", field="q")
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise BadParameter(f"参数 sort 必须是 {', '.join(SORTS)} 之一", field="sort")
    filters = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if value:
            filters[name] = _filter_value(name, value)
    return CatalogQuery(q=q, filters=filters, sort=sort, page=_int(args, "page", 1, 1, MAX_PAGE),
                        per_page=_int(args, "per_page", default_per_page, 1, MAX_PER_PAGE))


def parse_query_leniently(args: Mapping) -> CatalogQuery:
    """Like parse_query, but drop whatever is invalid (a page never fails on a bad link)."""
    clean = {k: v for k, v in args.items() if isinstance(v, str)}
    for _attempt in range(len(clean) + 1):
        try:
            return parse_query(clean)
        except BadParameter as e:
            clean.pop(e.field, None)
            if e.field == "q":
                clean["q"] = args.get("q", "")[:MAX_QUERY_CHARS]
    return CatalogQuery()
