"""Configuration from the environment; the app factory may override any key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _dev_secret(name: str = "dev-secret-key") -> str:
    """A random key kept in instance/ so restarts and workers share it in development."""
    path = INSTANCE / name
    INSTANCE.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    """Read settings from the environment, then apply overrides (tests)."""
    env = os.environ
    overrides = overrides or {}
    app_env = overrides.get("APP_ENV") or env.get("APP_ENV", "development")
    testing = bool(overrides.get("TESTING")) or app_env == "testing"
    production = app_env not in ("development", "testing") and not testing
    cfg = {
        "APP_ENV": app_env,
        "TESTING": testing,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'exchange.db'}",
        "DEMO_DATA": env.get("DEMO_DATA", "0" if production else "1") != "0",
        "AUDIT_KEY": env.get("AUDIT_KEY"),
        # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto/-Host (0: trust none).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "AUTO_MIGRATE": env.get("AUTO_MIGRATE", "1") != "0",
        "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING").upper(),  # INFO: migrations, demo loading, ...
        "SQLITE_BUSY_TIMEOUT_MS": int(env.get("SQLITE_BUSY_TIMEOUT_MS", "15000")),  # then 503 + Retry-After
        "GATEWAY_RATE_PER_SECOND": float(env.get("GATEWAY_RATE_PER_SECOND", "20")),  # per key, all workers
        "GATEWAY_BURST": int(env.get("GATEWAY_BURST", "40")),
        "BILL_DUE_DAYS": int(env.get("BILL_DUE_DAYS", "15")),  # usage bills: due date = issue date + this
        "GATEWAY_CACHE_TTL": float(env.get("GATEWAY_CACHE_TTL", "5")),
        # PostgreSQL: 1 = one writer thread per process commits the usage writes of waiting calls together
        # (gateway/group_commit.py); 0 = each call autocommits its own statement and PostgreSQL groups the
        # concurrent WAL flushes itself, measured faster (README, production section).
        "GATEWAY_GROUP_COMMIT": env.get("GATEWAY_GROUP_COMMIT", "0") != "0",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "1" if app_env == "production" else "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE"),
        # Notification e-mail: smtp://user:password@host:587?starttls=1 or smtps://host:465; unset: no e-mail is
        # sent and admins (or anyone in debug) see the messages at /dev/outbox. `flask notify-due` sends them.
        "MAIL_SMTP_URL": env.get("MAIL_SMTP_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM", "示例公共数据交易中心 <noreply@exchange.example.cn>"),
        "MAIL_BASE_URL": env.get("MAIL_BASE_URL", "http://localhost:5000"),  # links in e-mails start here
        "EXCHANGE_BANK": {
            "name": env.get("EXCHANGE_BANK_NAME", "示例公共数据交易中心有限公司"),
            "bank": env.get("EXCHANGE_BANK_BANK", "示例银行福州分行营业部"),
            "account": env.get("EXCHANGE_BANK_ACCOUNT", "3501 0000 0000 0000 0001"),
        },
    }
    cfg.update(overrides)
    if cfg["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {cfg['LOG_LEVEL']!r})")
    if production and cfg["DEMO_DATA"]:
        raise ConfigError("DEMO_DATA=1 is refused in production: demo logins would open the exchange to anyone; "
                          "unset DEMO_DATA and create the first admin with `flask --app app create-user --role admin`")
    for name, dev_file, test_value in (("SECRET_KEY", "dev-secret-key", "testing-secret"),
                                       ("AUDIT_KEY", "dev-audit-key", "testing-audit-key")):
        if not cfg[name]:
            if production:
                raise ConfigError(f"{name} is required outside development/testing (set {name})")
            cfg[name] = test_value if testing else _dev_secret(dev_file)
    return cfg
