"""Forms of the reasonable-return pages: a cost entry, a correction, returning a report."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from marketplace.returns.costs import CATEGORY_LABELS
from marketplace.returns.review import MAX_REASON
from marketplace.web.ints import coerce_db_int
from marketplace.web.limits import max_chars


class CostForm(FlaskForm):
    category = SelectField(_l("类别"), choices=[(c.value, _l(label)) for c, label in CATEGORY_LABELS.items()])
    amount = StringField(_l("金额（元）"), validators=[DataRequired(_l("请填写金额")), max_chars(30)])
    spent_on = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    note = StringField(_l("说明"), validators=[DataRequired(_l("请填写说明")), max_chars(500)])
    product_id = SelectField(_l("归属产品"), coerce=coerce_db_int, validate_choice=False, default=0)


class CorrectionForm(FlaskForm):
    amount = StringField(_l("更正金额（元，减少填负数）"), validators=[DataRequired(_l("请填写金额")), max_chars(30)])
    spent_on = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    note = StringField(_l("更正原因"), validators=[DataRequired(_l("请填写更正原因")), max_chars(500)])


class ReturnReasonForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(_l("请填写退回原因")), max_chars(MAX_REASON)])
