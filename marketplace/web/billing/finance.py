"""Finance staff: usage bills (unpaid, overdue, paid) and recording a bank transfer for one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.billing.errors import BillingError
from marketplace.billing.payments import record_bill_transfer
from marketplace.billing.queries import FINANCE_FILTERS, finance_bills
from marketplace.clock import today as today_local
from marketplace.errors import DomainError
from marketplace.models import Role
from marketplace.web.access import roles_required
from marketplace.web.billing.forms import BillReceiptForm
from marketplace.web.db import get_db
from marketplace.web.forms_util import attach_error
from pricing import PricingError, yuan_to_fen

bp = Blueprint("finance_bills", __name__, url_prefix="/finance/bills")


def _page(receipt=None, failed_id=None, code=200):
    status = request.args.get("status", "unpaid")
    status = status if status in FINANCE_FILTERS else "unpaid"
    today = today_local()
    rows = finance_bills(get_db(), status=status, q=request.args.get("q", ""), today=today)
    return render_template(
        "finance/bills.html",
        rows=rows,
        status=status,
        today=today,
        receipt=receipt or BillReceiptForm(),
        blank=BillReceiptForm(formdata=None),
        failed_id=failed_id,
    ), code


@bp.get("")
@roles_required(Role.FINANCE)
def index():
    """Usage bills by state (unpaid, overdue, paid, all), searchable by number, reference or buyer."""
    return _page()[0]


def _fen(text: str) -> int:
    try:
        return yuan_to_fen(text)
    except PricingError as e:
        raise BillingError(e.message, params=getattr(e, "params", None), field="amount") from None


@bp.post("/<int:bill_id>/receipt")
@roles_required(Role.FINANCE)
def receipt(bill_id: int):
    """Record a bank transfer for a bill: the amount must equal the bill, the serial be unused."""
    db, form = get_db(), BillReceiptForm()
    if form.validate_on_submit():
        try:
            bill = record_bill_transfer(
                db,
                bill_id=bill_id,
                amount_fen=_fen(form.amount.data),
                serial=form.external_id.data,
                actor=current_user.actor,
            )
            db.commit()
        except DomainError as e:
            db.rollback()
            if e.status == 404:
                raise
            attach_error(form, e)
        else:
            flash(_("已确认收款，账单 %(n)s 已支付", n=bill.number), "success")
            return redirect(url_for("finance_bills.index", status=request.args.get("status", "unpaid")))
    return _page(receipt=form, failed_id=bill_id, code=400)
