"""Configuration: secrets required in production, SQLite tuned, PostgreSQL by DATABASE_URL."""

import pytest
from sqlalchemy import text

from marketplace.db import make_engine
from marketplace.web.config import ConfigError, load_config


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()


def test_production_with_secret_key_has_secure_cookies(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["SESSION_COOKIE_HTTPONLY"] is True


def test_database_url_selects_the_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5/x")
    assert load_config()["DATABASE_URL"].startswith("postgresql")
    monkeypatch.delenv("DATABASE_URL")
    assert load_config()["DATABASE_URL"].endswith("instance/exchange.db")


def test_sqlite_runs_in_wal_with_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


# --- issue 10, failure 1: no demo data in production; the first admin is made by a documented command ---

def _production(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("DEMO_DATA", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_starts_empty_without_demo_logins(monkeypatch, tmp_path):
    from marketplace.models import User
    from marketplace.web import create_app

    _production(monkeypatch, tmp_path)
    app = create_app()
    with app.extensions["engine"].connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {User.__tablename__}")).scalar() == 0
    resp = app.test_client().post("/login", data={"email": "admin@demo.cn", "password": "demo1234"})
    assert resp.status_code != 302
    app.extensions["engine"].dispose()


def test_production_refuses_demo_data_with_a_clear_message(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path, DEMO_DATA="1")
    with pytest.raises(ConfigError, match="DEMO_DATA=1 is refused in production"):
        load_config()


def test_production_refuses_to_start_without_audit_key(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path)
    monkeypatch.delenv("AUDIT_KEY")
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        load_config()


def test_first_admin_on_an_empty_database_without_org_code(runner, session):
    from sqlalchemy import select

    from marketplace.models import Organization, OrgKind, Role, User

    result = runner.invoke(args=["create-user", "--email", "root@exchange.cn", "--password", "Kq7-mountain-Lantern",
                                 "--role", "admin"])
    assert result.exit_code == 0, result.output
    org = session.execute(select(Organization)).scalar_one()
    user = session.execute(select(User)).scalar_one()
    assert org.kind == OrgKind.EXCHANGE and user.role == Role.ADMIN and user.org_id == org.id
    again = runner.invoke(args=["create-user", "--email", "fin@exchange.cn", "--password", "Kq7-mountain-Lantern",
                                "--role", "finance"])
    assert again.exit_code == 0, again.output
    assert session.execute(select(Organization)).scalars().all() == [org]
