"""The buyer's usage bills (我的账单): list with totals, a bill's detail, paying it by card."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.billing.payments import get_bill_by_number
from marketplace.billing.queries import bill_lines, bill_receipts, buyer_bills, is_overdue, totals
from marketplace.clock import today as today_local
from marketplace.errors import DomainError, Forbidden
from marketplace.models import PricePlan, Product, Role
from marketplace.models.billing import BillStatus
from marketplace.payments.bill_card import confirm_bill_card, start_bill_card_payment
from marketplace.web.access import roles_required
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.errors import error_response
from marketplace.web.stripe_pay.routes import stripe_settings
from pricing import ChargeForm, format_unit_price

bp = Blueprint("billing", __name__, url_prefix="/bills")


@bp.app_template_filter("exact_money")
def exact_money(exact_fen: str) -> str:
    """A line's exact amount (Decimal fen as text) in yuan, sub-fen digits kept: the bill rounds once."""
    return format_unit_price(Decimal(exact_fen))


@bp.get("")
@roles_required(Role.BUYER)
def bills():
    """The organization's usage bills, newest month first, with paid, due and overdue totals."""
    rows = buyer_bills(get_db(), buyer_org_id=current_user.org_id)
    today = today_local()
    return render_template("billing/bills.html", rows=rows, totals=totals(rows, today), today=today)


@bp.get("/<number>")
@roles_required(Role.BUYER)
def detail(number: str):
    """One bill: lines, VAT, due date, daily receipts, how to reconcile and how to pay."""
    db = get_db()
    bill = get_bill_by_number(db, number, buyer_org_id=current_user.org_id)
    adjusts = db.get(type(bill), bill.adjusts_bill_id) if bill.adjusts_bill_id else None
    settings, today = stripe_settings(), today_local()
    return render_template(
        "billing/bill.html",
        today=today,
        bill=bill,
        product=db.get(Product, bill.product_id),
        per_record=db.get(PricePlan, bill.plan_id).charge_form == ChargeForm.PER_RECORD,
        lines=bill_lines(bill),
        receipts=bill_receipts(bill),
        adjusts=adjusts,
        overdue=is_overdue(bill, today),
        bank=current_app.config["EXCHANGE_BANK"],
        card=settings.enabled and bool(settings.publishable_key),
    )


def _card_settings():
    settings = stripe_settings()
    if not settings.enabled or not settings.publishable_key:
        abort(404)
    return settings


@bp.get("/<number>/pay/card")
@roles_required(Role.BUYER)
def pay_card(number: str):
    """The card form for the buyer's own unpaid bill (or its outcome once paid)."""
    settings = _card_settings()
    bill = get_bill_by_number(get_db(), number, buyer_org_id=current_user.org_id)
    waiting = request.args.get("done") == "1" and bill.status == BillStatus.ISSUED
    return render_template("billing/pay.html", bill=bill, settings=settings, waiting=waiting)


@bp.post("/<number>/pay/card/confirm")
@roles_required(Role.BUYER)
def confirm_card(number: str):
    """Confirm the bill's PaymentIntent with a Stripe.js card token (JSON in, JSON out)."""
    settings, db = _card_settings(), get_db()
    token = (request.get_json(silent=True) or {}).get("token")
    try:
        if not current_user.verified:
            raise Forbidden(_("企业实名认证通过后才能付款"))
        intent_id = start_bill_card_payment(
            db, actor=current_user.actor, settings=settings, number=number, buyer_org_id=current_user.org_id
        )
        db.commit()  # the intent is saved before the card is charged
        attempt = confirm_bill_card(settings, intent_id=intent_id, token_id=str(token or ""))
    except DomainError as e:
        db.rollback()
        return error_response(e.status, error_text(e), type(e).__name__)
    body = {"status": attempt.status, "return_url": url_for("billing.pay_card", number=number, done=1)}
    if attempt.needs_action:
        body["client_secret"] = attempt.client_secret
    return jsonify(body)
