"""Registration and login forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo

from marketplace.web.limits import max_chars


class RegisterForm(FlaskForm):
    company_name = StringField(_l("企业名称"), validators=[DataRequired(_l("请填写企业名称")), max_chars(200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(_l("请填写统一社会信用代码")), max_chars(18)])
    taxpayer_kind = RadioField(_l("纳税人类型"), choices=[("general", _l("一般纳税人")), ("small", _l("小规模纳税人"))],
                               default="general")
    contact_name = StringField(_l("联系人"), validators=[DataRequired(_l("请填写联系人")), max_chars(100)])
    phone = TelField(_l("手机号"), validators=[DataRequired(_l("请填写手机号")), max_chars(20)])
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), max_chars(254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请设置密码")), max_chars(128)])
    password2 = PasswordField(_l("确认密码"), validators=[DataRequired(_l("请再次输入密码")), max_chars(128),
                                                       EqualTo("password", _l("两次输入的密码不一致"))])


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(_l("请填写邮箱")), max_chars(254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")), max_chars(128)])

class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码")), max_chars(128)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请设置新密码")), max_chars(128)])
    new_password2 = PasswordField(_l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码")), max_chars(128),
                                                           EqualTo("new_password", _l("两次输入的密码不一致"))])
