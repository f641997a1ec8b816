"""Forms of the applications and quotes pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from marketplace.web.limits import max_chars

USE_CHOICES = [("industry", _l("产业发展、行业发展（收费）")), ("public", _l("公共治理、公益事业（免费，需审批）"))]
OFFER_FORM_CHOICES = [
    ("one_off", _l("一次性买断")), ("subscription_month", _l("按月订阅")),
    ("subscription_year", _l("按年订阅")), ("prepaid_calls", _l("预付费次数包")),
]


class ApplicationForm(FlaskForm):
    use_type = RadioField(_l("用途"), choices=USE_CHOICES, default="industry")
    purpose = TextAreaField(_l("用途说明"), validators=[DataRequired(_l("请填写用途说明")), max_chars(2000)])
    scenario = TextAreaField(_l("应用场景"), validators=[DataRequired(_l("请填写应用场景")), max_chars(2000)])


class DecideForm(FlaskForm):
    approve = SubmitField(_l("批准"))
    decline = SubmitField(_l("拒绝"))
    reason = TextAreaField(_l("审批意见（拒绝时必填，申请方可见）"), validators=[max_chars(1000)])


class QuoteForm(FlaskForm):
    volume = StringField(_l("需求量"), validators=[max_chars(200)])
    period = StringField(_l("使用期限"), validators=[max_chars(100)])
    use_type = RadioField(_l("用途"), choices=USE_CHOICES, default="industry")
    message = TextAreaField(_l("需求说明"), validators=[DataRequired(_l("请填写需求说明")), max_chars(2000)])


class OfferForm(FlaskForm):
    charge_form = SelectField(_l("收费方式"), choices=OFFER_FORM_CHOICES)
    price = StringField(_l("报价金额（元，含税）"), validators=[DataRequired(_l("请填写报价金额")), max_chars(30)])
    package_calls = IntegerField(_l("包内调用次数（仅次数包）"), validators=[Optional(), NumberRange(min=1, max=10**9)])
    valid_until = DateField(_l("报价有效期至"), validators=[DataRequired(_l("请选择有效期"))])
    note = TextAreaField(_l("报价说明"), validators=[max_chars(1000)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("留言"), validators=[DataRequired(_l("请填写留言内容")), max_chars(2000)])


class AcceptForm(FlaskForm):
    invoice_title = StringField(_l("发票抬头"), validators=[DataRequired(_l("请填写发票抬头")), max_chars(200)])
    invoice_kind = SelectField(_l("发票类型"), choices=[("normal", _l("增值税普通发票")),
                                                       ("special", _l("增值税专用发票"))])
    purpose = TextAreaField(_l("用途说明"), validators=[DataRequired(_l("请填写用途说明")), max_chars(2000)])


class DeclineForm(FlaskForm):
    reason = StringField(_l("拒绝原因（可选）"), validators=[max_chars(1000)])

