"""Exchange admins record broker qualifications (R6)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from marketplace.clock import today
from marketplace.models import BrokerQualification, Organization, OrgKind, Role
from marketplace.supply.brokers import record_qualification
from marketplace.web.access import roles_required
from marketplace.web.boundary import form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.ints import coerce_db_int

bp = Blueprint("qualifications", __name__, url_prefix="/admin/qualifications")


class QualificationForm(FlaskForm):
    broker_id = SelectField(_l("数据经纪人"), coerce=coerce_db_int, validate_choice=False)
    cert_no = StringField(_l("证书编号"), validators=[DataRequired(_l("请填写证书编号")), Length(max=60)])
    issuer = StringField(_l("发证机构"), validators=[DataRequired(_l("请填写发证机构")), Length(max=200)])
    valid_from = DateField(_l("有效期自"), validators=[DataRequired(_l("请选择开始日期"))])
    valid_to = DateField(_l("有效期至"), validators=[DataRequired(_l("请选择结束日期"))])


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index():
    """Every recorded qualification; record a new one."""
    db, form = get_db(), QualificationForm()
    form.broker_id.choices = [(o.id, o.name) for o in db.execute(
        select(Organization).where(Organization.kind == OrgKind.BROKER).order_by(Organization.name)).scalars()]
    if form.validate_on_submit() and perform(lambda: record_qualification(
            db, actor=current_user.actor, broker_id=form.broker_id.data, cert_no=form.cert_no.data,
            issuer=form.issuer.data, valid_from=form.valid_from.data, valid_to=form.valid_to.data), form=form):
        return success(_("已登记经纪人资质"), url_for("qualifications.index"))
    rows = db.execute(select(BrokerQualification, Organization)
                      .join(Organization, Organization.id == BrokerQualification.broker_id)
                      .order_by(BrokerQualification.id.desc())).all()
    return render_template("qualifications/index.html", form=form, rows=rows, today=today()), form_status()
