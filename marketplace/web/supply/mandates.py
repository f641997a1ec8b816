"""Operators mandate qualified brokers for chosen products (R6)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.clock import today
from marketplace.i18n_marker import N_
from marketplace.models import Mandate, Organization, OrgKind, Product, Role
from marketplace.supply import brokers
from marketplace.supply.errors import SupplyError
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.supply.forms import MandateForm
from marketplace.web.supply.routes import bp
from pricing import PricingError, parse_percent_bps


def _bps(text: str) -> int:
    try:
        return parse_percent_bps(text, what=N_("佣金比例"))
    except PricingError as e:
        raise SupplyError(e.message, params=getattr(e, "params", None), field="commission_pct") from None


@bp.route("/mandates", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def mandates():
    """The operator's mandates; create one."""
    db, form = get_db(), MandateForm()
    form.broker_id.choices = [(o.id, o.name) for o in db.execute(
        select(Organization).where(Organization.kind == OrgKind.BROKER).order_by(Organization.name)).scalars()]
    products = list(db.execute(select(Product).where(Product.operator_id == current_user.org_id)
                               .order_by(Product.title)).scalars())
    form.product_ids.choices = [(p.id, p.title) for p in products]
    if form.validate_on_submit() and perform(lambda: brokers.create_mandate(
            db, actor=current_user.actor, operator_id=current_user.org_id, broker_id=form.broker_id.data,
            product_ids=form.product_ids.data or [], commission_bps=_bps(form.commission_pct.data),
            start_date=form.start_date.data, end_date=form.end_date.data), form=form):
        return success(_("已创建委托"), url_for("supply.mandates"))
    rows = list(db.execute(select(Mandate).where(Mandate.operator_id == current_user.org_id)
                           .order_by(Mandate.id.desc())).scalars())
    covered = {m.id: brokers.mandate_product_ids(db, m.id) for m in rows}
    titles = {p.id: p.title for p in products}
    names = {o.id: o.name for o in db.execute(select(Organization)).scalars()}
    return render_template("supply/mandates.html", form=form, mandates=rows, covered=covered, titles=titles,
                           names=names, empty=EmptyForm(), today=today()), form_status()


@bp.post("/mandates/<int:mandate_id>/revoke")
@roles_required(Role.OPERATOR)
def revoke_mandate(mandate_id: int):
    """Withdraw a mandate."""
    db = get_db()
    if done := perform(lambda: brokers.revoke_mandate(db, actor=current_user.actor, mandate_id=mandate_id,
                                                      operator_id=current_user.org_id)):
        broker = db.get(Organization, done.value.broker_id)
        flash(_("已撤销对 %(broker)s 的委托", broker=broker.name), "success")
    return redirect(url_for("supply.mandates"))
