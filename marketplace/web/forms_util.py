"""Helpers shared by form views: show a domain error next to its field."""

from __future__ import annotations

from enum import Enum

from flask import flash
from flask_babel import lazy_gettext as _l

from marketplace.errors import DomainError
from marketplace.web.error_text import error_text


def label_choices(labels) -> list[tuple[str, object]]:
    """Select options from a vocabulary (code → N_-marked Chinese label), each label translated when shown."""
    return [(code.value if isinstance(code, Enum) else code, _l(label)) for code, label in labels.items()]


def attach_error(form, error: DomainError) -> None:
    """Put the message under the named field, or flash it when no field fits (each of several errors)."""
    for one in getattr(error, "errors", None) or []:
        attach_error(form, one)
    if getattr(error, "errors", None):
        return
    field = getattr(form, error.field, None) if error.field else None
    message = error_text(error)  # the template translated, its values (params) filled
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        flash(message, "danger")
