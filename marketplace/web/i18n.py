"""Locale choice (zh_Hans default, en on request), compiled catalogs and display filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session

from marketplace import catalog_terms
from marketplace.clock import SHANGHAI
from marketplace.gateway.masking import RULE_LABELS
from pricing import CHARGE_FORM_LABELS

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("zh_Hans", "en")


def select_locale() -> str:
    """?lang= switches and is remembered in the session; Chinese otherwise."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["lang"] = asked
    return session.get("lang", "zh_Hans")


def compile_catalogs() -> None:
    """Compile .po files to .mo when missing or older (the .mo files are build output, not committed)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in Asia/Shanghai."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).strftime(fmt)


def _label_msgids() -> frozenset[str]:
    """Every display label the domain layers mark with N_ (catalog vocabularies, charge forms, masking)."""
    tables = (catalog_terms.DOMAINS, catalog_terms.UPDATE_FREQUENCIES, catalog_terms.PRODUCT_TYPES,
              catalog_terms.OPENNESS, catalog_terms.SECURITY_GRADES, CHARGE_FORM_LABELS, RULE_LABELS)
    return frozenset(label for table in tables for label in table.values())


def install_label_translation(jinja_env) -> None:
    """Translate domain labels wherever a template prints one, so no template has to remember to."""
    from flask_babel import get_locale, gettext

    labels = _label_msgids()

    def finalize(value):
        if isinstance(value, str) and value in labels and str(get_locale() or "") == "en":
            return gettext(value)
        return value

    jinja_env.finalize = finalize
