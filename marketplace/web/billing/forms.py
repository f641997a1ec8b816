"""Forms of the bill pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from marketplace.web.limits import max_chars


class BillReceiptForm(FlaskForm):
    amount = StringField(_l("到账金额（元）"), validators=[DataRequired(_l("请填写到账金额")), max_chars(30)])
    external_id = StringField(_l("银行流水号"), validators=[DataRequired(_l("请填写银行流水号")), max_chars(120)])
