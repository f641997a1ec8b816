"""Turn request parameters into a CatalogQuery: strictly for the API (400 naming the parameter), leniently for pages."""

from __future__ import annotations

import re
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


# Words for a product type in a query (lower case): they filter by type instead of being searched as text.
TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("api", "apis", "接口", "数据接口"), ProductType.API.value),
    **dict.fromkeys(("数据包", "dataset", "datasets", "package", "packages"), ProductType.PACKAGE.value),
    **dict.fromkeys(("报告", "数据报告", "report", "reports"), ProductType.REPORT.value),
    **dict.fromkeys(("模型", "数据模型", "model", "models"), ProductType.MODEL.value),
}
_CJK_TYPE_WORDS = sorted((w for w in TYPE_WORDS if not w.isascii()), key=len, reverse=True)
_LATIN_HEAD = re.compile(r"^([a-z]+)([\u3400-\u9fff].*)$")  # "api信用"
_LATIN_TAIL = re.compile(r"^(.*[\u3400-\u9fff])([a-z]+)$")  # "信用api"


def _strip_type_word(token: str) -> tuple[str, str] | None:
    """(the rest, the type word) when a token is or ends with a type word ("信用接口"), or joins a Latin one to
    Chinese ("API信用"); None otherwise."""
    low = token.lower()
    if low in TYPE_WORDS:
        return "", token
    for word in _CJK_TYPE_WORDS:
        if low.endswith(word):
            return token[: -len(word)], token[-len(word) :]
    for pattern, word_group in ((_LATIN_HEAD, 1), (_LATIN_TAIL, 2)):
        found = pattern.match(low)
        if found and found.group(word_group) in TYPE_WORDS:
            start, end = found.span(3 - word_group)
            return token[start:end], token[slice(*found.span(word_group))]
    return None


def split_type_words(q: str) -> tuple[str, tuple[str, ...], str]:
    """The query without its product-type words, the words taken out, and the type of the first one ("" if none).

    "API 信用" → ("信用", ("API",), "api"). Words of a second type stay in the query as text; a query without
    type words comes back unchanged."""
    kept, words = [], []
    for token in q.split():
        while (found := _strip_type_word(token)) is not None:
            if words and TYPE_WORDS[found[1].lower()] != TYPE_WORDS[words[0].lower()]:
                break  # a word of a second type stays text: one type filters
            token = found[0]
            words.append(found[1])
        if token:
            kept.append(token)
    if not words:
        return q, (), ""
    return " ".join(kept), tuple(words), TYPE_WORDS[words[0].lower()]


class BadParameter(DomainError):
    """A query parameter has a value the catalog does not accept."""


def _int(args: Mapping, name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(N_("参数 %(name)s 必须是整数"), params={"name": name}, field=name) from None
    if not low <= value <= high:
        raise BadParameter(N_("参数 %(name)s 必须在 %(low)s 到 %(high)s 之间"),
                           params={"name": name, "low": low, "high": high}, field=name)
    return value


def _filter_value(name: str, value: str) -> str:
    if name in ALLOWED and value not in ALLOWED[name]:
        raise BadParameter(N_("参数 %(name)s 的取值 “%(value)s” 无效"),
                           params={"name": name, "value": value[:40]}, field=name)
    if name == "operator" and not (value.isdigit() and int(value) <= MAX_ID):
        raise BadParameter(N_("参数 operator 必须是运营单位编号"), field=name)
    if len(value) > 60:
        raise BadParameter(N_("参数 %(name)s 过长"), params={"name": name}, field=name)
    return value


def parse_query(args: Mapping, *, default_per_page: int = 20) -> CatalogQuery:
    """Validate parameters; raise BadParameter (400) naming the first bad one."""
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadParameter(N_("参数 q 不能超过 %(MAX_QUERY_CHARS)s 个字符"),
                           params={"MAX_QUERY_CHARS": MAX_QUERY_CHARS}, field="q")
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise BadParameter(N_("参数 sort 必须是 %(sorts)s 之一"), params={"sorts": ', '.join(SORTS)}, field="sort")
    filters = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if value:
            filters[name] = _filter_value(name, value)
    q, type_words, word_type = split_type_words(q)  # a type chosen as a filter wins over a type word
    if word_type and "type" not in filters:
        filters["type"] = word_type
    return CatalogQuery(q=q, filters=filters, sort=sort, page=_int(args, "page", 1, 1, MAX_PAGE),
                        per_page=_int(args, "per_page", default_per_page, 1, MAX_PER_PAGE), type_words=type_words)


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
