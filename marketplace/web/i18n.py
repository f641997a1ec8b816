"""Locale choice (zh_Hans default, en on request), compiled catalogs and display filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session
from flask_babel import get_locale, get_translations, gettext

from marketplace import catalog_terms
from marketplace.clock import SHANGHAI
from marketplace.gateway.masking import RULE_LABELS
from marketplace.supply.content import FIELD_TYPES
from pricing import CHARGE_FORM_LABELS
from pricing.charge_forms import PRICE_UNITS

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
              catalog_terms.OPENNESS, catalog_terms.SECURITY_GRADES, catalog_terms.REGIONS,
              catalog_terms.DELIVERY_MODES, CHARGE_FORM_LABELS, RULE_LABELS, FIELD_TYPES, PRICE_UNITS)
    return frozenset(label for table in tables for label in table.values())


def join_labels(labels) -> str:
    """Display labels (N_-marked Chinese) translated and listed: 信用、金融 or "Credit, Finance"."""
    return gettext("、").join(gettext(label) for label in labels)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


def _template_pattern(template: str) -> re.Pattern:
    """A regex that matches a text filled from `template`, capturing each value (a repeated name must repeat)."""
    parts, seen, at = ["^"], set(), 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at:m.start()]))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        at = m.end()
    parts += [re.escape(template[at:]), "$"]
    return re.compile("".join(parts), re.S)


_TEMPLATES: dict[int, tuple[tuple[str, str, re.Pattern], ...]] = {}  # per loaded catalog


def _filled_templates(catalog: dict) -> tuple[tuple[str, str, re.Pattern], ...]:
    """The catalog's templates with values, as (template, text before the first value, pattern)."""
    if id(catalog) not in _TEMPLATES:
        # Only templates with words of their own: "%(name)s（%(code)s）" would match any value with brackets.
        templates = [t for t in catalog if isinstance(t, str) and _PLACEHOLDER.search(t)
                     and _IDEOGRAPH.search(_PLACEHOLDER.sub("", t))]
        templates.sort(key=lambda t: -len(_PLACEHOLDER.sub("", t)))  # the most specific first
        _TEMPLATES[id(catalog)] = tuple((t, t[:t.index("%(")], _template_pattern(t)) for t in templates)
    return _TEMPLATES[id(catalog)]


def filled_text(text: str, _depth: int = 0) -> str:
    """A stored Chinese text that the code filled from a marked template (a listing check, a bill line), in the
    reader's language: the template is found again, its values are kept (and translated when they are labels)."""
    if not isinstance(text, str) or not text or str(get_locale() or "") != "en":
        return text
    exact = gettext(text)
    if exact != text or _depth > 2:
        return exact
    catalog = get_translations()._catalog  # msgid → msgstr of the English catalog (gettext's own table)
    for template, prefix, pattern in _filled_templates(catalog):
        if text.startswith(prefix) and (m := pattern.match(text)):
            return gettext(template, **{k: filled_text(v, _depth + 1) for k, v in m.groupdict().items()})
    return unit_text(text) if _depth else text  # a value such as "¥0.60/次": its unit translated


def unit_text(text: str) -> str:
    """A price stored with its Chinese unit ("¥50.00/包", in a frozen report or disclosure), the unit translated."""
    for unit in sorted(set(PRICE_UNITS.values()), key=len, reverse=True):
        if isinstance(text, str) and text.endswith(unit):
            return text[:-len(unit)] + gettext(unit)
    return text


def install_label_translation(jinja_env) -> None:
    """Translate domain labels wherever a template prints one, so no template has to remember to."""
    labels = _label_msgids()

    def finalize(value):
        if isinstance(value, str) and value in labels and str(get_locale() or "") == "en":
            return gettext(value)
        return value

    jinja_env.finalize = finalize
