"""Gateway pages: API docs, buyer usage, seller usage, defining an API product from a CSV."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlmodel import Session

from marketplace.errors import DomainError
from marketplace.gateway import usage
from marketplace.gateway.answer import example_response
from marketplace.gateway.api_errors import ERRORS
from marketplace.gateway.datasets import KEY_SEP, Definition, define_product_api, parse_csv
from marketplace.gateway.masking import FieldRule, describe_template
from marketplace.gateway.provision import ApiProductIn, create_api_product, per_call_plan
from marketplace.gateway.resolve import load_dataset
from marketplace.models import Organization, Product, ProductStatus, Role
from marketplace.models.metering import ApiDataset, DatasetRow
from marketplace.web.access import public, roles_required
from marketplace.web.boundary import form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.gateway import bp
from marketplace.web.gateway.forms import DefineApiForm, ProductApiForm
from pricing import PricingError, parse_yuan

MAX_DAYS = 366


def _window() -> tuple:
    """The date range asked for (?days=N, default 30), ending today."""
    try:
        days = min(MAX_DAYS, max(1, int(request.args.get("days", 30))))
    except ValueError:
        days = 30
    until = usage.today()
    return until - timedelta(days=days - 1), until, days


@bp.get("/api-docs/<slug>")
@public
def docs(slug: str):
    """Generated documentation of an API product (接口文档) with example requests."""
    db = get_db()
    product = db.execute(select(Product).where(Product.slug == slug)).scalar_one_or_none()
    if product is None or product.type != "api":
        abort(404)
    if product.status != ProductStatus.LISTED and not _may_see_unlisted(product):
        abort(404)
    dataset = load_dataset(db.connection(), product.id)
    if dataset is None:
        abort(404)
    base = request.url_root.rstrip("/")
    key, first = _first_row(db, dataset)
    query = "&".join(f"{p}={v}" for p, v in _example_values(dataset, key).items())
    return render_template("gateway/docs.html", product=product, dataset=dataset, base=base, query=query,
                           example=example_response(dataset, product.slug, first),
                           rules=[(r, _rule_text(r)) for r in dataset.rules], errors=sorted(ERRORS.items(),
                                                                                         key=lambda e: e[1][0]))


def _rule_text(rule) -> str:
    template, params = describe_template(rule)
    return _(template, **params)


def _first_row(db, dataset) -> tuple[str | None, dict | None]:
    """The key and stored columns of the dataset's first row (None, None when it is empty)."""
    row = db.execute(select(DatasetRow.key, DatasetRow.data).where(DatasetRow.dataset_id == dataset.id)
                     .order_by(DatasetRow.id).limit(1)).first()
    return (row.key, json.loads(row.data)) if row else (None, None)


def _example_values(dataset, key: str | None) -> dict[str, str]:
    """Query values for the docs' example: the first row's keys (never its compared fields: 可用不可见)."""
    values = dict(zip(dataset.key_fields, (key or "").split(KEY_SEP), strict=False))
    return {p: quote(values.get(p) or f"<{p}>", safe="<>") for p in dataset.params}


def _may_see_unlisted(product: Product) -> bool:
    return current_user.is_authenticated and current_user.org_id in (product.operator_id, product.broker_id)


@bp.get("/usage")
@roles_required(Role.BUYER)
def buyer_usage():
    """The buyer's calls per key, product and day, cost so far, remaining quota and receipts."""
    db = get_db()
    since, until, days = _window()
    rows = usage.usage_rows(db, since=since, until=until, buyer_org_id=current_user.org_id)
    positions = usage.org_positions(db, buyer_org_id=current_user.org_id)
    receipts = usage.daily_receipts(db, buyer_org_id=current_user.org_id, since=since, until=until)
    chart = _chart(rows, lambda r: _("%(name)s（%(code)s）", name=r.title, code=r.key_prefix), since, until)
    return render_template("gateway/usage.html", rows=rows, positions=positions, receipts=receipts, days=days,
                           chart=json.dumps(chart, ensure_ascii=False), since=since, until=until,
                           period_start=usage.period_start())


@bp.get("/usage/calls.csv")
@roles_required(Role.BUYER)
def buyer_calls_csv():
    """The buyer's per-call log as CSV."""
    since, until, _days = _window()
    return _csv_response(f"api-calls-{since}-{until}.csv", since=since, until=until,
                         buyer_org_id=current_user.org_id)


