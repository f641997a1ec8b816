"""Authority pages: agreements (grant, renew, terminate) and cap prices per product."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.clock import today
from marketplace.errors import NotFound
from marketplace.models import Agreement, CapPrice, Organization, OrgKind, Product, Role
from marketplace.supply import agreements as ag
from marketplace.supply import cap_setting, caps, listing
from marketplace.supply.errors import SupplyError
from marketplace.web.access import roles_required
from marketplace.web.authority.forms import CapForm, GrantForm, RenewForm, TerminateForm
from marketplace.web.boundary import form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.pricing_desk import desk_context
from marketplace.web.review.display import plan_lines
from marketplace.web.supply.views_data import cap_text
from pricing import CHARGE_FORM_LABELS, PricingError, parse_percent_bps, parse_yuan
from pricing.charge_forms import PRICE_UNITS

bp = Blueprint("authority", __name__, url_prefix="/authority")


def _bps(text: str, field: str) -> int:
    try:
        return parse_percent_bps(text)
    except PricingError as e:
        raise SupplyError(e.message, params=getattr(e, "params", None), field=field) from None


def _agreement_in(form: GrantForm) -> ag.AgreementIn:
    return ag.AgreementIn(
        operator_id=form.operator_id.data, title=form.title.data, domains=form.domains.data or [],
        start_date=form.start_date.data, end_date=form.end_date.data, scenarios=form.scenarios.data or "",
        allowed_return_bps=_bps(form.allowed_return_pct.data, "allowed_return_pct"),
        platform_fee_bps=_bps(form.platform_fee_pct.data, "platform_fee_pct"),
        authority_share_bps=_bps(form.authority_share_pct.data, "authority_share_pct"),
        security_duties=form.security_duties.data or "", exit_terms=form.exit_terms.data or "",
        operation_started=form.operation_started.data)


@bp.route("/agreements", methods=["GET", "POST"])
@roles_required(Role.AUTHORITY)
def agreements():
    """The agreements this authority granted; grant a new one."""
    db, form = get_db(), GrantForm()
    form.operator_id.choices = [(o.id, o.name) for o in db.execute(
        select(Organization).where(Organization.kind == OrgKind.OPERATOR).order_by(Organization.name)).scalars()]
    if form.validate_on_submit() and (done := perform(lambda: ag.grant_agreement(
            db, actor=current_user.actor, authority_id=current_user.org_id, data=_agreement_in(form)), form=form)):
        agreement = done.value
        return success(_("已签发协议 %(code)s", code=agreement.code),
                       url_for("authority.agreement", agreement_id=agreement.id))
    rows = ag.authority_agreements(db, current_user.org_id)
    names = dict(db.execute(select(Organization.id, Organization.name)).all())
    return render_template("authority/agreements.html", form=form, rows=rows, names=names,
                           domains_of=ag.agreement_domain_labels), form_status()


def _own(db, agreement_id: int) -> Agreement:
    agreement = db.get(Agreement, agreement_id)
    if agreement is None or agreement.authority_id != current_user.org_id:
        raise NotFound("授权运营协议不存在")
    return agreement


def _render_agreement(db, agreement, renew=None, terminate=None, status=200):
    products = list(db.execute(select(Product).where(Product.agreement_id == agreement.id)
                               .order_by(Product.title)).scalars())
    cap_counts = dict(db.execute(select(CapPrice.product_id, func.count(func.distinct(CapPrice.charge_form)))
                                 .where(CapPrice.product_id.in_([p.id for p in products] or [0]))
                                 .group_by(CapPrice.product_id)).all())
    return render_template("authority/agreement.html", agreement=agreement, products=products, cap_counts=cap_counts,
                           operator=db.get(Organization, agreement.operator_id),
                           domains=ag.agreement_domain_labels(agreement),
                           renew=renew or RenewForm(), terminate=terminate or TerminateForm(), today=today()), status


@bp.get("/agreements/<int:agreement_id>")
@roles_required(Role.AUTHORITY)
def agreement(agreement_id: int):
    """One agreement, its products (with links to their caps), renew and terminate."""
    db = get_db()
    return _render_agreement(db, _own(db, agreement_id))


@bp.post("/agreements/<int:agreement_id>/renew")
@roles_required(Role.AUTHORITY)
def renew(agreement_id: int):
    """Continue the agreement as a new one until the chosen date."""
    db, form = get_db(), RenewForm()
    old = _own(db, agreement_id)
    if form.validate_on_submit() and (done := perform(lambda: ag.renew_agreement(
            db, actor=current_user.actor, agreement_id=old.id, end_date=form.end_date.data,
            authority_id=current_user.org_id), form=form)):
        return success(_("已续签为 %(code)s", code=done.value.code),
                       url_for("authority.agreement", agreement_id=done.value.id))
    return _render_agreement(db, old, renew=form, status=400)


@bp.post("/agreements/<int:agreement_id>/terminate")
@roles_required(Role.AUTHORITY)
def terminate(agreement_id: int):
    """End the agreement: products delisted, entitlements ended, copies marked for destruction."""
    db, form = get_db(), TerminateForm()
    agreement = _own(db, agreement_id)
    if form.validate_on_submit() and perform(lambda: ag.terminate_agreement(
            db, actor=current_user.actor, agreement_id=agreement.id, reason=form.reason.data,
            authority_id=current_user.org_id), form=form):
        operator = db.get(Organization, agreement.operator_id)
        return success(_("已终止与 %(org)s 的协议 %(code)s，其产品已下架、买方权益已终止", org=operator.name,
                         code=agreement.code), url_for("authority.agreement", agreement_id=agreement.id))
    return _render_agreement(db, agreement, terminate=form, status=400)


def _cap_fen(text: str) -> Decimal:
    try:
        return parse_yuan(text)
    except PricingError as e:
        raise SupplyError(e.message, params=getattr(e, "params", None), field="cap") from None


@bp.route("/products/<int:product_id>/caps", methods=["GET", "POST"])
@roles_required(Role.AUTHORITY)
def product_caps(product_id: int):
    """Caps of one product under this authority's agreement: history and a new version."""
    db, form = get_db(), CapForm()
    product = db.get(Product, product_id)
    agreement = _own(db, product.agreement_id) if product else None
    if product is None:
        raise NotFound("数据产品不存在")
    if form.validate_on_submit():
        if perform(lambda: cap_setting.set_cap(
                db, actor=current_user.actor, product_id=product.id, charge_form=form.charge_form.data,
                cap_fen=_cap_fen(form.cap.data), trial=form.trial.data, trial_expires=form.trial_expires.data,
                effective_on=form.effective_on.data, authority_id=current_user.org_id), form=form):
            return success(_("已设定新的上限收费标准"), url_for("authority.product_caps", product_id=product.id))
    elif request.method == "GET" and request.args.get("form") in {c[0] for c in form.charge_form.choices}:
        form.charge_form.data = request.args["form"]
    return render_template("authority/caps.html", form=form, product=product, agreement=agreement,
                           current=caps.current_caps(db, product.id), history=caps.cap_history(db, product.id),
                           labels=CHARGE_FORM_LABELS, units=PRICE_UNITS, **_latest_plans(db, product),
                           **desk_context(db, product=product, args=request.args,
                                          charge_form=form.charge_form.data)), form_status()


def _latest_plans(db, product) -> dict:
    """The plans of the product's newest revision, each with the cap it is held to now."""
    revision = listing.latest_revision(db, product.id)
    plans = listing.revision_content(revision).get("plans", []) if revision else []
    rows = []
    for plan in plans:
        cap = caps.applicable_cap(db, product.id, plan["form"]) if plan["form"] in CAPPABLE else None
        rows.append({"name": plan.get("name") or "—", "form": plan["form"], "lines": plan_lines(plan),
                     "capped": plan["form"] in CAPPABLE, "cap": cap_text(cap) if cap else None})
    return {"revision": revision, "plans": rows}


CAPPABLE = {f.value for f in caps.CAPPED_FORMS}
