"""Disclosure pages: public index and operator-year page with its PDF; operator publish; authority deadlines."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.clock import today
from marketplace.disclosure import publish as pub
from marketplace.disclosure.deadline import deadline, deadline_view, local_day
from marketplace.disclosure.pdf import disclosure_pdf, pdf_filename
from marketplace.errors import DomainError
from marketplace.models import Organization, Role
from marketplace.web.access import public, roles_required
from marketplace.web.boundary import form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.disclosure.forms import PublishForm
from marketplace.web.error_text import error_text
from marketplace.web.ints import query_int

bp = Blueprint("disclosure", __name__)


def _year_or_404(text: str) -> int:
    if not (len(text) == 4 and text.isdigit() and pub.disclosable_year(int(text))):
        abort(404, description=_("没有 %(year)s 年度的信息披露", year=text[:10]))
    return int(text)


def _published_or_404(year_text: str, uscc: str) -> tuple[Organization, list]:
    year = _year_or_404(year_text)
    operator = pub.operator_by_uscc(get_db(), uscc[:18])
    if operator is None:
        abort(404, description=_("没有统一社会信用代码为 %(uscc)s 的授权运营单位", uscc=uscc[:18]))
    rows = pub.versions(get_db(), operator_id=operator.id, year=year)
    if not rows:
        abort(404, description=_("该授权运营单位尚未发布 %(year)s 年度信息披露", year=year))
    return operator, rows


def _pick(rows: list, number: int | None):
    chosen = rows[0] if number is None else next((r for r in rows if r.version == number), None)
    if chosen is None:
        abort(404, description=_("没有第 %(n)s 版", n=number))
    return chosen


def _previous_year() -> int:
    return today().year - 1


@bp.get("/disclosure")
@public
def index():
    """Every operator that published, by year, with its newest version and date."""
    return render_template("disclosure/index.html", years=pub.published_index(get_db()), local_day=local_day)


@bp.get("/disclosure/<year>/<uscc>")
@public
def page(year: str, uscc: str):
    """One operator's disclosure for a year: the newest version, or ?version=N; the version history."""
    operator, rows = _published_or_404(year, uscc)
    chosen = _pick(rows, query_int("version", None, high=100_000))
    return render_template(
        "disclosure/page.html",
        operator=operator,
        row=chosen,
        rows=rows,
        content=pub.content_of(chosen),
        local_day=local_day,
    )


@bp.get("/disclosure/<year>/<uscc>/v<int:version>.pdf")
@public
def pdf(year: str, uscc: str, version: int):
    """The PDF of one published version (the same bytes on every download)."""
    _operator, rows = _published_or_404(year, uscc)
    row = _pick(rows, version)
    content = pub.content_of(row)
    try:
        data = disclosure_pdf(row, content)
    except DomainError as e:
        abort(409, description=error_text(e))
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(row, content)}"'
    return resp


def _operator_page(form: PublishForm, year: int):
    db = get_db()
    operator = db.get(Organization, current_user.org_id)
    draft = pub.draft(db, operator=operator, year=year)
    rows = pub.versions(db, operator_id=operator.id, year=year)
    unchanged = bool(rows) and rows[0].content_hash == pub.content_hash(pub.canonical(draft))
    form.year.data = str(year)
    return render_template(
        "disclosure/operator.html",
        operator=operator,
        year=year,
        content=draft,
        rows=rows,
        unchanged=unchanged,
        form=form,
        deadline=deadline(year),
        local_day=local_day,
        years=list(range(today().year, today().year - 4, -1)),
    )


@bp.get("/supply/disclosure")
@roles_required(Role.OPERATOR)
def operator():
    """The operator's draft for a year (default: last year), its published versions and the publish form."""
    year = query_int("year", _previous_year(), low=pub.FIRST_YEAR, high=today().year)
    return _operator_page(PublishForm(), year)


@bp.post("/supply/disclosure")
@roles_required(Role.OPERATOR)
def publish():
    """Publish the draft (a new version only when it changed)."""
    form = PublishForm()
    year_text = (form.year.data or "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else _previous_year()
    if form.validate_on_submit() and (
        done := perform(
            lambda: pub.publish(get_db(), actor=current_user.actor, operator_id=current_user.org_id, year=year),
            form=form,
        )
    ):
        message = (
            _("已发布第 %(n)s 版", n=done.value.disclosure.version)
            if done.value.created
            else _("内容与第 %(n)s 版相同，未生成新版本", n=done.value.disclosure.version)
        )
        return success(message, url_for("disclosure.operator", year=year))
    return _operator_page(form, year), form_status()


@bp.get("/authority/disclosure")
@roles_required(Role.AUTHORITY)
def deadlines():
    """For a year (default: last year), the authority's operators: published, late, or not yet, and days."""
    year = query_int("year", _previous_year(), low=pub.FIRST_YEAR, high=today().year)
    rows = deadline_view(get_db(), authority_id=current_user.org_id, year=year, today=today())
    return render_template(
        "disclosure/deadlines.html",
        year=year,
        rows=rows,
        deadline=deadline(year),
        local_day=local_day,
        years=list(range(today().year, today().year - 4, -1)),
    )
