"""Money dashboards per role, statement downloads (finance: any; a party: its own) and the invoice data export."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.clock import previous_month
from marketplace.clock import today as today_local
from marketplace.errors import DomainError
from marketplace.models import Role
from marketplace.models.settlement import Statement
from marketplace.settlement import dashboards
from marketplace.settlement.exports import export_statement
from marketplace.settlement.exports.invoices import invoice_rows, invoices_csv, invoices_xlsx
from marketplace.web.access import roles_required
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text

bp = Blueprint("money", __name__)
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PARTY_ROLES = (Role.OPERATOR, Role.BROKER, Role.AUTHORITY)


def _period_arg() -> str:
    period = request.args.get("period", "").strip()
    if not period:
        known = dashboards.periods(get_db())
        return known[0] if known else previous_month()
    if not PERIOD.match(period):
        abort(400, description=_("结算周期格式应为 YYYY-MM，例如 %(example)s", example=previous_month()))
    return period


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(content, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _chart(months: list, series: list[tuple[str, str]]) -> str:
    """Chart data for static/js/money.js: amounts in fen per month, the script shows them as yuan."""
    return json.dumps(
        {
            "labels": [m.period for m in months],
            "datasets": [{"label": label, "data": [getattr(m, attr) for m in months]} for label, attr in series],
        },
        ensure_ascii=False,
    )


@bp.get("/finance/dashboard")
@roles_required(Role.FINANCE)
def finance_dashboard():
    """The period's gross, VAT, fees and payouts by party, unpaid bills, and a chart by month."""
    period = _period_arg()
    board = dashboards.finance_dashboard(get_db(), period=period, today=today_local())
    chart = _chart(
        board.months, [(_("含税收入"), "gross_fen"), (_("平台服务费"), "platform_fen"), (_("增值税"), "vat_fen")]
    )
    return render_template("money/finance.html", board=board, chart=chart, periods=dashboards.periods(get_db()))


def _statement_file(statement: Statement | None, fmt: str) -> Response:
    if statement is None:
        abort(404)
    try:
        exported = export_statement(get_db(), statement=statement, fmt=fmt)
    except DomainError as e:
        abort(e.status if 400 <= e.status < 500 else 409, description=error_text(e))
    return _download(exported.content, exported.filename, exported.mimetype)


@bp.get("/finance/statements/<int:statement_id>/export.<any(csv, xlsx, pdf):fmt>")
@roles_required(Role.FINANCE)
def finance_statement_export(statement_id: int, fmt: str):
    """Any statement as CSV, XLSX or PDF (finance staff)."""
    return _statement_file(get_db().get(Statement, statement_id), fmt)


@bp.get("/money/statements/<int:statement_id>/export.<any(csv, xlsx, pdf):fmt>")
@roles_required(*PARTY_ROLES)
def own_statement_export(statement_id: int, fmt: str):
    """A party's own statement; another organization's answers 404."""
    statement = get_db().get(Statement, statement_id)
    if statement is not None and statement.party_org_id != current_user.org_id:
        statement = None
    return _statement_file(statement, fmt)


@bp.get("/finance/invoices.<any(csv, xlsx):fmt>")
@roles_required(Role.FINANCE)
def invoice_export(fmt: str):
    """Invoice data of the month's paid orders and bills, for the finance system."""
    period = _period_arg()
    rows = invoice_rows(get_db(), period=period)
    content = invoices_csv(rows) if fmt == "csv" else invoices_xlsx(rows, period=period)
    mimetype = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return _download(content, f"invoices-{period}.{fmt}", mimetype)


YEAR = re.compile(r"^\d{4}$")


def _year_arg() -> str | None:
    """?year=YYYY, or all; None (the newest year with revenue) when not given."""
    year = request.args.get("year", "").strip()
    if not year:
        return None
    if year != "all" and not YEAR.match(year):
        abort(400, description=_("年份格式应为 YYYY（例如 %(example)s）或 all", example=today_local().year))
    return year


def _party_page(title: str, group_label: str, share_label: str, rows, monthly_share: str, note: str = ""):
    view = dashboards.party_year(rows, year=_year_arg())
    per_month = [
        dashboards.PeriodTotals(
            m,
            **{
                monthly_share: sum(r.share_fen for r in view.rows if r.period == m),
                "gross_fen": sum(r.gross_fen for r in view.rows if r.period == m),
            },
        )
        for m in view.months
    ]
    chart = _chart(per_month, [(share_label, monthly_share), (_("含税收入"), "gross_fen")])
    return render_template(
        "money/party.html",
        title=title,
        group_label=group_label,
        share_label=share_label,
        view=view,
        chart=chart,
        statements=dashboards.party_statements(get_db(), org_id=current_user.org_id, year=view.year),
        note=note,
    )


@bp.get("/money/revenue")
@roles_required(Role.OPERATOR)
def operator_revenue():
    """An operator's revenue by product and month, net of VAT and fees, and its statements."""
    rows = dashboards.operator_revenue(get_db(), operator_id=current_user.org_id)
    note = _("运营单位所得 = 含税收入 − 增值税 − 平台服务费、经纪佣金与主管部门分成；"
             "结算单的应结金额另含运营单位开票的增值税。")
    return _party_page(_("收入与结算"), _("产品"), _("运营单位所得"), rows, "operator_fen", note)


@bp.get("/money/commissions")
@roles_required(Role.BROKER)
def broker_commissions():
    """A broker's commissions by mandate and month, and its statements."""
    rows = dashboards.broker_commissions(get_db(), broker_id=current_user.org_id)
    return _party_page(_("佣金与结算"), _("经纪委托"), _("经纪佣金"), rows, "broker_fen")


@bp.get("/money/authority")
@roles_required(Role.AUTHORITY)
def authority_revenue():
    """An authority's share and each operator's revenue by month, and its statements."""
    rows = dashboards.authority_revenue(get_db(), authority_id=current_user.org_id)
    return _party_page(_("分成收入"), _("授权运营单位"), _("主管部门分成"), rows, "authority_fen")
