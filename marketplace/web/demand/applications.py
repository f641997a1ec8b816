"""Access applications: buyers apply for conditional products, operators decide."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.demand import applications as apps
from marketplace.demand.common import get_listed_product
from marketplace.models import Openness, Role
from marketplace.models.demand import ApplicationStatus
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.demand.forms import ApplicationForm, DecideForm

bp = Blueprint("applications", __name__)


@bp.route("/products/<slug>/apply", methods=["GET", "POST"])
@roles_required(Role.BUYER)
def new(slug: str):
    """Apply to use a conditional product."""
    db, form = get_db(), ApplicationForm()
    product = get_listed_product(db, slug)
    if form.validate_on_submit() and perform(lambda: apps.apply_for_access(
            db, actor=current_user.actor, slug=slug, use_type=form.use_type.data, purpose=form.purpose.data,
            scenario=form.scenario.data), form=form):
        return success(_("申请已提交，运营单位审核后会在“询价与申请”中告知结果"), url_for("applications.mine"))
    approved = apps.approved_application(db, buyer_org_id=current_user.org_id, product_id=product.id)
    return render_template("applications/new.html", form=form, product=product, approved=approved,
                           conditional=product.openness == Openness.CONDITIONAL), form_status()


@bp.route("/applications")
@roles_required(Role.BUYER)
def mine():
    """The buyer's applications and their outcomes."""
    rows = apps.list_buyer_applications(get_db(), org_id=current_user.org_id)
    return render_template("applications/mine.html", rows=rows, form=EmptyForm())


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required(Role.BUYER)
def withdraw(application_id: int):
    """Withdraw a pending application."""
    db, form = get_db(), EmptyForm()
    if form.validate_on_submit() and perform(lambda: apps.withdraw_application(
            db, actor=current_user.actor, application_id=application_id)):
        flash(_("申请已撤回"), "info")
    return redirect(url_for("applications.mine"))


@bp.route("/seller/applications")
@roles_required(Role.OPERATOR)
def incoming():
    """Applications for the operator's products, pending first."""
    status = request.args.get("status")
    status = status if status in ApplicationStatus.__members__.values() else None
    rows = apps.list_incoming_applications(get_db(), org_id=current_user.org_id, status=status)
    return render_template("applications/incoming.html", rows=rows, status=status)


@bp.route("/seller/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def decide(application_id: int):
    """One application; approve or decline it with a reason."""
    db, form = get_db(), DecideForm()
    app = apps.get_application_for_seller(db, actor=current_user.actor, application_id=application_id)
    detail = apps.application_detail(db, app)
    if form.validate_on_submit() and perform(lambda: apps.decide_application(
            db, actor=current_user.actor, application_id=app.id, approve=bool(form.approve.data),
            reason=form.reason.data or ""), form=form):
        names = {"buyer": detail["buyer"].name, "title": detail["product"].title}
        return success(_("已批准 %(buyer)s 对「%(title)s」的使用申请", **names) if form.approve.data else
                       _("已拒绝 %(buyer)s 对「%(title)s」的使用申请，拒绝原因已告知申请人", **names),
                       url_for("applications.incoming"))
    code = form_status()
    return render_template("applications/decide.html", form=form, app=app, **detail), code
