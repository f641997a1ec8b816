"""Home page and language switch."""

from flask import Blueprint, redirect, render_template, url_for

from marketplace.web.access import public
from marketplace.web.i18n import LOCALES
from marketplace.web.main.home import home_context
from marketplace.web.redirects import next_or

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    """The exchange's front page."""
    return render_template("main/home.html", **home_context())


@bp.get("/lang/<code>")
@public
def switch_language(code: str):
    """Remember the language and go back where the user was."""
    from flask import session


    if code in LOCALES:
        session["lang"] = code
    return redirect(next_or(url_for("main.home")))


@bp.get("/healthz")
@public
def healthz():
    """Liveness probe for the reverse proxy."""
    return {"ok": True}
