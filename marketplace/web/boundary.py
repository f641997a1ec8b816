"""The request boundary: a view runs one use case, then commits once here, or rolls back and says why.

Use cases flush and never commit; a POST view reads in three lines:

    if form.validate_on_submit() and (done := perform(lambda: use_case(get_db(), ...), form=form)):
        return success(_("已保存"), url_for(...))
    return render_template(...), form_status()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request
from flask_wtf import FlaskForm

from marketplace.errors import DomainError, NotFound
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.forms_util import attach_error


@dataclass(frozen=True)
class Outcome:
    """What a use case gave back; false when it was refused (the message is on the form or flashed)."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def perform(action: Callable[[], Any], *, form: FlaskForm | None = None) -> Outcome:
    """Run the use case and commit; on a refusal roll back and show it (NotFound goes to the 404 page)."""
    db = get_db()
    try:
        value = action()
    except NotFound:
        db.rollback()
        raise
    except DomainError as e:
        db.rollback()
        if form is not None:
            attach_error(form, e)
        else:
            flash(error_text(e), "danger")
        return Outcome(False)
    db.commit()
    return Outcome(True, value)


def success(message: str, target: str):
    """Flash the confirmation and redirect (post/redirect/get)."""
    flash(message, "success")
    return redirect(target)


def form_status() -> int:
    """The status of a form page: 200 when shown, 400 when a POST comes back to it refused."""
    return 400 if request.method == "POST" else 200


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that post."""
