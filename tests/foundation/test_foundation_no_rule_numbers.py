"""Rule numbers ("R6") are for the code, not for users: no text a user can see names one."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
RULE = re.compile(r"\bR\d{1,2}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _user_strings(path: Path):
    """String literals with Chinese text (messages), skipping docstrings and comments."""
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type in skip:
            continue
        last, previous = previous, tok
        if tok.type != tokenize.STRING or not CJK.search(tok.string):
            continue
        if last is None or last.type == tokenize.NEWLINE or last.string == ":":
            continue  # a docstring
        yield tok.start[0], tok.string


def test_no_rule_number_in_python_messages():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for folder in ("marketplace", "pricing")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, text in _user_strings(path)
        if RULE.search(text)
    ]
    assert found == []


def test_no_rule_number_in_templates():
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for m in RULE.finditer(TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8")))
    ]
    assert found == []


def test_no_rule_number_in_english_messages():
    with (ROOT / "marketplace/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    found = [m.string for m in catalog if m.id and isinstance(m.string, str) and RULE.search(m.string)]
    assert found == []
