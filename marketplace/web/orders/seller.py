"""Operators and brokers: orders of their products; operators: public-use approvals and delivery files."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.clock import today as today_local
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Product, Role
from marketplace.orders import delivery
from marketplace.orders.approvals import approve_public_use, decline_public_use
from marketplace.orders.common import OrderError
from marketplace.orders.fulfilment import FILE_TYPES
from marketplace.orders.offline import OfflineDeliveryIn, operator_offline_lines, record_offline_delivery
from marketplace.orders.queries import approval_queue, seller_lines
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.forms_util import attach_error
from marketplace.web.orders.display import delivery_dir
from marketplace.web.orders.forms import OfflineDeliveryForm, ReasonForm, UploadForm

bp = Blueprint("seller", __name__, url_prefix="/seller")


@bp.get("/orders")
@roles_required(Role.OPERATOR, Role.BROKER)
def orders():
    """Order lines of the products this organization operates or sells as broker."""
    rows = seller_lines(get_db(), current_user.org_id, status=request.args.get("status"))
    return render_template("seller/orders.html", rows=rows)


@bp.get("/approvals")
@roles_required(Role.OPERATOR)
def approvals():
    """Public-use (free) orders waiting for this operator's decision."""
    rows = approval_queue(get_db(), current_user.org_id)
    return render_template("seller/approvals.html", rows=rows, empty=EmptyForm(), reason_form=ReasonForm())


def _decide(order_id: int, approve: bool):
    db, form = get_db(), ReasonForm()
    if not form.validate_on_submit():
        flash(_("表单已过期，请重试"), "danger")
        return redirect(url_for("seller.approvals"))
    if approve:
        done = perform(lambda: approve_public_use(db, actor=current_user.actor, order_id=order_id,
                                                  operator_org_id=current_user.org_id))
    else:
        done = perform(lambda: decline_public_use(db, actor=current_user.actor, order_id=order_id,
                                                  operator_org_id=current_user.org_id, reason=form.reason.data or ""))
    if done:
        flash(_("订单 %(n)s 已审核", n=done.value.number), "success")
    return redirect(url_for("seller.approvals"))


@bp.post("/approvals/<int:order_id>/approve")
@roles_required(Role.OPERATOR)
def approve(order_id: int):
    """Approve a public-use order: the buyer gets a free entitlement."""
    return _decide(order_id, True)


@bp.post("/approvals/<int:order_id>/decline")
@roles_required(Role.OPERATOR)
def decline(order_id: int):
    """Decline a public-use order with a reason the buyer sees."""
    return _decide(order_id, False)


@bp.get("/files")
@roles_required(Role.OPERATOR)
def files():
    """The operator's package and report products, to attach delivery files."""
    products = get_db().execute(select(Product).where(Product.operator_id == current_user.org_id,
                                                      Product.type.in_(list(FILE_TYPES)))
                                .order_by(Product.id.desc())).scalars().all()
    return render_template("seller/files.html", products=products)


@bp.route("/products/<int:product_id>/files", methods=["GET", "POST"])
@roles_required(Role.OPERATOR)
def product_files(product_id: int):
    """Upload a delivery file for one of the operator's package or report products."""
    db, form = get_db(), UploadForm()
    product = db.get(Product, product_id)
    if product is None or product.operator_id != current_user.org_id:
        raise NotFound(_("产品不存在"))
    upload = form.file.data
    if not form.validate_on_submit():
        pass
    elif not upload or not getattr(upload, "filename", ""):
        attach_error(form, OrderError(N_("请选择文件"), field="file"))
    elif done := perform(lambda: delivery.upload_deliverable(
            db, actor=current_user.actor, operator_org_id=current_user.org_id, product_id=product.id,
            filename=upload.filename, content=upload.read(delivery.MAX_UPLOAD + 1), storage_dir=delivery_dir()),
            form=form):
        return success(_("已上传 %(f)s", f=done.value.filename), url_for("seller.product_files", product_id=product.id))
    return render_template("seller/product_files.html", product=product, form=form,
                           items=delivery.deliverables_of(db, product.id)), form_status()


@bp.get("/offline")
@roles_required(Role.OPERATOR)
def offline():
    """Paid order lines of the operator's offline-delivery products: record each delivery."""
    return _offline_page(None, None)


def _offline_page(failed_form, failed_line: int | None, status: int = 200):
    """The offline-delivery lines, each with its form (prefilled from its record; the failed one as posted)."""
    rows = operator_offline_lines(get_db(), current_user.org_id)
    forms = {}
    for r in rows:
        if r.line.id == failed_line:
            forms[r.line.id] = failed_form
            continue
        rec = r.record
        data = ({"method": rec.method, "reference": rec.reference, "delivered_on": rec.delivered_on, "note": rec.note}
                if rec else {"delivered_on": today_local()})
        forms[r.line.id] = OfflineDeliveryForm(formdata=None, data=data)
    return render_template("seller/offline.html", rows=rows, forms=forms, failed=failed_line), status


@bp.post("/offline/<int:line_id>")
@roles_required(Role.OPERATOR)
def record_offline(line_id: int):
    """Record how and when one order line was delivered offline; the buyer then confirms receipt."""
    db, form = get_db(), OfflineDeliveryForm()
    if form.validate_on_submit():
        data = OfflineDeliveryIn(method=form.method.data or "", delivered_on=form.delivered_on.data,
                                 reference=form.reference.data or "", note=form.note.data or "")
        if perform(lambda: record_offline_delivery(db, actor=current_user.actor, operator_org_id=current_user.org_id,
                                                   line_id=line_id, data=data), form=form):
            return success(_("已登记交付，等待买方确认收货"), url_for("seller.offline"))
    return _offline_page(form, line_id, 400)