@bp.get("/supply/api-usage")
@roles_required(Role.OPERATOR, Role.BROKER)
def seller_usage():
    """Usage of the organization's API products per buyer and day."""
    db = get_db()
    since, until, days = _window()
    ids = usage.seller_product_ids(db, org_id=current_user.org_id)
    rows = usage.seller_rows(db, product_ids=ids, since=since, until=until)
    chart = _chart(rows, lambda r: f"{r.title} · {r.buyer}", since, until)
    products = db.execute(select(Product).where(Product.id.in_(ids or [-1])).order_by(Product.id.desc())).scalars()
    defined = set(db.execute(select(ApiDataset.product_id).where(ApiDataset.product_id.in_(ids or [-1]))).scalars())
    return render_template("gateway/seller_usage.html", rows=rows, days=days, since=since, until=until,
                           chart=json.dumps(chart, ensure_ascii=False), products=list(products), defined=defined)


@bp.get("/supply/api-usage/calls.csv")
@roles_required(Role.OPERATOR, Role.BROKER)
def seller_calls_csv():
    """The per-call log of the organization's API products as CSV (with the buyer)."""
    db = get_db()
    since, until, _days = _window()
    ids = usage.seller_product_ids(db, org_id=current_user.org_id)
    return _csv_response(f"api-product-calls-{since}-{until}.csv", since=since, until=until, product_ids=ids)


def _csv_response(filename: str, **query) -> Response:
    """Stream the log from a session of its own (a deferred read), so the request's write lock is released."""
    get_db().rollback()
    engine = current_app.extensions["engine"].execution_options(sqlite_begin="DEFERRED")

    def lines():
        with Session(engine) as session:
            yield "\ufeff"  # Excel opens UTF-8 CSV with a BOM correctly
            yield from usage.calls_csv(session, **query)

    return Response(lines(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chart(rows, label, since, until) -> dict:
    """Chart.js data: one dataset per label, billable calls per day."""
    days = [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]
    series: dict[str, dict[str, int]] = {}
    for r in rows:
        series.setdefault(label(r), {})[r.day] = series.get(label(r), {}).get(r.day, 0) + r.billable
    return {"labels": days, "datasets": [{"label": name, "data": [per_day.get(d, 0) for d in days]}
                                         for name, per_day in sorted(series.items())]}


@bp.route("/supply/api-products/new", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def define_api():
    """Operator: upload a CSV, pick parameters, returned fields and masking; the endpoint and docs are generated."""
    db, form = get_db(), DefineApiForm()
    if form.validate_on_submit() and (done := perform(lambda: _define(db, form), form=form)):
        return success(_("已生成数据接口并提交上架审核"), url_for("gateway.docs", slug=done.value.slug))
    return render_template("gateway/define.html", form=form), form_status()


@bp.route("/supply/products/<int:product_id>/api", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def define_product_api_page(product_id: int):
    """Operator: define the data API of an existing product, so it can be delivered and submitted for review."""
    db, form = get_db(), ProductApiForm()
    product = db.get(Product, product_id)
    if product is None or product.operator_id != current_user.org_id:
        abort(404)
    if form.validate_on_submit():
        if perform(lambda: define_product_api(
                db, actor=current_user.actor, operator_org_id=current_user.org_id, product_id=product.id,
                table=parse_csv(form.dataset.data.read()),
                definition=_parse_definition(form.definition.data, form.verification.data),
                source_name=form.dataset.data.filename or ""), form=form):
            return success(_("数据接口已定义，可以提交上架审核"), url_for("supply.product", product_id=product.id))
    return render_template("gateway/define.html", form=form, existing=product), form_status()


def _define(db, form: DefineApiForm) -> Product:
    table = parse_csv(form.dataset.data.read())
    definition = _parse_definition(form.definition.data, form.verification.data)
    try:
        price = parse_yuan(form.price_per_call.data) if form.price_per_call.data else None
        plan = per_call_plan(price)
    except (PricingError, ArithmeticError) as e:
        raise DomainError(getattr(e, "message", None) or "单价格式不正确", field="price_per_call",
                          params=getattr(e, "params", None)) from None
    operator = db.get(Organization, current_user.org_id)
    data = ApiProductIn(title=form.title.data.strip(), summary=(form.summary.data or "").strip(),
                        domain=form.domain.data, plans=(plan,), registration_code=form.registration_code.data)
    return create_api_product(db, actor=current_user.actor, operator=operator, data=data, table=table,
                              definition=definition, source_name=form.dataset.data.filename or "")


def _parse_definition(text: str, verification: bool) -> Definition:
    """The definition JSON the page's script writes: key_fields, match_fields, fields (with masks)."""
    try:
        raw = json.loads(text)
        rules = tuple(FieldRule.from_dict(f) for f in raw.get("fields") or [])
        return Definition(key_fields=tuple(raw.get("key_fields") or ()), rules=() if verification else rules,
                          match_fields=tuple(raw.get("match_fields") or ()), verification=bool(verification))
    except (ValueError, AttributeError, TypeError):
        raise DomainError("接口定义格式不正确（应为 JSON）", field="definition") from None

