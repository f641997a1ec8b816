"""Finance staff: confirm bank transfers (amount must match), cancel unpaid orders, refund paid ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.models import OrderStatus, Organization, PaymentMethod, Role
from marketplace.orders.common import OrderError, get_order
from marketplace.orders.payments import cancel_order, record_payment, record_refund
from marketplace.orders.queries import finance_orders
from marketplace.payments.card import refund_card_order
from marketplace.web.access import roles_required
from marketplace.web.boundary import perform, success
from marketplace.web.db import get_db
from marketplace.web.orders.forms import ReasonForm, ReceiptForm
from marketplace.web.stripe_pay.routes import stripe_settings
from pricing import PricingError, format_fen, yuan_to_fen

bp = Blueprint("finance", __name__, url_prefix="/finance")
TABS = {"awaiting_payment": OrderStatus.AWAITING_PAYMENT, "delivered": OrderStatus.DELIVERED,
        "paid": OrderStatus.PAID, "refunded": OrderStatus.REFUNDED, "cancelled": OrderStatus.CANCELLED}


def _page(receipt=None, failed_id=None, code=200):
    tab = request.args.get("tab", "awaiting_payment")
    status = TABS.get(tab, OrderStatus.AWAITING_PAYMENT)
    rows = finance_orders(get_db(), status=status, q=request.args.get("q", ""))
    return render_template("finance/payments.html", rows=rows, tab=status.value, receipt=receipt or ReceiptForm(),
                           blank=ReceiptForm(formdata=None),
                           failed_id=failed_id, reason_form=ReasonForm()), code


@bp.get("/payments")
@roles_required(Role.FINANCE)
def payments():
    """Orders awaiting a bank transfer (search by number, reference or buyer), and closed ones by tab."""
    return _page()[0]


def _fen(text: str) -> int:
    try:
        return yuan_to_fen(text)
    except PricingError as e:
        raise OrderError(e.message, params=getattr(e, "params", None), field="amount") from None


@bp.post("/orders/<int:order_id>/receipt")
@roles_required(Role.FINANCE)
def receipt(order_id: int):
    """Record a bank receipt: the amount must equal the order total."""
    db, form = get_db(), ReceiptForm()
    if form.validate_on_submit() and (done := perform(lambda: record_payment(
            db, actor=current_user.actor, order_id=order_id, method=PaymentMethod.BANK_TRANSFER,
            amount_fen=_fen(form.amount.data), external_id=form.external_id.data), form=form)):
        return success(_("已确认收款，订单 %(n)s 已交付", n=done.value.number), url_for("finance.payments"))
    return _page(receipt=form, failed_id=order_id, code=400)


def _close(order_id: int, action: str):
    db, form = get_db(), ReasonForm()
    if not form.validate_on_submit():
        flash(_("表单已过期，请重试"), "danger")
        return redirect(url_for("finance.payments"))
    reason = form.reason.data or ""
    if action == "cancel":
        done = perform(lambda: cancel_order(db, actor=current_user.actor, order_id=order_id,
                                            reason=reason or _("财务取消")))
    else:
        done = perform(lambda: _refund(db, order_id, reason))
    if not done:
        return redirect(url_for("finance.payments", tab=request.args.get("tab", "delivered")))
    order = done.value
    buyer = db.get(Organization, order.buyer_org_id).name
    if action == "cancel":
        message = _("已取消 %(buyer)s 的订单 %(n)s", buyer=buyer, n=order.number)
    else:
        message = _("已退款 %(amount)s 至 %(buyer)s（订单 %(n)s）", amount=format_fen(order.total_fen), buyer=buyer,
                    n=order.number)
    return success(message, url_for("finance.payments", tab=order.status.value))


def _refund(db, order_id: int, reason: str):
    order = get_order(db, order_id)
    if order.payment_method == PaymentMethod.STRIPE:  # back to the card through Stripe first
        return refund_card_order(db, actor=current_user.actor, settings=stripe_settings(), order_id=order.id,
                                 reason=reason)
    return record_refund(db, actor=current_user.actor, order_id=order.id, reason=reason)


@bp.post("/orders/<int:order_id>/cancel")
@roles_required(Role.FINANCE)
def cancel(order_id: int):
    """Cancel an unpaid order."""
    return _close(order_id, "cancel")


@bp.post("/orders/<int:order_id>/refund")
@roles_required(Role.FINANCE)
def refund(order_id: int):
    """Refund a paid order in full (card payments through Stripe's refund API)."""
    return _close(order_id, "refund")
