"""Sessions end on the server (issue 10, failure 5): logout, password change, an admin disabling the user, and
"sign out everywhere" make a captured cookie worthless."""

from sqlalchemy import select

from marketplace.models import User
from tests.conftest import Web
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "Harbor-Violet-Compass-77"


def _cookie(web: Web) -> str:
    return web.client.get_cookie("session").value


def _signed_in(web: Web) -> bool:
    return web.get("/buyer/orders").status_code == 200


def _second_browser(app, email) -> Web:
    other = Web(app.test_client())
    other.login(email)
    return other


def test_a_cookie_captured_before_logout_no_longer_opens_pages(web, session):
    user = make_user(session, "buyer")
    web.login(user.email)
    captured = _cookie(web)
    assert _signed_in(web)
    web.logout()
    web.client.set_cookie("session", captured)
    resp = web.get("/buyer/orders")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_logout_ends_only_this_browser(app, web, session):
    user = make_user(session, "buyer")
    web.login(user.email)
    other = _second_browser(app, user.email)
    web.logout()
    assert _signed_in(other)


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, web, session):
    user = make_user(session, "buyer")
    web.login(user.email)
    other = _second_browser(app, user.email)
    resp = web.post(
        "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert resp.status_code == 302
    assert _signed_in(web)
    assert not _signed_in(other)
    fresh = Web(app.test_client())
    assert fresh.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 400
    fresh.login(user.email, NEW_PASSWORD)


def test_password_change_needs_the_current_password_and_a_strong_new_one(web, session):
    user = make_user(session, "buyer")
    web.login(user.email)
    wrong = web.post(
        "/account/password",
        {"current_password": "not-my-password-1", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = web.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "password1", "new_password2": "password1"}
    )
    assert weak.status_code == 400 and "至少 10 位" in weak.get_data(as_text=True)
    assert 'class="form-control is-invalid" id="new_password"' in weak.get_data(as_text=True)  # under its field
    before = session.execute(select(User.password_hash).where(User.id == user.id)).scalar_one()
    assert before == user.password_hash


def test_an_admin_disabling_a_user_ends_its_sessions_also_after_re_enabling(app, web, session):
    user = make_user(session, "buyer")
    victim = _second_browser(app, user.email)
    captured = _cookie(victim)
    web.login(make_user(session, "admin").email)
    assert web.post(f"/admin/users/{user.id}/active").status_code == 302
    assert not _signed_in(victim)
    assert web.post(f"/admin/users/{user.id}/active").status_code == 302  # enabled again
    victim.client.set_cookie("session", captured)
    assert not _signed_in(victim)


def test_sign_out_everywhere_from_the_account_page(app, web, session):
    user = make_user(session, "buyer")
    web.login(user.email)
    other = _second_browser(app, user.email)
    page = web.get("/account").get_data(as_text=True)
    assert 'action="/account/sessions/end"' in page
    resp = web.post("/account/sessions/end")
    assert resp.status_code == 302
    assert not _signed_in(web) and not _signed_in(other)
