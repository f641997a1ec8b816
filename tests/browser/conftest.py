"""Browser fixtures: the app served on a loopback port, and headless Debian Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.schema import create_schema
from tests.pg import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    app: object

    def __str__(self) -> str:
        return self.url


def start_live_server(tmp_path: Path, **overrides) -> tuple[LiveServer, object]:
    """Serve a fresh app (SQLite in tmp_path, schema created) in a thread; returns (server, stopper)."""
    from marketplace.web import create_app

    config = {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}", "AUTO_MIGRATE": False,
              "DEMO_DATA": False, "SECRET_KEY": "browser-secret", "WTF_CSRF_SSL_STRICT": False}
    config.update(overrides)
    app = create_app(config)
    create_schema(app.extensions["engine"])
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return LiveServer(url=f"http://127.0.0.1:{port}", app=app), server


@pytest.fixture
def live_server(tmp_path):
    """The store on a loopback port with an empty SQLite database (arrange data via live_server.app)."""
    live, server = start_live_server(tmp_path)
    yield live
    server.shutdown()
    live.app.extensions["engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium; fails in CI, skips elsewhere, when it is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; a screenshot is kept in test-artifacts/ when the test fails."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
