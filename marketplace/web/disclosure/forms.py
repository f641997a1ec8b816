"""The operator's publish confirmation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from marketplace.web.limits import max_chars


class PublishForm(FlaskForm):
    """Publish the previewed draft for a year; the box must be ticked."""

    year = HiddenField(validators=[max_chars(4)])
    confirm = BooleanField(
        _l("我已核对以上内容，确认发布；发布后内容冻结，不可修改"),
        validators=[DataRequired(message=_l("请勾选确认后再发布"))],
    )
