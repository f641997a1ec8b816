"""Reasonable-return pages: the operator's year (costs, report, submit, exports); the authority's review."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.clock import today
from marketplace.errors import DomainError, NotFound
from marketplace.models import Role
from marketplace.models.returns import ReturnReport
from marketplace.returns import costs
from marketplace.returns.exports import export_report, render, submitted_doc
from marketplace.returns.report import compute_report
from marketplace.returns.review import (
    accept_report,
    authority_overview,
    authority_reports,
    latest_report,
    report_figures,
    return_report,
    submit_report,
)
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.returns.forms import CorrectionForm, CostForm, ReturnReasonForm
from pricing import CHARGE_FORM_LABELS, PricingError, round_fen
from pricing.money import parse_yuan

bp = Blueprint("returns", __name__)


def _year(year: int) -> int:
    if not costs.FIRST_YEAR <= year <= today().year:
        abort(404)
    return year


def _fen(text: str, *, signed: bool = False) -> int:
    """Yuan text as whole fen; a leading minus only where a correction allows it."""
    text = (text or "").strip()
    negative = signed and text.startswith("-")
    try:
        fen = round_fen(parse_yuan(text[1:] if negative else text))
    except PricingError as e:
        raise costs.ReturnError(e.message, params=getattr(e, "params", None), field="amount") from None
    return -fen if negative else fen


def _chart(figures) -> str:
    """Chart data for static/js/returns.js: cumulative revenue per confirmed month, allowed revenue, forecast."""
    shown = figures.months_shown
    data = {
        "labels": [m[0][5:] for m in figures.months],
        "cumulative": [m[2] if n < shown else None for n, m in enumerate(figures.months)],
        "allowed": figures.allowed_fen,
        "forecast": figures.forecast_fen,
        "names": {"cumulative": _("累计实际收入"), "allowed": _("允许收入"), "forecast": _("全年预测")},
    }
    return json.dumps(data, ensure_ascii=False)


def _operator_page(
    year: int,
    cost_form: CostForm | None = None,
    correction: CorrectionForm | None = None,
    correcting: int | None = None,
    status: int = 200,
):
    db, org_id = get_db(), current_user.org_id
    report = latest_report(db, operator_id=org_id, year=year)
    locked = costs.year_locked(db, operator_id=org_id, year=year)
    try:
        figures = report_figures(report) if locked else compute_report(db, operator_id=org_id, year=year, on=today())
    except NotFound:
        figures = None
    entries = costs.year_entries(db, operator_id=org_id, year=year)
    products = {p.id: p for p in costs.operator_products(db, operator_id=org_id)}
    cost_form = cost_form or CostForm()
    cost_form.product_id.choices = [(0, _("不归属单个产品（在产品间分摊）"))] + [
        (p.id, p.title) for p in products.values()
    ]
    return render_template(
        "returns/operator.html",
        year=year,
        figures=figures,
        entries=entries,
        products=products,
        cost_form=cost_form,
        correction=correction or CorrectionForm(),
        correcting=correcting,
        report=report,
        locked=locked,
        chart=_chart(figures) if figures else "{}",
        years=range(today().year, today().year - 3, -1),
        labels=costs.CATEGORY_LABELS,
        submit_form=EmptyForm(),
        charge_form_labels=CHARGE_FORM_LABELS,
    ), status


@bp.get("/money/returns")
@roles_required(Role.OPERATOR)
def operator_current():
    """The current year's report."""
    return redirect(url_for("returns.operator_report", year=today().year))


@bp.get("/money/returns/<int:year>")
@roles_required(Role.OPERATOR)
def operator_report(year: int):
    """The operator's year: cost entries, the report's figures, the chart, the forecast, submission."""
    return _operator_page(_year(year))


@bp.post("/money/returns/<int:year>/costs")
@roles_required(Role.OPERATOR)
def add_cost(year: int):
    """Enter one cost or tax entry."""
    year, form = _year(year), CostForm()

    def add():
        data = costs.CostIn(
            form.category.data, _fen(form.amount.data), form.spent_on.data, form.note.data, form.product_id.data or None
        )
        return costs.add_cost(
            get_db(), actor=current_user.actor, operator_id=current_user.org_id, year=year, data=data, today=today()
        )

    if form.validate_on_submit() and perform(add, form=form):
        return success(_("已记录"), url_for("returns.operator_report", year=year) + "#costs")
    return _operator_page(year, cost_form=form, status=form_status())


