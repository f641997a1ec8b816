"""The Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy import inspect
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.audit import register_audit_key
from marketplace.db import make_engine
from marketplace.web.config import ROOT, load_config
from marketplace.web.errors import register_error_handlers
from marketplace.web.extensions import babel, csrf, login_manager
from marketplace.web.i18n import (
    compile_catalogs,
    filled_text,
    install_label_translation,
    join_labels,
    localtime,
    select_locale,
    unit_text,
)
from marketplace.web.ints import BoundedIntConverter


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; `overrides` replace environment settings (tests pass a mapping)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    app.config.update(load_config(overrides))
    if app.config["TRUSTED_PROXIES"] > 0:  # only then may X-Forwarded-* name the client, host and scheme
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    # A command prints only its own output; LOG_LEVEL=INFO adds the log (Alembic's migration lines and more).
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    app.extensions["engine"] = make_engine(app.config["DATABASE_URL"],
                                           busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    register_audit_key(app.extensions["engine"], app.config["AUDIT_KEY"])
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "marketplace" / "translations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.url_map.converters["int"] = BoundedIntConverter
    _register_blueprints(app)
    _register_template_helpers(app)
    register_error_handlers(app)
    _install_security_headers(app)
    from marketplace.web.db import close_db

    app.teardown_appcontext(close_db)
    from marketplace.web.cli import register_cli

    register_cli(app)
    if app.config["AUTO_MIGRATE"]:
        prepare_database(app)
    return app


def prepare_database(app: Flask) -> None:
    """Migrate an empty or old database; load demo data into an empty one when asked."""
    from marketplace.migrate import upgrade_database

    engine = app.extensions["engine"]
    empty = not inspect(engine).has_table("organization")
    upgrade_database(app.config["DATABASE_URL"])
    if empty and app.config["DEMO_DATA"]:
        from marketplace.db import session_scope
        from marketplace.demo import load_demo

        storage = Path(app.config.get("DELIVERY_DIR") or Path(app.instance_path) / "deliveries")
        with session_scope(engine) as session:
            load_demo(session, storage)
            session.commit()  # the boundary: demo data is one transaction


def _register_blueprints(app: Flask) -> None:
    from marketplace.web import blueprints

    for bp in blueprints.all_blueprints():
        app.register_blueprint(bp)


def _register_template_helpers(app: Flask) -> None:
    from marketplace.web.access import has_role
    from marketplace.web.db import get_db
    from marketplace.web.labels import kind_label, role_label
    from marketplace.web.landing import landing_waiting
    from marketplace.web.nav import visible_nav
    from pricing import format_bps, format_fen, format_unit_price

    install_label_translation(app.jinja_env)
    app.jinja_env.filters["money"] = format_fen
    app.jinja_env.filters["percent"] = format_bps
    app.jinja_env.filters["unit_price"] = format_unit_price
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["join_labels"] = join_labels
    app.jinja_env.filters["filled_text"] = filled_text
    app.jinja_env.filters["unit_text"] = unit_text
    app.jinja_env.globals.update(visible_nav=visible_nav, has_role=has_role, role_label=role_label,
                                  kind_label=kind_label, landing_waiting=lambda: landing_waiting(get_db()))

    @app.context_processor
    def _inject():
        from flask_babel import get_locale

        return {"lang": str(get_locale() or "zh_Hans"), "stripe_enabled": bool(app.config.get("STRIPE_SECRET_KEY"))}


def _install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(resp):
        base = (app.config.get("STRIPE_API_BASE") or "").rstrip("/")
        stripe_js = f" {base}" if base else " https://js.stripe.com"
        stripe_frames = f" {base}" if base else " https://js.stripe.com https://hooks.stripe.com"
        stripe_api = f" {base}" if base else " https://api.stripe.com"
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self'{stripe_js}; frame-src 'self'{stripe_frames}; connect-src 'self'{stripe_api}; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/account") or getattr(g, "no_store", False):
            resp.headers["Cache-Control"] = "no-store"
        return resp
