"""Pay an order by card (Stripe.js card element) and receive Stripe's signed webhook events."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import DomainError, Forbidden
from marketplace.models import OrderStatus, Role
from marketplace.orders.common import get_order_by_number
from marketplace.pause import pause_point
from marketplace.payments.card import confirm_card, start_card_payment
from marketplace.payments.stripe_gateway import StripeSettings, WebhookRejected, handle_event, verify_event
from marketplace.web.access import public, roles_required
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.errors import error_response
from marketplace.web.extensions import csrf

bp = Blueprint("stripe_pay", __name__)


def stripe_settings() -> StripeSettings:
    """The STRIPE_* settings of this app."""
    cfg = current_app.config
    return StripeSettings(secret_key=cfg.get("STRIPE_SECRET_KEY"), publishable_key=cfg.get("STRIPE_PUBLISHABLE_KEY"),
                          webhook_secret=cfg.get("STRIPE_WEBHOOK_SECRET"), api_base=cfg.get("STRIPE_API_BASE"))


def _enabled_settings() -> StripeSettings:
    settings = stripe_settings()
    if not settings.enabled or not settings.publishable_key:
        abort(404)
    return settings


@bp.get("/orders/<number>/pay/card")
@roles_required(Role.BUYER)
def pay(number: str):
    """The card form for the buyer's own order awaiting payment (or its outcome once paid)."""
    settings = _enabled_settings()
    order = get_order_by_number(get_db(), number, buyer_org_id=current_user.org_id)
    if order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.DELIVERED):
        return error_response(409, _("订单当前状态不能付款"))
    waiting = request.args.get("done") == "1" and order.status == OrderStatus.AWAITING_PAYMENT
    return render_template("stripe_pay/pay.html", order=order, settings=settings, waiting=waiting,
                           orders_url=url_for("buyer.orders"), order_url=url_for("orders.detail", number=number))



@bp.post("/orders/<number>/pay/card/confirm")
@roles_required(Role.BUYER)
def confirm(number: str):
    """Confirm the order's PaymentIntent with a Stripe.js card token (JSON in, JSON out)."""
    settings, db = _enabled_settings(), get_db()
    token = (request.get_json(silent=True) or {}).get("token")
    try:
        if not current_user.verified:
            raise Forbidden(_("企业实名认证通过后才能付款"))
        intent_id = start_card_payment(db, actor=current_user.actor, settings=settings, number=number,
                                       buyer_org_id=current_user.org_id)
        db.commit()  # the intent is on record before the card is charged
        attempt = confirm_card(settings, intent_id=intent_id, token_id=str(token or ""))
    except DomainError as e:
        db.rollback()
        return error_response(e.status, error_text(e), type(e).__name__)
    body = {"status": attempt.status, "return_url": url_for("stripe_pay.pay", number=number, done=1)}
    if attempt.needs_action:
        body["client_secret"] = attempt.client_secret
    return jsonify(body)


@bp.post("/webhooks/stripe")
@csrf.exempt
@public
def webhook():
    """Stripe's signed event notifications: verified on the raw body, acted on once per event id."""
    settings = stripe_settings()
    try:
        event = verify_event(settings, request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except WebhookRejected as e:
        current_app.logger.warning("stripe webhook rejected: %s", e.text)
        return error_response(400, error_text(e), "bad_signature")
    outcome = handle_event(get_db(), settings=settings, event=event)
    get_db().commit()
    pause_point("webhook_committed")  # tests: a SIGKILL here, committed but unanswered: Stripe sends it again
    return jsonify({"received": True, "outcome": outcome})
