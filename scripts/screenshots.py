"""Screenshots of every role's main page (scripts/screenshots runs this from .venv).

Starts the store on a temporary SQLite database with the demo data that `python app.py` loads, signs in as each
demo user with headless Debian Chromium (Playwright) and saves each page at 1366 px and 390 px wide into
docs/screenshots/<lang>/<name>-<desktop|phone>.png. Pages taller than MAX_HEIGHT are cut there.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright
from sqlmodel import Session, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from marketplace.demo import DEMO_PASSWORD  # noqa: E402
from marketplace.models import Product  # noqa: E402
from marketplace.web import create_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
MAX_HEIGHT = {"desktop": 2000, "phone": 3000}
SEARCH = "信用"  # a word many demo listings share
PRODUCT_TITLE = "企业信用分详情查询"  # a demo API product with a data dictionary, a sample and per-call plans


@dataclass(frozen=True)
class Shot:
    name: str
    user: str | None  # demo e-mail, None: signed out
    path: str


def shots(product_path: str) -> list[Shot]:
    """The main page of every role, and the public pages a visitor sees first."""
    return [
        Shot("home", None, "/"),
        Shot("search", None, f"/products?q={SEARCH}"),
        Shot("product", None, product_path),
        Shot("buyer", "buyer@demo.cn", "/"),
        Shot("buyer-usage", "buyer@demo.cn", "/usage"),
        Shot("operator", "operator@demo.cn", "/supply/"),
        Shot("broker", "broker@demo.cn", "/supply/"),
        Shot("reviewer", "reviewer@demo.cn", "/review/"),
        Shot("finance", "finance@demo.cn", "/finance/dashboard"),
        Shot("authority", "authority@demo.cn", "/authority/agreements"),
        Shot("admin", "admin@demo.cn", "/admin/organizations"),
    ]


def start_store(tmp: Path):
    """The store with the demo data on a loopback port, in a thread; returns (base url, app, server)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the file names
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'screenshots.db'}", "AUTO_MIGRATE": True,
                      "DEMO_DATA": True, "DELIVERY_DIR": str(tmp / "deliveries"), "SECRET_KEY": "screenshots",
                      "SESSION_COOKIE_SECURE": False, "WTF_CSRF_SSL_STRICT": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", app, server


def product_path(app) -> str:
    """The demo product page shown in the screenshots."""
    with Session(app.extensions["engine"]) as s:
        slug = s.exec(select(Product.slug).where(Product.title == PRODUCT_TITLE)).first()
    return f"/products/{slug}" if slug else "/products"


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login" in page.url:
        raise SystemExit(f"could not sign in as {email}")


def save(page, path: Path, device: str) -> None:
    """A full-page screenshot cut at MAX_HEIGHT, saved as a 256-colour PNG (small, still sharp for UI)."""
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[device])
    width = WIDTHS[device][0]
    png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height},
                          animations="disabled", caret="initial")
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def take(browser, base: str, lang: str, devices: list[str], items: list[Shot]) -> list[Path]:
    saved = []
    for device in devices:
        width, height = WIDTHS[device]
        by_user: dict[str | None, list[Shot]] = {}
        for shot in items:
            by_user.setdefault(shot.user, []).append(shot)
        for user, group in by_user.items():
            context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US", device_scale_factor=1,
                                          viewport={"width": width, "height": height},
                                          is_mobile=device == "phone", has_touch=device == "phone")
            page = context.new_page()
            page.goto(f"{base}/lang/{'en' if lang == 'en' else 'zh_Hans'}")
            if user:
                sign_in(page, base, user)
            for shot in group:
                page.goto(base + shot.path)
                page.wait_for_load_state("networkidle")
                path = OUT / lang / f"{shot.name}-{device}.png"
                save(page, path, device)
                saved.append(path)
                print(path.relative_to(ROOT), flush=True)
            context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["zh", "en", "all"], default="all")
    parser.add_argument("--only", nargs="*", help="names of the shots to take (home, search, buyer, ...)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        base, app, server = start_store(Path(tmp))
        try:
            items = [s for s in shots(product_path(app)) if not args.only or s.name in args.only]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                   "--hide-scrollbars", "--font-render-hinting=none"])
                if args.lang in ("zh", "all"):
                    take(browser, base, "zh", ["desktop", "phone"], items)
                if args.lang in ("en", "all"):
                    take(browser, base, "en", ["desktop", "phone"], items)
                browser.close()
        finally:
            server.shutdown()
            app.extensions["engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
