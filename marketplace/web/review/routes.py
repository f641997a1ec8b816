"""Reviewers: the queue of submitted listings, checks and diff, approve or reject with a reason."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length

from marketplace.clock import today
from marketplace.errors import DomainError
from marketplace.models import Agreement, Organization, Product, Role
from marketplace.supply import review
from marketplace.supply.checks import run_checks
from marketplace.supply.listing import revision_content
from marketplace.web.access import roles_required
from marketplace.web.boundary import perform, success
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.review.display import readable_diff

bp = Blueprint("review", __name__, url_prefix="/review")
FIELD_LABELS = {"type": _l("产品类型"), "title": _l("产品名称"), "summary": _l("摘要"),
                "description_md": _l("详细介绍"),
                "domain": _l("数据领域"), "region": _l("覆盖地区"), "openness": _l("开放属性"),
                "security_grade": _l("数据分级"), "registration_code": _l("登记码"), "update_frequency": _l("更新频率"),
                "delivery_mode": _l("交付方式"), "offline_delivery": _l("线下/合同交付"),
                "version_notes": _l("版本说明"), "data_dictionary": _l("数据字典"),
                "sample_rows": _l("样例数据"), "plans": _l("价格方案")}


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("驳回原因（上架方可见）"), validators=[Length(max=1000)])


@bp.get("/")
@roles_required(Role.REVIEWER)
def queue():
    """Submitted revisions, oldest first."""
    db = get_db()
    rows = review.review_queue(db)
    names = dict(db.execute(select(Organization.id, Organization.name)).all())
    checks = {r.id: json.loads(r.checks or "[]") for r, _p in rows}
    return render_template("review/queue.html", rows=rows, names=names, checks=checks)


def _detail(revision_id: int, form, status: int = 200):
    db = get_db()
    revision = review.get_revision(db, revision_id)
    product = db.get(Product, revision.product_id)
    content = revision_content(revision)
    live = run_checks(db, product=product, content=content, plans=content.get("plans", []), today=today())
    listed = review.listed_revision(db, product.id)
    return render_template("review/detail.html", revision=revision, product=product, content=content,
                           checks=live, diff=readable_diff(review.diff_revision(db, revision)), form=form,
                           labels=FIELD_LABELS, listed=listed if listed and listed.id != revision.id else None,
                           agreement=db.get(Agreement, product.agreement_id),
                           operator=db.get(Organization, product.operator_id),
                           broker=db.get(Organization, product.broker_id) if product.broker_id else None), status


@bp.get("/revisions/<int:revision_id>")
@roles_required(Role.REVIEWER)
def detail(revision_id: int):
    """One revision: checks re-run now, the diff against the listed revision, the decision form."""
    return _detail(revision_id, DecisionForm())


@bp.post("/revisions/<int:revision_id>/approve")
@roles_required(Role.REVIEWER)
def approve(revision_id: int):
    """Put the revision on sale (refused when a check fails now)."""
    db, form = get_db(), DecisionForm()
    try:
        product = review.approve_revision(db, actor=current_user.actor, revision_id=revision_id)
    except DomainError as e:
        db.rollback()
        if e.status == 404:
            raise
        flash(_("未能通过：%(msg)s", msg=error_text(e)), "danger")
        return _detail(revision_id, form, 400 if e.status == 400 else e.status)
    db.commit()
    flash(_("已通过，「%(title)s」已上架", title=product.title), "success")
    return redirect(url_for("review.queue"))


@bp.post("/revisions/<int:revision_id>/reject")
@roles_required(Role.REVIEWER)
def reject(revision_id: int):
    """Send the revision back with a reason."""
    db, form = get_db(), DecisionForm()
    if form.validate_on_submit() and perform(lambda: review.reject_revision(
            db, actor=current_user.actor, revision_id=revision_id, reason=form.reason.data or ""), form=form):
        product = db.get(Product, review.get_revision(db, revision_id).product_id)
        return success(_("已驳回「%(title)s」，原因已告知提交方", title=product.title), url_for("review.queue"))
    return _detail(revision_id, form, 400)
