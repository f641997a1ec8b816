"""Login throttling (issue 10, failure 4): by e-mail and client address with growing delays; a stranger cannot
lock the owner out; X-Forwarded-For counts only behind configured proxies and is never stored forged."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import accounts
from marketplace.models import AuditRecord, LoginFailure
from marketplace.models.base import utcnow
from marketplace.schema import create_schema
from tests.conftest import Web
from tests.factories import PASSWORD, make_user

OWNER_IP, STRANGER_IP = "10.0.0.1", "10.0.0.66"


def _post_login(web: Web, email, password, ip, **headers):
    return web.post("/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}, headers=headers)


def test_a_stranger_cannot_lock_the_owner_out_of_a_known_address(app, session):
    user = make_user(session, "buyer")
    owner = Web(app.test_client())
    assert _post_login(owner, user.email, PASSWORD, OWNER_IP).status_code == 302
    owner.logout()
    stranger = Web(app.test_client())
    answers = [_post_login(stranger, user.email, f"guess-number-{i}", STRANGER_IP).status_code for i in range(20)]
    assert 429 in answers  # the stranger is slowed down
    assert _post_login(owner, user.email, PASSWORD, OWNER_IP).status_code == 302


def test_many_strangers_slow_unknown_addresses_but_not_the_owner(app, session):
    user = make_user(session, "buyer")
    owner = Web(app.test_client())
    assert _post_login(owner, user.email, PASSWORD, OWNER_IP).status_code == 302
    owner.logout()
    for i in range(12):  # each from its own address: no single address is throttled
        _post_login(Web(app.test_client()), user.email, "guess-number-1", f"10.9.0.{i + 10}")
    assert _post_login(Web(app.test_client()), user.email, PASSWORD, "10.9.9.9").status_code == 429
    assert _post_login(owner, user.email, PASSWORD, OWNER_IP).status_code == 302


def test_delays_grow_with_each_failure_and_pass_with_time(session):
    from marketplace import login_throttle

    user = make_user(session, "buyer")
    t = utcnow()
    waits = []
    for _ in range(8):
        try:
            assert (
                accounts.authenticate(session, email=user.email, password="wrong-guess-1", ip=STRANGER_IP, now=t)
                is None
            )
            waits.append(0)
        except accounts.LoginThrottled as e:
            waits.append(e.retry_after)
            t += timedelta(seconds=e.retry_after)  # wait exactly as long as told, then try again
            assert (
                accounts.authenticate(session, email=user.email, password="wrong-guess-1", ip=STRANGER_IP, now=t)
                is None
            )
    session.commit()
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == [2, 4, 8, 16, 32]
    assert login_throttle.backoff(40, login_throttle.FREE_PAIR) == login_throttle.MAX_DELAY
    assert (
        accounts.authenticate(
            session, email=user.email, password=PASSWORD, ip=STRANGER_IP, now=t + timedelta(seconds=64)
        )
        is not None
    )


def test_a_forged_forwarded_for_is_not_trusted_or_stored(web, session):
    user = make_user(session, "buyer")
    for _ in range(5):
        _post_login(web, user.email, "wrong-guess-1", "127.0.0.1", **{"X-Forwarded-For": "6.6.6.6"})
    ips = set(session.execute(select(LoginFailure.ip)).scalars())
    assert ips == {"127.0.0.1"}
    locked = session.execute(select(AuditRecord).where(AuditRecord.action == "auth.login_locked")).scalar_one()
    assert "6.6.6.6" not in locked.summary and "127.0.0.1" in locked.summary


@pytest.fixture
def proxied_app(db_url, backend):
    from marketplace.web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "AUTO_MIGRATE": False,
            "DEMO_DATA": False,
            "SECRET_KEY": "test-secret",
            "TRUSTED_PROXIES": 1,
        }
    )
    if backend == "sqlite":
        create_schema(app.extensions["engine"])
    yield app
    app.extensions["engine"].dispose()


def test_behind_one_trusted_proxy_the_address_it_appended_counts(proxied_app):
    from sqlmodel import Session

    engine = proxied_app.extensions["engine"].execution_options(sqlite_begin="NONE")
    with Session(engine) as s:
        user = make_user(s, "buyer")
        web = Web(proxied_app.test_client())
        _post_login(web, user.email, "wrong-guess-1", "10.1.1.1", **{"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
        assert set(s.execute(select(LoginFailure.ip)).scalars()) == {"203.0.113.9"}
