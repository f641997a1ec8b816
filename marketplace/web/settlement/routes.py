"""Finance pages of settlement: periods, a period (close, confirm, statements, billed lines), a statement (pay)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.clock import previous_month, today
from marketplace.errors import DomainError
from marketplace.models import Organization, Role
from marketplace.models.settlement import SettlementPeriod, Statement
from marketplace.settlement.close import close_period, confirm_period, mark_statement_paid
from marketplace.settlement.periods import SettlementError, get_period, parse_period
from marketplace.settlement.queries import period_lines, period_rows, statement_rows, statements_with_parties
from marketplace.web.access import roles_required
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.forms_util import attach_error
from marketplace.web.settlement.forms import ConfirmForm, PayoutForm, PeriodForm

bp = Blueprint("settlement", __name__, url_prefix="/finance/settlement")


def _period_or_404(text: str) -> SettlementPeriod:
    try:
        return get_period(get_db(), parse_period(text))
    except DomainError:
        abort(404)


@bp.get("/")
@roles_required(Role.FINANCE)
def periods():
    """Every period with its status and totals; a form to close a month, holding the month that just ended."""
    form = PeriodForm(period=previous_month())
    return render_template("settlement/periods.html", rows=period_rows(get_db()), form=form)


def _close(text: str, form, fail):
    db = get_db()
    try:
        statements = close_period(db, period=text, actor=current_user.actor)
        db.commit()
    except DomainError as e:
        db.rollback()
        attach_error(form, e)
        return fail()
    flash(_("%(p)s 已结算，生成 %(n)s 张结算单", p=text, n=len(statements)), "success")
    return redirect(url_for("settlement.period", period=text))


@bp.post("/close")
@roles_required(Role.FINANCE)
def close_new():
    """Close the month typed into the form."""
    form = PeriodForm()
    if not form.validate_on_submit():
        return render_template("settlement/periods.html", rows=period_rows(get_db()), form=form), 400
    return _close(
        form.period.data.strip(),
        form,
        lambda: (render_template("settlement/periods.html", rows=period_rows(get_db()), form=form), 400),
    )


def _period_page(row: SettlementPeriod, confirm_form=None, code=200):
    db = get_db()
    return render_template(
        "settlement/period.html",
        row=row,
        lines=period_lines(db, period_id=row.id),
        statements=statements_with_parties(db, period_id=row.id),
        close_form=PeriodForm(period=row.period),
        confirm_form=confirm_form or ConfirmForm(),
    ), code


@bp.get("/<period>")
@roles_required(Role.FINANCE)
def period(period: str):
    """A period: its statements per party and its billed lines with their split."""
    return _period_page(_period_or_404(period))[0]


@bp.post("/<period>/close")
@roles_required(Role.FINANCE)
def close(period: str):
    """Close (or re-close) this period."""
    row = _period_or_404(period)
    form = PeriodForm(period=row.period)
    if not form.validate_on_submit():
        flash(_("表单已过期，请重试"), "danger")
        return redirect(url_for("settlement.period", period=row.period))
    return _close(row.period, form, lambda: redirect(url_for("settlement.period", period=row.period)))


@bp.post("/<period>/confirm")
@roles_required(Role.FINANCE)
def confirm(period: str):
    """Confirm this period: its statements become final and the period is locked."""
    row, db, form = _period_or_404(period), get_db(), ConfirmForm()
    if not form.validate_on_submit():
        return _period_page(row, confirm_form=form, code=400)
    try:
        confirm_period(db, period=row.period, actor=current_user.actor)
        db.commit()
    except DomainError as e:
        db.rollback()
        flash(error_text(e), "danger")
        return _period_page(row, confirm_form=form, code=e.status)
    flash(_("%(p)s 已确认，期间已锁定", p=row.period), "success")
    return redirect(url_for("settlement.period", period=row.period))


def _statement_page(statement: Statement, form=None, code=200):
    db = get_db()
    return render_template(
        "settlement/statement.html",
        st=statement,
        row=db.get(SettlementPeriod, statement.period_id),
        party=db.get(Organization, statement.party_org_id),
        lines=statement_rows(db, statement_id=statement.id),
        form=form or PayoutForm(payout_date=today()),
    ), code


def _statement_or_404(statement_id: int) -> Statement:
    statement = get_db().get(Statement, statement_id)
    if statement is None:
        abort(404)
    return statement


@bp.get("/statements/<int:statement_id>")
@roles_required(Role.FINANCE)
def statement(statement_id: int):
    """One statement: its lines, totals and payout."""
    return _statement_page(_statement_or_404(statement_id))[0]


@bp.post("/statements/<int:statement_id>/paid")
@roles_required(Role.FINANCE)
def paid(statement_id: int):
    """Record the payout of a confirmed statement."""
    st, db, form = _statement_or_404(statement_id), get_db(), PayoutForm()
    if not form.validate_on_submit():
        return _statement_page(st, form, 400)
    try:
        mark_statement_paid(
            db,
            statement_id=st.id,
            payout_reference=form.payout_reference.data,
            payout_date=form.payout_date.data,
            actor=current_user.actor,
        )
        db.commit()
    except DomainError as e:
        db.rollback()
        if not isinstance(e, SettlementError):
            flash(error_text(e), "danger")
        else:
            attach_error(form, e)
        return _statement_page(db.get(Statement, statement_id), form, e.status)
    flash(_("已登记付款"), "success")
    return redirect(url_for("settlement.statement", statement_id=st.id))
