"""Who may open which view: every view declares its access, and a test checks them all."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from marketplace.models import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view):
    """Anyone, signed in or not."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from marketplace.web.extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.access = SIGNED_IN
    return wrapper


def roles_required(*roles: Role):
    """Only users holding one of these roles; others get 403, anonymous users the login page."""
    allowed = frozenset(Role(r) for r in roles)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from marketplace.web.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = allowed
        return wrapper

    return decorate


def has_role(*roles: Role) -> bool:
    """True when the current user holds one of these roles (for templates)."""
    return current_user.is_authenticated and current_user.role in roles


TOKEN = "token"


def token_authenticated(view):
    """Machine endpoints that authenticate each request themselves (API key, webhook signature)."""
    view.access = TOKEN
    return view
