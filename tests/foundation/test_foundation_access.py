"""Every route declares who may open it; the role matrix and CSRF hold on all of them."""

import pytest

from marketplace.models import Role
from marketplace.web.access import PUBLIC, SIGNED_IN, TOKEN
from tests.factories import make_user

# Views that are not ours (Flask's static files) or are machine endpoints with their own auth.
NOT_OURS = {"static"}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in NOT_OURS]


def _sample_url(rule) -> str:
    values = {arg: 1 if "int" in str(rule._converters.get(arg, "")).lower() else "x" for arg in rule.arguments}
    from werkzeug.routing import IntegerConverter

    for arg, conv in rule._converters.items():
        values[arg] = 1 if isinstance(conv, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _csrf_exempt(app, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    csrf = app.extensions["csrf"]
    name = f"{view.__module__}.{view.__name__}"
    return name in csrf._exempt_views or any(bp == endpoint.split(".")[0] for bp in csrf._exempt_blueprints)


def test_every_view_declares_its_access(app):
    missing = [r.endpoint for r in _rules(app) if not hasattr(app.view_functions[r.endpoint], "access")
               and not _token_authenticated(app, r.endpoint)]
    assert missing == [], f"views without @public/@signed_in/@roles_required: {missing}"


def _token_authenticated(app, endpoint: str) -> bool:
    """API and webhook views authenticate by bearer key or signature and say so with access='token'."""
    return getattr(app.view_functions[endpoint], "access", None) == TOKEN


@pytest.mark.parametrize("role", [None, *Role])
def test_role_matrix_on_every_parameterless_page(app, web, session, role):
    if role is not None:
        web.login(make_user(session, role).email)
    checked = 0
    for rule in _rules(app):
        if rule.arguments or "GET" not in rule.methods:
            continue
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access in (None, "token"):
            continue
        status = web.get(rule.rule).status_code
        checked += 1
        if access == PUBLIC:
            assert status < 400 or status == 404, (rule.rule, role, status)
        elif role is None:
            assert status == 302, (rule.rule, status)
        elif access == SIGNED_IN or role in access:
            assert status not in (401, 403) and status < 500, (rule.rule, role, status)
        else:
            assert status == 403, (rule.rule, role, status)
    assert checked >= 5


def test_every_post_route_needs_a_csrf_token(app, web, session):
    web.login(make_user(session, Role.ADMIN).email)
    checked = []
    for rule in _rules(app):
        if "POST" not in rule.methods or _csrf_exempt(app, rule.endpoint):
            continue
        resp = web.post(_sample_url(rule), {}, csrf=False)
        assert resp.status_code == 400, (rule.rule, resp.status_code)
        checked.append(rule.rule)
    assert "/register" in checked and "/logout" in checked
