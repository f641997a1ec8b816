"""The notification preferences form: one switch per category, and the e-mail language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from marketplace.notifications import CATEGORY_LABELS, Category

EMAIL_LOCALE_CHOICES = [("zh_Hans", "中文", {"lang": "zh-Hans"}), ("en", "English", {"lang": "en"})]  # each in itself


class PreferencesForm(FlaskForm):
    email_locale = SelectField(_l("邮件语言"), choices=EMAIL_LOCALE_CHOICES, default="zh_Hans")


for _category in Category:
    setattr(PreferencesForm, f"on_{_category.value}", BooleanField(_l(CATEGORY_LABELS[_category]), default=True))


def category_fields(form: PreferencesForm) -> list:
    """The category switches, in the order of Category."""
    return [form[f"on_{c.value}"] for c in Category]


def muted_of(form: PreferencesForm) -> set[str]:
    """The categories whose switch is off."""
    return {c.value for c in Category if not form[f"on_{c.value}"].data}
