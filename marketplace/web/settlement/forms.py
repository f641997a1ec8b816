"""Forms of the settlement pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, InputRequired

from marketplace.web.limits import max_chars


class PeriodForm(FlaskForm):
    period = StringField(_l("结算期间（YYYY-MM）"), validators=[DataRequired(_l("请填写结算期间")), max_chars(7)])


class ConfirmForm(FlaskForm):
    checked = BooleanField(_l("我已核对本期结算单"), validators=[DataRequired(_l("请先勾选确认"))])


class PayoutForm(FlaskForm):
    payout_reference = StringField(_l("付款流水号"), validators=[DataRequired(_l("请填写付款流水号")), max_chars(120)])
    payout_date = DateField(_l("付款日期"), validators=[InputRequired(_l("请填写付款日期"))])
