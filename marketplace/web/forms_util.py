"""Helpers shared by form views: show a domain error next to its field."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext

from marketplace.errors import DomainError


def attach_error(form, error: DomainError) -> None:
    """Put the message under the named field, or flash it when no field fits (each of several errors)."""
    for one in getattr(error, "errors", None) or []:
        attach_error(form, one)
    if getattr(error, "errors", None):
        return
    field = getattr(form, error.field, None) if error.field else None
    # constant messages are marked N_ in the use cases; `params` (when an error has them) fill their placeholders
    message = gettext(error.message, **(getattr(error, "params", None) or {}))
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        flash(message, "danger")
