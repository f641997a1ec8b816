"""Flask-Babel: Chinese by default, and an English catalog that covers every UI string."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
METHODS = [("marketplace/**.py", "python"), ("pricing/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for *_, message, _comments, _ctx in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_english_catalog_translates_every_message():
    with (ROOT / "marketplace/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_source_messages() - translated)
    assert missing == [], f"{len(missing)} UI strings lack an English translation, e.g. {missing[:15]}"


def test_chinese_by_default_english_on_switch(web):
    assert "企业注册" in web.get("/").get_data(as_text=True)
    web.get("/lang/en?next=/login")
    english = web.get("/login").get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english and "登录" not in english.split("<main")[1]
    web.get("/lang/zh_Hans")
    assert "登录" in web.get("/login").get_data(as_text=True)
