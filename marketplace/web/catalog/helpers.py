"""Template helpers of the catalog: facet labels, filter links."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.catalog_terms import DOMAINS, OPENNESS, PRODUCT_TYPES, UPDATE_FREQUENCIES
from marketplace.models import Organization
from pricing import CHARGE_FORM_LABELS

FACET_TITLES = {
    "type": _l("产品类型"), "domain": _l("数据领域"), "region": _l("地区"), "operator": _l("运营单位"),
    "openness": _l("开放属性"), "charge_form": _l("收费方式"), "update_frequency": _l("更新频率"),
    "price": _l("价格区间"),
}
PRICE_LABELS = {
    "free": _l("免费"), "under_100": _l("100元以下"), "100_1000": _l("100–1000元"),
    "1000_10000": _l("1000–10000元"), "over_10000": _l("10000元以上"), "negotiated": _l("面议"),
}
SORT_LABELS = {
    "relevance": _l("相关度"), "newest": _l("最新上架"), "popular": _l("最受欢迎"),
    "price_asc": _l("价格从低到高"), "price_desc": _l("价格从高到低"),
}


def operator_names(db, ids) -> dict[str, str]:
    """Organization names by id (as strings, the facet keys)."""
    ids = {int(i) for i in ids if str(i).isdigit()}
    if not ids:
        return {}
    rows = db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()
    return {str(i): name for i, name in rows}


def facet_labels(facet: str, operators: dict[str, str]) -> dict:
    """value → label for one facet."""
    return {
        "type": {t.value: label for t, label in PRODUCT_TYPES.items()},
        "domain": DOMAINS,
        "operator": operators,
        "openness": {o.value: label for o, label in OPENNESS.items()},
        "charge_form": {c.value: label for c, label in CHARGE_FORM_LABELS.items()},
        "update_frequency": UPDATE_FREQUENCIES,
        "price": PRICE_LABELS,
    }.get(facet, {})


def catalog_url(**changes) -> str:
    """The current catalog URL with some parameters changed (None removes one); back to page 1."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    for key, value in changes.items():
        if value is None or args.get(key) == value:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for("catalog.index", **args)
