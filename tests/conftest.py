"""Fixtures: the app on SQLite and on a real PostgreSQL server, a CSRF-aware client, users."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from marketplace.schema import create_schema  # noqa: E402
from tests.factories import PASSWORD, make_user  # noqa: E402
from tests.pg import PostgresServer, PostgresUnavailable  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the whole run; fails the run in CI when it cannot start."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as e:
        server.stop()
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL could not be started: {e}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {e}")
    yield server
    server.stop()


_pg_schema_ready: set[str] = set()


def _reset_postgres(url: str) -> None:
    """Empty every table (fast) once the schema exists; create it the first time."""
    from marketplace.db import make_engine

    engine = make_engine(url)
    try:
        if url not in _pg_schema_ready:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            create_schema(engine)
            _pg_schema_ready.add(url)
        else:
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each integration test runs once on SQLite and once on PostgreSQL."""
    return request.param


@pytest.fixture
def db_url(backend, tmp_path, request) -> str:
    """An empty database with the full schema, of the current backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server = request.getfixturevalue("pg_server")
    url = server.url("exchange_test")
    _reset_postgres(url)
    return url


@pytest.fixture
def app(db_url, backend):
    """The real app on a fresh database (schema created directly; migrations have their own test)."""
    from marketplace.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "AUTO_MIGRATE": False, "DEMO_DATA": False,
                      "SECRET_KEY": "test-secret", "SERVER_NAME": None})
    if backend == "sqlite":
        create_schema(app.extensions["engine"])
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def session(app):
    """A session on the app's database for arranging and asserting.

    On SQLite it runs each statement in its own transaction, so it never holds the write lock
    (the app's requests take it at BEGIN) and always reads what the app committed.
    """
    engine = app.extensions["engine"].execution_options(sqlite_begin="NONE")
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Web:
    """A test client that signs in and sends the CSRF token like a browser."""

    META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

    def __init__(self, client, session=None):
        self.client = client
        self.session = session

    def _boundary(self) -> None:
        """Commit what the test arranged through use cases (they flush, the caller commits) before a request."""
        if self.session is not None:
            self.session.commit()

    def csrf(self) -> str:
        html = self.client.get("/login").get_data(as_text=True)
        return self.META.search(html).group(1)

    def get(self, url, **kw):
        self._boundary()
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        self._boundary()
        return self.client.post(url, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD):
        resp = self.post("/login", {"email": email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(client, session) -> Web:
    return Web(client, session)


@pytest.fixture
def login_as(session, web):
    """login_as(role) creates a user of that role (in a fresh verified organization) and signs in."""

    def _login(role, **kw):
        user = make_user(session, role, **kw)
        web.login(user.email)
        return user

    return _login
