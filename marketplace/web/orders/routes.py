"""Checkout, the order page with bank-transfer details and downloads, and leak tracing."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.demand.applications import has_approved_access
from marketplace.errors import DomainError
from marketplace.models import Organization, OrgStatus, PricePlan, Product, Role
from marketplace.models.delivery import Deliverable
from marketplace.orders import delivery
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.common import OrderError, get_order_by_number, order_lines
from marketplace.orders.offline import confirm_offline_receipt, order_offline_records
from marketplace.orders.payments import cancel_order, payments_of
from marketplace.orders.queries import buyable_plans
from marketplace.orders.sellable import check_sellable
from marketplace.orders.trace import trace_leak
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.forms_util import attach_error
from marketplace.web.ints import query_int
from marketplace.web.orders.display import delivery_dir, new_submit_token, plan_price_text, status_badge
from marketplace.web.orders.forms import CheckoutForm, ReasonForm, TraceForm
from pricing import is_metered, order_amount, terms_from_json

bp = Blueprint("orders", __name__)


def _sellable_product(slug: str) -> Product:
    db = get_db()
    product = db.execute(select(Product).where(Product.slug == slug)).scalar_one_or_none()
    check_sellable(db, product)
    return product


def _prepare_checkout(form: CheckoutForm, product: Product, buyer: Organization) -> list:
    plans = buyable_plans(get_db(), product.id)
    form.plan_id.choices = [(p.id, f"{p.name} · {plan_price_text(t)}") for p, t in plans]
    if request.method == "GET":
        wanted = query_int("plan")
        form.plan_id.data = wanted if any(p.id == wanted for p, _t in plans) else (plans[0][0].id if plans else None)
        form.invoice_title.data, form.invoice_taxpayer_id.data = buyer.name, buyer.uscc
        form.submit_token.data = new_submit_token()
    return [(p, t, order_amount(t)) for p, t in plans]  # buyable plans are never negotiated


def _quantity(form: CheckoutForm) -> int | None:
    try:
        return int((form.quantity.data or "").strip())
    except ValueError:
        attach_error(form, OrderError(_("购买数量必须是 1 到 1000 之间的整数"), field="quantity"))
        return None


@bp.route("/products/<slug>/buy", methods=["GET", "POST"])
@roles_required(Role.BUYER)
def checkout(slug: str):
    """Choose a plan, declare the use, give invoice details, place the order."""
    db, form = get_db(), CheckoutForm()
    product = _sellable_product(slug)
    buyer = db.get(Organization, current_user.org_id)
    plans = _prepare_checkout(form, product, buyer)
    if form.validate_on_submit() and (quantity := _quantity(form)) is not None:
        invoice = InvoiceIn(title=form.invoice_title.data or "", taxpayer_id=form.invoice_taxpayer_id.data or "",
                            kind=form.invoice_kind.data or "")
        if done := perform(lambda: place_order(
                db, actor=current_user.actor, buyer_org_id=buyer.id, product_id=product.id, plan_id=form.plan_id.data,
                quantity=quantity, use_type=form.use_type.data, purpose=form.purpose.data or "", invoice=invoice,
                submit_token=form.submit_token.data or ""), form=form):
            return success(_("订单 %(number)s 已提交", number=done.value.number),
                           url_for("orders.detail", number=done.value.number))
    apply_first = not has_approved_access(db, buyer_org_id=buyer.id, product_id=product.id)  # conditional, no approval
    return render_template("orders/checkout.html", form=form, product=product, plans=plans, buyer=buyer,
                           verified=buyer.status == OrgStatus.VERIFIED, apply_first=apply_first), form_status()


def _visible_order(number: str):
    """The buyer's own order (404 for another's); finance and admins see every order."""
    own = current_user.org_id if current_user.role == Role.BUYER else None
    return get_order_by_number(get_db(), number, buyer_org_id=own)


@bp.get("/orders/<number>")
@roles_required(Role.BUYER, Role.FINANCE, Role.ADMIN)
def detail(number: str):
    """Lines, VAT, state, how to pay, and the buyer's downloads."""
    db = get_db()
    order = _visible_order(number)
    copies, waiting = [], []
    if current_user.role == Role.BUYER:  # reads only: copies are made by the POST of copy_file
        copies, waiting = delivery.copies_of(db, order), delivery.files_awaiting_copy(db, order)
        g.no_store = True
    secret = current_app.config["SECRET_KEY"]
    links = {c.id: url_for("orders.download", token=delivery.download_token(secret, c)) for c in copies}
    files = {c.id: db.get(Deliverable, c.deliverable_id) for c in copies}
    card = bool(current_app.config.get("STRIPE_SECRET_KEY"))
    lines = order_lines(db, order.id)
    return render_template("orders/detail.html", order=order, lines=lines, copies=copies, about=_about_lines(lines),
                           links=links, files=files, payments=payments_of(db, order.id), card=card,
                           bank=current_app.config["EXCHANGE_BANK"], buyer=db.get(Organization, order.buyer_org_id),
                           cancel_form=ReasonForm(), link_minutes=delivery.LINK_SECONDS // 60, waiting=waiting,
                           offline=order_offline_records(db, order.id),
                           empty=EmptyForm())


