"""Forms of the authority pages: grant, renew, terminate an agreement; set a cap."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from marketplace.catalog_terms import DOMAINS
from marketplace.supply.caps import CAPPED_FORMS
from marketplace.web.forms_util import label_choices
from marketplace.web.ints import coerce_db_int
from marketplace.web.limits import max_chars
from pricing import CHARGE_FORM_LABELS


class GrantForm(FlaskForm):
    operator_id = SelectField(_l("授权运营单位"), coerce=coerce_db_int, validate_choice=False)
    title = StringField(_l("协议名称"), validators=[DataRequired(_l("请填写协议名称")), max_chars(200)])
    domains = SelectMultipleField(_l("数据范围（领域）"), choices=label_choices(DOMAINS), validate_choice=False)
    scenarios = TextAreaField(_l("使用场景"), validators=[max_chars(4000)])
    start_date = DateField(_l("开始日期"), validators=[DataRequired(_l("请选择开始日期"))])
    end_date = DateField(_l("结束日期"), validators=[DataRequired(_l("请选择结束日期"))])
    allowed_return_pct = StringField(_l("允许收益率（%）"), default="8", validators=[max_chars(10)])
    platform_fee_pct = StringField(_l("平台服务费率（%）"), default="5", validators=[max_chars(10)])
    authority_share_pct = StringField(_l("授权主体分成（%）"), default="0", validators=[max_chars(10)])
    operation_started = DateField(_l("运营开始日期（判断试行价资格）"), validators=[Optional()])
    security_duties = TextAreaField(_l("安全责任"), validators=[max_chars(4000)])
    exit_terms = TextAreaField(_l("退出与处置条款"), validators=[max_chars(4000)])


class RenewForm(FlaskForm):
    end_date = DateField(_l("续签至"), validators=[DataRequired(_l("请选择续签后的结束日期"))])


class TerminateForm(FlaskForm):
    reason = TextAreaField(_l("终止原因"), validators=[DataRequired(_l("请填写终止原因")), max_chars(500)])


class CapForm(FlaskForm):
    charge_form = SelectField(_l("收费方式"), choices=[(f.value, _l(CHARGE_FORM_LABELS[f])) for f in CAPPED_FORMS])
    cap = StringField(_l("上限价格（元，含税；按次可到 0.0001 元）"),
                      validators=[DataRequired(_l("请填写上限价格")), max_chars(30)])
    trial = BooleanField(_l("试行收费标准"))
    trial_expires = DateField(_l("试行到期日"), validators=[Optional()])
    effective_on = DateField(_l("生效日期（留空为今天）"), validators=[Optional()])
