"""Admin forms for organizations and users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from marketplace.web.ints import coerce_db_int
from marketplace.web.labels import KIND_LABELS, ROLE_LABELS
from marketplace.web.limits import max_chars


class OrganizationForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称")), max_chars(200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(_l("请填写统一社会信用代码")), max_chars(18)])
    kind = SelectField(_l("类型"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])


class OrgStatusForm(FlaskForm):
    status = SelectField(_l("状态"), choices=[("verified", _l("通过实名")), ("rejected", _l("驳回")),
                                              ("suspended", _l("暂停"))])
    note = TextAreaField(_l("说明"), validators=[max_chars(500)])


class UserForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), max_chars(254)])
    name = StringField(_l("姓名"), validators=[max_chars(100)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请设置初始密码")), max_chars(128)])
    role = SelectField(_l("角色"), choices=[(r.value, v) for r, v in ROLE_LABELS.items()])
    org_id = SelectField(_l("所属组织"), coerce=coerce_db_int)


class RoleForm(FlaskForm):
    role = SelectField(_l("角色"), choices=[(r.value, v) for r, v in ROLE_LABELS.items()])

