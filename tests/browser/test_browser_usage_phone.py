"""The usage pages at phone width (390 px): the tables and the chart scroll inside their boxes, the chart keeps a
readable height, and the page never scrolls sideways as a whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from marketplace.demo import DEMO_PASSWORD, load_demo

SHOTS = Path(os.environ.get("USAGE_SHOTS_DIR", "/tmp/usage-shots"))
PAGES = [("buyer@demo.cn", "/usage?days=7"), ("buyer@demo.cn", "/usage?days=30"), ("buyer@demo.cn", "/usage?days=90"),
         ("operator@demo.cn", "/supply/api-usage?days=30")]


@pytest.fixture
def demo_server(live_server, tmp_path):
    with Session(live_server.app.extensions["engine"], expire_on_commit=False) as session:
        load_demo(session, tmp_path / "files")
        session.commit()
    return live_server


def _login(page, server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_usage_pages_fit_a_phone(demo_server, page, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for email, path in PAGES:
        _login(page, demo_server, email)
        page.goto(f"{demo_server}/lang/{lang}?next={path}")
        page.wait_for_selector("#usage-chart")
        page.wait_for_function("document.getElementById('usage-chart').dataset.drawn === '1'")
        name = f"{lang}-{path.strip('/').replace('/', '-').replace('?', '-')}"
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path  # no sideways scroll of the page
        box = page.locator("#usage-chart").bounding_box()
        assert box["height"] >= 200, (path, box)  # a readable chart, not a 120 px strip
        for table in page.locator(".table-responsive > table").all():
            holder = table.locator("xpath=..")
            assert holder.evaluate("e => getComputedStyle(e).overflowX") == "auto"
            assert holder.bounding_box()["width"] <= 390
            rows = table.locator("tbody tr").all()[:20]
            tallest = max((r.bounding_box()["height"] for r in rows), default=0)
            assert tallest < 80, (path, tallest)  # rows scroll sideways instead of breaking into tall ones
