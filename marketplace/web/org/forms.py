"""Forms of an organization's own pages: invitations, accepting one, correcting a rejected registration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo

from marketplace.web.labels import ROLE_LABELS
from marketplace.web.limits import max_chars


def role_choices(roles) -> list[tuple[str, str]]:
    """Select options for these roles, labelled."""
    return [(r.value, ROLE_LABELS[r]) for r in roles]


class InviteForm(FlaskForm):
    email = EmailField(_l("同事的邮箱"), validators=[DataRequired(_l("请填写邮箱")), max_chars(254)])
    role = SelectField(_l("角色"))


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("角色"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), max_chars(100)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码")), max_chars(128)])
    password2 = PasswordField(
        _l("确认密码"),
        validators=[
            DataRequired(_l("请再次输入密码")),
            max_chars(128),
            EqualTo("password", _l("两次输入的密码不一致")),
        ],
    )


class OrgDetailsForm(FlaskForm):
    name = StringField(_l("单位名称"), validators=[DataRequired(_l("请填写单位名称")), max_chars(200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(_l("请填写统一社会信用代码")), max_chars(18)])
    taxpayer_kind = RadioField(
        _l("纳税人类型"), choices=[("general", _l("一般纳税人")), ("small", _l("小规模纳税人"))], default="general"
    )
    contact_name = StringField(_l("联系人"), validators=[DataRequired(_l("请填写联系人")), max_chars(100)])
    phone = TelField(_l("手机号"), validators=[DataRequired(_l("请填写手机号")), max_chars(20)])
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), max_chars(254)])
    address = StringField(_l("地址"), validators=[max_chars(300)])
