"""Show a domain error in the user's language: translate its template, then fill its (translated) values."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext

from marketplace.errors import DomainError


def _value(value):
    """A str value may be a N_-marked label (a field name, a state): translate it; a nested error shows its
    own translated message; numbers and the like stay as they are."""
    if isinstance(value, DomainError):
        return error_text(value)
    if isinstance(value, Exception) or hasattr(value, "params"):  # a nested error or a filled text (pricing.Msg)
        params = getattr(value, "params", None) or {}
        return gettext(getattr(value, "message", None) or str(value), **{k: _value(v) for k, v in params.items()})
    return gettext(value) if isinstance(value, str) and value else value


def error_text(error: DomainError) -> str:
    """The message of one error (or of several, joined), translated, with its values filled."""
    if not has_request_context():  # the command line speaks Chinese, as before
        return error.text
    several = getattr(error, "errors", None)
    if several:
        return gettext("；").join(error_text(one) for one in several)
    params = {name: _value(value) for name, value in (getattr(error, "params", None) or {}).items()}
    return gettext(error.message, **params)
