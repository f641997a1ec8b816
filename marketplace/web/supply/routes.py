"""Operator and broker workbench: dashboard, product editor, submission, mandates."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.models import Role
from marketplace.supply import listing
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.pricing_desk import desk_context
from marketplace.web.supply import views_data as vd
from marketplace.web.supply.forms import ProductForm
from marketplace.web.supply.product_input import content_to_formdata, form_to_input

bp = Blueprint("supply", __name__, url_prefix="/supply")
LISTERS = (Role.OPERATOR, Role.BROKER)


@bp.get("/")
@roles_required(*LISTERS)
def dashboard():
    """Agreements, mandates and listings of the signed-in operator or broker, with states and reasons."""
    return render_template("supply/dashboard.html", **vd.dashboard_context(get_db(), current_user, request.args))


def _submit(db, product_id: int) -> bool:
    try:
        listing.submit_revision(db, actor=current_user.actor, product_id=product_id)
    except DomainError as e:
        db.rollback()
        flash(_("未能提交审核：%(msg)s", msg=error_text(e)), "danger")
        return False
    db.commit()
    flash(_("已提交审核"), "success")
    return True


def _render_form(form, product=None, status=200):
    return render_template("supply/product_form.html", form=form, product=product,
                           **vd.plan_editor(get_db(), product),
                           **desk_context(get_db(), product=product, args=request.args,
                                          product_type=form.type.data)), status


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(*LISTERS)
def new_product():
    """Create a draft product (and optionally submit it at once)."""
    db, form = get_db(), ProductForm()
    vd.fill_choices(db, form, current_user)
    if form.validate_on_submit() and (done := perform(lambda: _create(db, form), form=form)):
        flash(_("已保存草稿"), "success")
        if form.submit_review.data:
            _submit(db, done.value.id)
        return redirect(url_for("supply.product", product_id=done.value.id))
    return _render_form(form, status=form_status())


def _create(db, form):
    data, plans = form_to_input(form)
    operator_id, broker_id = vd.parties(form, current_user)
    return listing.create_product(db, actor=current_user.actor, operator_id=operator_id, broker_id=broker_id,
                                  data=data, plans=plans)


def _update(db, form, product):
    data, plans = form_to_input(form)
    return listing.update_product(db, actor=current_user.actor, product_id=product.id, data=data, plans=plans)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(*LISTERS)
def edit_product(product_id: int):
    """Edit a product: a listed one gets a new revision and stays on sale until it is approved."""
    db = get_db()
    product = listing.get_product_for(db, org_id=current_user.org_id, product_id=product_id)
    latest = listing.latest_revision(db, product.id)
    form = ProductForm(data=content_to_formdata(listing.revision_content(latest)) if latest else None)
    vd.fill_choices(db, form, current_user, product=product)
    if form.validate_on_submit() and perform(lambda: _update(db, form, product), form=form):
        flash(_("修改已保存为新版本") if product.status == "listed" else _("已保存草稿"), "success")
        if form.submit_review.data:
            _submit(db, product.id)
        return redirect(url_for("supply.product", product_id=product.id))
    return _render_form(form, product, status=form_status())


@bp.get("/products/<int:product_id>")
@roles_required(*LISTERS)
def product(product_id: int):
    """A product's state, its revisions with checks and reject reasons."""
    db = get_db()
    item = listing.get_product_for(db, org_id=current_user.org_id, product_id=product_id)
    return render_template("supply/product.html", **vd.product_context(db, item), form=EmptyForm())


@bp.post("/products/<int:product_id>/submit")
@roles_required(*LISTERS)
def submit(product_id: int):
    """Submit the latest draft for review."""
    db = get_db()
    listing.get_product_for(db, org_id=current_user.org_id, product_id=product_id)
    EmptyForm().validate_on_submit()
    _submit(db, product_id)
    return redirect(url_for("supply.product", product_id=product_id))
from marketplace.web.supply import mandates as _mandates  # noqa: E402,F401  registers the mandate views