@bp.post("/orders/<number>/files/<int:line_id>/<int:deliverable_id>")
@roles_required(Role.BUYER)
def copy_file(number: str, line_id: int, deliverable_id: int):
    """Make the buyer's watermarked copy of one file (once; a repeat finds it) and go to its download link."""
    order = get_order_by_number(get_db(), number, buyer_org_id=current_user.org_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("orders.detail", number=number))
    done = perform(lambda: delivery.ensure_copy(get_db(), actor=current_user.actor, order=order, line_id=line_id,
                                                deliverable_id=deliverable_id, storage_dir=delivery_dir()))
    if not done:
        return redirect(url_for("orders.detail", number=number))
    return redirect(url_for("orders.download", token=delivery.download_token(current_app.config["SECRET_KEY"],
                                                                              done.value)))


def _about_lines(lines) -> dict:
    """Per line: its product (for links) and, for usage-billed plans, the price per call or record."""
    db, out = get_db(), {}
    for line in lines:
        plan = db.get(PricePlan, line.plan_id)
        terms = terms_from_json(plan.terms) if plan is not None else None
        billed_on_usage = terms is not None and is_metered(terms.form) and order_amount(terms) == 0
        usage_price = plan_price_text(terms) if billed_on_usage else None
        out[line.id] = SimpleNamespace(product=db.get(Product, line.product_id), usage_price=usage_price)
    return out


@bp.post("/orders/<number>/cancel")
@roles_required(Role.BUYER)
def cancel(number: str):
    """The buyer cancels its own unpaid order."""
    db, form = get_db(), ReasonForm()
    order = get_order_by_number(db, number, buyer_org_id=current_user.org_id)
    if form.validate_on_submit() and perform(lambda: cancel_order(
            db, actor=current_user.actor, order_id=order.id, reason=form.reason.data or "",
            buyer_org_id=current_user.org_id)):
        flash(_("订单已取消"), "success")
    return redirect(url_for("orders.detail", number=number))


@bp.post("/orders/<number>/offline/<int:delivery_id>/confirm")
@roles_required(Role.BUYER)
def confirm_offline(number: str, delivery_id: int):
    """The buyer confirms it received an offline delivery the operator recorded."""
    db = get_db()
    get_order_by_number(db, number, buyer_org_id=current_user.org_id)
    if not EmptyForm().validate_on_submit():
        flash(_("表单已过期，请重试"), "danger")
        return redirect(url_for("orders.detail", number=number))
    try:
        confirm_offline_receipt(db, actor=current_user.actor, buyer_org_id=current_user.org_id,
                                delivery_id=delivery_id)
    except DomainError as e:
        db.rollback()
        if e.status == 404:
            raise
        flash(error_text(e), "danger")
    else:
        db.commit()
        flash(_("已确认收货"), "success")
    return redirect(url_for("orders.detail", number=number))


@bp.get("/downloads/<token>")
@roles_required(Role.BUYER)
def download(token: str):
    """Send the buyer's watermarked copy through a signed, expiring link; each download counts."""
    db = get_db()
    copy_id = delivery.read_token(current_app.config["SECRET_KEY"], token)
    g.get_writes = True  # the one GET that writes: a download is counted (limit per copy) as it is sent
    got = delivery.take_download(db, actor=current_user.actor, buyer_org_id=current_user.org_id, copy_id=copy_id,
                                 storage_dir=delivery_dir())
    db.commit()
    resp = send_file(got.path, mimetype=got.media_type, as_attachment=True, download_name=got.filename)
    resp.headers["X-Content-SHA256"] = got.sha256
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/trace", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.AUTHORITY)
def trace():
    """Find the order a leaked file came from: upload it, or paste its fingerprint."""
    form, hits, searched = TraceForm(), [], False
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read() if upload and getattr(upload, "filename", "") else None
        try:
            hits, searched = trace_leak(get_db(), content=content, fingerprint=form.fingerprint.data or ""), True
        except DomainError as e:
            attach_error(form, e)
    code = 400 if request.method == "POST" and not searched else 200
    return render_template("orders/trace.html", form=form, hits=hits, searched=searched, empty=EmptyForm()), code


@bp.app_context_processor
def _order_helpers():
    return {"status_badge": status_badge, "plan_price_text": plan_price_text}