@bp.post("/money/returns/<int:year>/costs/<int:entry_id>/correct")
@roles_required(Role.OPERATOR)
def correct_cost(year: int, entry_id: int):
    """A correcting entry for one entry (the original stays)."""
    year, form = _year(year), CorrectionForm()

    def correct():
        return costs.correct_cost(
            get_db(),
            actor=current_user.actor,
            operator_id=current_user.org_id,
            entry_id=entry_id,
            amount_fen=_fen(form.amount.data, signed=True),
            note=form.note.data,
            spent_on=form.spent_on.data,
            today=today(),
        )

    if form.validate_on_submit() and perform(correct, form=form):
        return success(_("已记录更正"), url_for("returns.operator_report", year=year) + "#costs")
    return _operator_page(year, correction=form, correcting=entry_id, status=form_status())


@bp.post("/money/returns/<int:year>/submit")
@roles_required(Role.OPERATOR)
def submit(year: int):
    """Freeze the year's report and send it to the authority."""
    year = _year(year)
    if EmptyForm().validate_on_submit() and perform(
        lambda: submit_report(
            get_db(), actor=current_user.actor, operator_id=current_user.org_id, year=year, today=today()
        )
    ):
        return success(_("报告已提交主管部门"), url_for("returns.operator_report", year=year))
    return redirect(url_for("returns.operator_report", year=year))


def _download(exported) -> Response:
    resp = Response(exported.content, mimetype=exported.mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _export(operator_id: int, year: int, fmt: str) -> Response:
    try:
        return _download(export_report(get_db(), operator_id=operator_id, year=year, fmt=fmt, today=today()))
    except NotFound:
        abort(404)
    except DomainError as e:
        abort(e.status if 400 <= e.status < 500 else 409, description=error_text(e))


@bp.get("/money/returns/<int:year>/export.<any(xlsx, pdf):fmt>")
@roles_required(Role.OPERATOR)
def operator_export(year: int, fmt: str):
    """The report as XLSX or PDF (the submitted one; a draft before submission)."""
    return _export(current_user.org_id, _year(year), fmt)


@bp.get("/authority/returns")
@bp.get("/authority/returns/<int:year>")
@roles_required(Role.AUTHORITY)
def authority_list(year: int | None = None):
    """The authority's operators side by side for a year, and every report submitted to it."""
    year = _year(year or today().year - 1)
    db = get_db()
    rows = authority_overview(db, authority_id=current_user.org_id, year=year, today=today())
    reports = authority_reports(db, authority_id=current_user.org_id)
    return render_template(
        "returns/authority_list.html",
        year=year,
        rows=rows,
        reports=reports,
        years=range(today().year, today().year - 3, -1),
    )


def _own_report(report_id: int) -> ReturnReport:
    report = get_db().get(ReturnReport, report_id)
    if report is None or report.authority_id != current_user.org_id:
        abort(404)
    return report


@bp.get("/authority/returns/report/<int:report_id>")
@roles_required(Role.AUTHORITY)
def authority_detail(report_id: int, form: ReturnReasonForm | None = None, status: int = 200):
    """One submitted report: its frozen figures and hash; accept it or return it with a reason."""
    report = _own_report(report_id)
    figures = report_figures(report)
    return render_template(
        "returns/authority_detail.html",
        report=report,
        figures=figures,
        chart=_chart(figures),
        form=form or ReturnReasonForm(),
        accept_form=EmptyForm(),
        labels=costs.CATEGORY_LABELS,
        charge_form_labels=CHARGE_FORM_LABELS,
    ), status


@bp.post("/authority/returns/report/<int:report_id>/accept")
@roles_required(Role.AUTHORITY)
def authority_accept(report_id: int):
    """Accept the report."""
    report = _own_report(report_id)
    if EmptyForm().validate_on_submit() and perform(
        lambda: accept_report(get_db(), actor=current_user.actor, report_id=report.id, authority_id=current_user.org_id)
    ):
        return success(_("已通过该报告"), url_for("returns.authority_detail", report_id=report.id))
    return redirect(url_for("returns.authority_detail", report_id=report.id))


@bp.post("/authority/returns/report/<int:report_id>/return")
@roles_required(Role.AUTHORITY)
def authority_return(report_id: int):
    """Return the report to the operator with a reason."""
    report, form = _own_report(report_id), ReturnReasonForm()
    if form.validate_on_submit() and perform(
        lambda: return_report(
            get_db(),
            actor=current_user.actor,
            report_id=report.id,
            authority_id=current_user.org_id,
            reason=form.reason.data,
        ),
        form=form,
    ):
        return success(_("已退回该报告"), url_for("returns.authority_detail", report_id=report.id))
    return authority_detail(report.id, form=form, status=form_status())


@bp.get("/authority/returns/report/<int:report_id>/export.<any(xlsx, pdf):fmt>")
@roles_required(Role.AUTHORITY)
def authority_export(report_id: int, fmt: str):
    """This submitted version as XLSX or PDF: its frozen figures and hash."""
    report = _own_report(report_id)
    try:
        return _download(render(submitted_doc(report), fmt=fmt))
    except DomainError as e:
        abort(e.status if 400 <= e.status < 500 else 409, description=error_text(e))
