"""The Content-Security-Policy allows scripts from the exchange's own files only, so an inline event handler
(onchange="…") is silently blocked in a real browser: templates use data attributes and static scripts instead."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_event_handler():
    found = [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:80]}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for m in HANDLER.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_policy_forbids_inline_scripts(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
