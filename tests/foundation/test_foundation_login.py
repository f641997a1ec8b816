"""Login, logout, throttling after repeated failures, and the audit of a lock-out."""

from sqlalchemy import select

from marketplace.accounts import LOGIN_MAX_FAILURES
from marketplace.models import AuditRecord
from tests.factories import PASSWORD, make_user


def test_wrong_password_is_refused_without_saying_which_part(web, session):
    user = make_user(session, "buyer")
    resp = web.post("/login", {"email": user.email, "password": "wrong-password1"})
    assert resp.status_code == 400
    assert "邮箱或密码错误" in resp.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures_and_audited(web, session):
    user = make_user(session, "buyer")
    for _ in range(LOGIN_MAX_FAILURES):
        web.post("/login", {"email": user.email, "password": "wrong-password1"})
    resp = web.post("/login", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    locked = session.execute(select(AuditRecord).where(AuditRecord.action == "auth.login_locked")).scalars().all()
    assert len(locked) == 1 and user.email in locked[0].summary


def test_disabled_user_cannot_log_in(web, session):
    user = make_user(session, "buyer")
    user.active = False
    session.add(user)
    session.commit()
    assert web.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 400


def test_open_redirect_is_ignored(web, session):
    user = make_user(session, "buyer")
    resp = web.post("/login?next=//evil.example/x", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_session_cookie_flags_and_security_headers(web, session):
    user = make_user(session, "buyer")
    resp = web.login(user.email)
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = web.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
