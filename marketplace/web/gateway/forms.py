"""Forms of the gateway pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from marketplace.catalog_terms import DOMAINS
from marketplace.web.forms_util import label_choices
from marketplace.web.limits import max_chars


class DefineApiForm(FlaskForm):
    """Operator: an API product from a CSV dataset."""

    title = StringField(_l("产品名称"), validators=[DataRequired(_l("请填写产品名称")), max_chars(200)])
    summary = StringField(_l("摘要"), validators=[Optional(), max_chars(500)])
    domain = SelectField(_l("数据领域"), choices=label_choices(DOMAINS))
    registration_code = StringField(_l("数据产品登记码"),
                                    validators=[DataRequired(_l("请填写数据产品登记码（数据产品登记后取得）")),
                                                max_chars(80)])
    dataset = FileField(_l("数据集（CSV，UTF-8，第一行为列名）"),
                        validators=[FileRequired(_l("请选择 CSV 文件")), FileAllowed(["csv"], _l("只能上传 CSV 文件"))])
    verification = BooleanField(_l("核验类接口（只返回一致/不一致，不返回数据）"))
    definition = TextAreaField(_l("接口定义"),
                               validators=[DataRequired(_l("请选择查询参数和返回字段")), max_chars(20000)],
                               render_kw={"rows": 6, "spellcheck": "false"})
    price_per_call = StringField(_l("按次单价（元，可留空表示免费）"), validators=[Optional(), max_chars(20)])


class ProductApiForm(FlaskForm):
    """Operator: the data API of an existing API, model or service product (e.g. an imported per-call listing)."""

    dataset = FileField(_l("数据集（CSV，UTF-8，第一行为列名）"),
                        validators=[FileRequired(_l("请选择 CSV 文件")), FileAllowed(["csv"], _l("只能上传 CSV 文件"))])
    verification = BooleanField(_l("核验类接口（只返回一致/不一致，不返回数据）"))
    definition = TextAreaField(_l("接口定义"),
                               validators=[DataRequired(_l("请选择查询参数和返回字段")), max_chars(20000)],
                               render_kw={"rows": 6, "spellcheck": "false"})
