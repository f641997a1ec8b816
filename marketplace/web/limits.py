"""Text limits of every form: refused with a message naming the field, the limit and the length, never cut.

WTForms' own `Length` sets the HTML `maxlength` attribute, and a browser then cuts pasted text silently
at the limit; `max_chars` does not, so an over-long text reaches the server and is refused with a message.
"""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms.validators import ValidationError


class MaxChars:
    """At most `limit` characters (after stripping surrounding spaces)."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field) -> None:
        text = field.data if isinstance(field.data, str) else ""
        length = len(text.strip())
        if length > self.limit:
            raise ValidationError(
                _(
                    "%(label)s最多 %(limit)s 个字，现在是 %(length)s 个，请删减后再提交",
                    label=field.label.text,
                    limit=self.limit,
                    length=length,
                )
            )


def max_chars(limit: int) -> MaxChars:
    """The validator for a text field of at most `limit` characters."""
    return MaxChars(limit)
