"""GET /price-index: the public price index — filters, a chart of one charge form's medians, and the table."""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from marketplace.catalog.price_index import DEFAULT_MONTHS, MAX_MONTHS, IndexQuery, parse_index_filters, price_index
from marketplace.catalog_terms import DOMAINS
from marketplace.web.access import public
from marketplace.web.api.serialize import price_index_body
from marketplace.web.db import get_db
from marketplace.web.ints import query_int
from pricing import CHARGE_FORM_LABELS
from pricing.price_index import INDEX_FORMS, LISTED
from pricing.reference import UNIT_LABELS

bp = Blueprint("price_index", __name__)
CHART_SERIES = 8  # lines on the chart at most: the series with the most observations
MONTH_CHOICES = (3, 6, 12, 24, 36)


def chart_data(body: dict, form: str) -> dict:
    """Chart.js data: one line per series of this charge form (listed solid, settled dashed), medians in fen."""
    chosen = [s for s in body["series"] if s["charge_form"] == form][:CHART_SERIES]
    datasets = []
    for s in chosen:
        by_month = {p["month"]: p["median"] for p in s["points"]}
        source = _("挂牌价") if s["source"] == LISTED else _("成交价")
        datasets.append(
            {
                "label": f"{_(s['domain_label'])} · {source}",
                "settled": s["source"] != LISTED,
                "data": [by_month.get(m) for m in body["months"]],
            }
        )
    return {"labels": body["months"], "datasets": datasets}


@bp.get("/price-index")
@public
def index():
    """The index for the filters in the query string; a bad filter is a 400 naming it."""
    filters = parse_index_filters(request.args)
    months = query_int("months", DEFAULT_MONTHS, low=1, high=MAX_MONTHS)
    body = price_index_body(price_index(get_db(), IndexQuery(months=months, **filters)))
    form = filters["charge_form"] or next((s["charge_form"] for s in body["series"]), "")
    unit = next((s["unit"] for s in body["series"] if s["charge_form"] == form), "")
    return render_template(
        "price_index/index.html",
        body=body,
        filters=filters,
        months=months,
        chart_form=form,
        chart=json.dumps(chart_data(body, form), ensure_ascii=False),
        unit_label=UNIT_LABELS.get(unit, ""),
        domains=DOMAINS,
        forms=[(f.value, CHARGE_FORM_LABELS[f]) for f in INDEX_FORMS],
        form_labels={f.value: CHARGE_FORM_LABELS[f] for f in INDEX_FORMS},
        month_choices=MONTH_CHOICES,
        max_months=MAX_MONTHS,
    )
