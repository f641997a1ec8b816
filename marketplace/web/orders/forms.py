"""Forms of the order pages. Prices are never form fields: the server prices every order."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from marketplace.web.ints import coerce_db_int
from marketplace.web.limits import max_chars


class CheckoutForm(FlaskForm):
    plan_id = SelectField(_l("价格方案"), coerce=coerce_db_int, validate_choice=False)
    quantity = StringField(_l("购买数量"), default="1", validators=[max_chars(10)])
    use_type = RadioField(_l("数据用途"), default="industry",
                          choices=[("industry", _l("产业发展、行业发展（收费）")),
                                   ("public", _l("公共治理、公益事业（经运营单位审核后免费）"))])
    purpose = TextAreaField(_l("用途说明"), validators=[max_chars(2000)])
    invoice_title = StringField(_l("发票抬头"), validators=[max_chars(200)])
    invoice_taxpayer_id = StringField(_l("纳税人识别号"), validators=[max_chars(18)])
    invoice_kind = RadioField(_l("发票类型"), default="normal",
                              choices=[("special", _l("增值税专用发票")), ("normal", _l("增值税普通发票"))])
    submit_token = HiddenField(validators=[max_chars(64)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), max_chars(500)])


class ReceiptForm(FlaskForm):
    amount = StringField(_l("到账金额（元）"), validators=[DataRequired(_l("请填写到账金额")), max_chars(30)])
    external_id = StringField(_l("银行流水号"), validators=[DataRequired(_l("请填写银行流水号")), max_chars(120)])


class UploadForm(FlaskForm):
    file = FileField(_l("交付文件"))


class TraceForm(FlaskForm):
    file = FileField(_l("可疑文件"))
    fingerprint = StringField(_l("或填写数字指纹"), validators=[Optional(), max_chars(40)])


class KeyForm(FlaskForm):
    label = StringField(_l("密钥备注"), validators=[Optional(), max_chars(60)])


class OfflineDeliveryForm(FlaskForm):
    """The operator records an offline (contract) delivery of one order line."""

    method = StringField(_l("交付方式"), validators=[DataRequired(_l("请填写交付方式")), max_chars(100)])
    reference = StringField(_l("交付单号或合同编号"), validators=[Optional(), max_chars(100)])
    delivered_on = DateField(_l("交付日期"), validators=[DataRequired(_l("请填写交付日期"))])
    note = TextAreaField(_l("交付说明"), validators=[Optional(), max_chars(1000)])
