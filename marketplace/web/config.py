"""Configuration from the environment; the app factory may override any key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _dev_secret() -> str:
    """A random key kept in instance/ so restarts and workers share sessions in development."""
    path = INSTANCE / "dev-secret-key"
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
    cfg = {
        "APP_ENV": app_env,
        "TESTING": testing,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'exchange.db'}",
        "DEMO_DATA": env.get("DEMO_DATA", "1") != "0",
        "AUTO_MIGRATE": env.get("AUTO_MIGRATE", "1") != "0",
        "GATEWAY_RATE_PER_SECOND": float(env.get("GATEWAY_RATE_PER_SECOND", "20")),  # per key and worker
        "GATEWAY_BURST": int(env.get("GATEWAY_BURST", "40")),
        "BILL_DUE_DAYS": int(env.get("BILL_DUE_DAYS", "15")),  # usage bills: due date = issue date + this
        "GATEWAY_CACHE_TTL": float(env.get("GATEWAY_CACHE_TTL", "5")),
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
        "EXCHANGE_BANK": {
            "name": env.get("EXCHANGE_BANK_NAME", "示例公共数据交易中心有限公司"),
            "bank": env.get("EXCHANGE_BANK_BANK", "示例银行福州分行营业部"),
            "account": env.get("EXCHANGE_BANK_ACCOUNT", "3501 0000 0000 0000 0001"),
        },
    }
    cfg.update(overrides)
    if not cfg["SECRET_KEY"]:
        if app_env not in ("development", "testing") and not testing:
            raise ConfigError("SECRET_KEY is required outside development/testing (set SECRET_KEY)")
        cfg["SECRET_KEY"] = "testing-secret" if testing else _dev_secret()
    return cfg
