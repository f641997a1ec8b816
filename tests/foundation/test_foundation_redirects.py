"""One helper checks every `next` (issue 10, failure 2): only same-site paths, normalised like a browser."""

import pytest

from tests.factories import PASSWORD, make_user

HOSTILE = [
    "//evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\r\n/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "///evil.example",
    "\x00//evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    from urllib.parse import unquote

    from marketplace.web.redirects import safe_next

    assert safe_next(target) is None
    assert safe_next(unquote(target)) is None


@pytest.mark.parametrize("target", ["/", "/buyer/orders", "/catalog?q=%E4%BF%A1&page=2", "/products/x#plans"])
def test_same_site_paths_are_kept(target):
    from marketplace.web.redirects import safe_next

    assert safe_next(target) == target


@pytest.mark.parametrize("next_value", ["/%09/evil.example", "/%5C/evil.example", "/%0a/evil.example"])
def test_language_switch_does_not_redirect_off_site(client, next_value):
    resp = client.get(f"/lang/en?next={next_value}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


@pytest.mark.parametrize("next_value", ["/%09/evil.example", "/%5C/evil.example"])
def test_login_does_not_redirect_off_site(web, session, next_value):
    user = make_user(session, "buyer")
    resp = web.post(f"/login?next={next_value}", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_login_keeps_a_same_site_next(web, session):
    user = make_user(session, "buyer")
    resp = web.post("/login?next=/buyer/orders", {"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"] == "/buyer/orders"
