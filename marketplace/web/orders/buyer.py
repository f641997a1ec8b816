"""The buyer's pages: orders, entitlements with API keys, invoice data."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.entitlements import is_usable
from marketplace.models import Organization, Role
from marketplace.orders import buyer_keys
from marketplace.orders.fulfilment import KEYED_TYPES
from marketplace.orders.queries import buyer_entitlements, buyer_orders
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, perform
from marketplace.web.db import get_db
from marketplace.web.ints import MAX_PAGE, query_int
from marketplace.web.orders.forms import KeyForm

bp = Blueprint("buyer", __name__, url_prefix="/buyer")
NEW_KEY = "orders.new_api_key"  # one-time slot in the signed session cookie, popped when shown


@bp.get("/orders")
@roles_required(Role.BUYER)
def orders():
    """The organization's orders, newest first."""
    page = query_int("page", 1, high=MAX_PAGE)
    rows = buyer_orders(get_db(), current_user.org_id, status=request.args.get("status"), page=page)
    return render_template("buyer/orders.html", rows=rows, page=page)


@bp.get("/entitlements")
@roles_required(Role.BUYER)
def entitlements():
    """What the organization may use, with periods, calls and API keys (prefix only)."""
    g.no_store = True
    new_key = session.pop(NEW_KEY, None)
    rows = buyer_entitlements(get_db(), current_user.org_id)
    return render_template("buyer/entitlements.html", rows=rows, new_key=new_key, key_form=KeyForm(),
                           empty=EmptyForm(), keyed=KEYED_TYPES, is_usable=is_usable)


def _key_action(fn, **kw):
    if not EmptyForm().validate_on_submit():
        flash(_("表单已过期，请重试"), "danger")
        return redirect(url_for("buyer.entitlements"))
    if not (done := perform(lambda: fn(get_db(), actor=current_user.actor, buyer_org_id=current_user.org_id, **kw))):
        return redirect(url_for("buyer.entitlements"))
    result = done.value
    if isinstance(result, tuple):
        key, plaintext = result
        session[NEW_KEY] = {"prefix": key.prefix, "plaintext": plaintext}
        flash(_("已生成新密钥，请立即复制保存：离开本页后将无法再次查看"), "warning")
    else:
        flash(_("密钥已吊销"), "success")
    return redirect(url_for("buyer.entitlements"))


@bp.post("/entitlements/<int:entitlement_id>/keys")
@roles_required(Role.BUYER)
def issue_key(entitlement_id: int):
    """Issue an API key for an entitlement; the plaintext is shown once."""
    return _key_action(buyer_keys.issue_key_for, entitlement_id=entitlement_id, label=request.form.get("label", ""))


@bp.post("/keys/<int:key_id>/rotate")
@roles_required(Role.BUYER)
def rotate_key(key_id: int):
    """Replace a key; the new plaintext is shown once."""
    return _key_action(buyer_keys.rotate_key, key_id=key_id)


@bp.post("/keys/<int:key_id>/revoke")
@roles_required(Role.BUYER)
def revoke_key(key_id: int):
    """Stop a key at once."""
    return _key_action(buyer_keys.revoke_key, key_id=key_id)


@bp.get("/invoices")
@roles_required(Role.BUYER)
def invoices():
    """Invoice data of paid orders (title, taxpayer id, kind, amounts) for the finance department."""
    rows = [(o, t) for o, t in buyer_orders(get_db(), current_user.org_id) if o.paid_at and o.total_fen > 0]
    return render_template("buyer/invoices.html", rows=rows, org=get_db().get(Organization, current_user.org_id))
