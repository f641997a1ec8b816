"""Display helpers for orders: labels of states and plans, the delivery directory, the submit token."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.models import OrderStatus
from pricing import CHARGE_FORM_LABELS, ChargeForm, PlanTerms, format_fen, format_unit_price

STATUS_LABELS = {
    OrderStatus.AWAITING_APPROVAL: (_l("待运营单位审核"), "warning"),
    OrderStatus.AWAITING_PAYMENT: (_l("待付款"), "primary"),
    OrderStatus.PAID: (_l("已付款，待交付"), "info"),
    OrderStatus.DELIVERED: (_l("已交付"), "success"),
    OrderStatus.CANCELLED: (_l("已取消"), "secondary"),
    OrderStatus.REFUNDED: (_l("已退款"), "dark"),
}


def status_badge(status) -> tuple[str, str]:
    """(label, bootstrap colour) of an order state."""
    label, colour = STATUS_LABELS.get(OrderStatus(status), (status, "secondary"))
    return str(label), colour


def plan_price_text(terms: PlanTerms) -> str:
    """A one-line price of a plan, e.g. "¥1,200.00/月" or "¥0.005/次"."""
    form = terms.form
    if form is ChargeForm.ONE_OFF:
        return format_fen(terms.price_fen)
    if form in (ChargeForm.SUBSCRIPTION_MONTH, ChargeForm.SUBSCRIPTION_YEAR):
        unit = _("月") if form is ChargeForm.SUBSCRIPTION_MONTH else _("年")
        return f"{format_fen(terms.price_fen)}/{unit}"
    if form is ChargeForm.PREPAID_CALLS:
        return _("%(price)s/包（%(calls)s 次）", price=format_fen(terms.price_fen), calls=terms.package_calls)
    if form in (ChargeForm.PER_CALL_FLAT, ChargeForm.PER_RECORD):
        unit = _("次") if form is ChargeForm.PER_CALL_FLAT else _("条")
        return _("%(price)s/%(unit)s，按用量结算", price=format_unit_price(terms.unit_price_fen), unit=unit)
    if form is ChargeForm.FREE_PUBLIC:
        return _("免费")
    return _("%(label)s，按用量结算", label=_(CHARGE_FORM_LABELS[form]))


def delivery_dir() -> Path:
    """Where masters and buyer copies are stored (DELIVERY_DIR, default instance/deliveries)."""
    return Path(current_app.config.get("DELIVERY_DIR") or Path(current_app.instance_path) / "deliveries")


def new_submit_token() -> str:
    """A random token the checkout form carries so a double submit creates one order."""
    return secrets.token_urlsafe(24)
