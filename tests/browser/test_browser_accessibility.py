"""Accessibility: axe-core (run in Chromium through Playwright) over the public pages and every role's main page at
desktop and phone width, in Chinese and English; then registration, search and checkout with the keyboard alone.

axe ships inside axe-playwright-python (axe.min.js), so nothing is fetched at run time. A page fails on any serious
or critical violation, on any unlabelled form field and on any text below the WCAG AA contrast ratio, whatever
impact axe gives them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, select

from marketplace.catalog.search import index_product
from marketplace.demo import DEMO_PASSWORD, load_demo
from marketplace.models import Disclosure, Order, OrderStatus, Organization, OrgStatus, Product, Role, User
from tests.browser.conftest import start_live_server
from tests.factories import PASSWORD, make_product, make_user, new_uscc

pytestmark = pytest.mark.timeout(600)

AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                                       "best-practice"]},
               "resultTypes": ["violations"]}
BLOCKING_IMPACTS = {"serious", "critical"}
ALWAYS_BLOCKING = {"label", "select-name", "aria-input-field-name", "label-title-only", "color-contrast",
                   "button-name", "link-name", "input-button-name"}
PRODUCT_TITLE = "企业信用分详情查询"  # a demo API product: data dictionary, sample, two per-call plans

PUBLIC = ["/", "/products?q=信用", "product", "/register", "/login", "/disclosure", "disclosure-page",
          "/price-index"]
ROLES = [("buyer@demo.cn", "/"), ("buyer@demo.cn", "/buyer/orders"), ("buyer@demo.cn", "/usage"),
         ("operator@demo.cn", "/supply/"), ("broker@demo.cn", "/supply/"), ("reviewer@demo.cn", "/review/"),
         ("finance@demo.cn", "/finance/dashboard"), ("authority@demo.cn", "/authority/agreements"),
         ("admin@demo.cn", "/admin/organizations")]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The store with the demo data (the loader `python app.py` uses), shared by the read-only axe runs."""
    tmp = tmp_path_factory.mktemp("a11y")
    live, server = start_live_server(tmp, DELIVERY_DIR=str(tmp / "deliveries"))
    engine = live.app.extensions["engine"]
    with Session(engine, expire_on_commit=False) as s:
        load_demo(s, Path(tmp / "deliveries"))
        s.commit()
        slug = s.exec(select(Product.slug).where(Product.title == PRODUCT_TITLE)).one()
        disclosure = s.exec(select(Disclosure)).first()
        uscc = s.get(Organization, disclosure.operator_id).uscc
    live.paths = {"product": f"/products/{slug}", "disclosure-page": f"/disclosure/{disclosure.year}/{uscc}"}
    yield live
    server.shutdown()
    engine.dispose()


def _context(browser, viewport: str, *, locale: str = "zh-CN"):
    phone = viewport == "phone"
    return browser.new_context(locale=locale, viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone)


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def blocking_violations(page) -> list[str]:
    """axe's violations on the page that fail the test, one line each with the first offending elements."""
    results = AXE.run(page, options=AXE_OPTIONS).response
    lines = []
    for v in results["violations"]:
        if v["impact"] in BLOCKING_IMPACTS or v["id"] in ALWAYS_BLOCKING:
            targets = "; ".join(" ".join(n["target"]) + " — " + (n.get("failureSummary") or "").split("\n")[-1].strip()
                                for n in v["nodes"][:4])
            lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} :: {targets}")
    return lines


def _check(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    page.wait_for_load_state("networkidle")
    return [f"{url}: {line}" for line in blocking_violations(page)]


# Chinese at both widths; English (longer words, same colours) at desktop width
SETTINGS = [("zh_Hans", "desktop"), ("zh_Hans", "phone"), ("en", "desktop")]


@pytest.mark.parametrize(("lang", "viewport"), SETTINGS)
def test_public_pages_have_no_serious_axe_violations(demo_store, browser, viewport, lang):
    context = _context(browser, viewport)
    page = context.new_page()
    page.goto(f"{demo_store}/lang/{lang}")
    problems = []
    for path in PUBLIC:
        problems += _check(page, f"{demo_store}{demo_store.paths.get(path, path)}")
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("lang", "viewport"), SETTINGS)
def test_every_roles_main_page_has_no_serious_axe_violations(demo_store, browser, viewport, lang):
    problems = []
    by_user: dict[str, list[str]] = {}
    for email, path in ROLES:
        by_user.setdefault(email, []).append(path)
    for email, paths in by_user.items():
        context = _context(browser, viewport)
        page = context.new_page()
        _sign_in(page, str(demo_store), email, DEMO_PASSWORD)
        page.goto(f"{demo_store}/lang/{lang}")
        for path in paths:
            problems += [f"{email} {line}" for line in _check(page, f"{demo_store}{path}")]
        context.close()
    assert problems == [], "\n".join(problems)


def test_axe_reports_an_unlabelled_field_and_low_contrast(demo_store, browser):
    """The check itself can fail: a field without a label and light-grey text on white are reported."""
    context = _context(browser, "desktop")
    page = context.new_page()
    page.goto(f"{demo_store}/login")
    page.evaluate("""() => {
        const form = document.querySelector('main form');
        form.insertAdjacentHTML('beforeend', '<input type="text" name="nickname" id="nickname">'
          + '<p style="color:#bbb;background:#fff">浅灰色的说明文字</p>');
    }""")
    found = blocking_violations(page)
    context.close()
    assert any(line.startswith("label ") and "#nickname" in line for line in found), found
    assert any(line.startswith("color-contrast ") for line in found), found


# --- the keyboard alone -------------------------------------------------------------------------------------------

FOCUS_VISIBLE_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const ring = s.boxShadow && s.boxShadow !== 'none';
    return {id: el.id, tag: el.tagName, name: el.name || '', value: el.value || '',
            text: (el.innerText || el.value || '').trim().slice(0, 40),
            visible: el.matches(':focus-visible') && (outline || ring)};
}"""


def focused(page) -> dict:
    """What has the focus, and whether a focus indicator (outline or ring) is drawn around it."""
    return page.evaluate(FOCUS_VISIBLE_JS) or {}


def tab_to(page, matches, *, limit: int = 80, back: bool = False) -> dict:
    """Press Tab (Shift+Tab with back) until `matches(focused element)`; asserts its focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        el = focused(page)
        if el and matches(el):
            assert el["visible"], f"no visible focus indicator on {el}"
            return el
    raise AssertionError(f"Tab never reached the element (last focus: {focused(page)})")


def by_id(name: str):
    return lambda el: el.get("id") == name


def by_text(text: str):
    return lambda el: el.get("text") == text


def type_into(page, field_id: str, text: str) -> None:
    tab_to(page, by_id(field_id))
    page.keyboard.type(text)


def test_focus_check_fails_when_a_page_hides_the_focus(live_server, page):
    """tab_to's focus assertion can fail: with outlines and rings removed the focused field has no indicator."""
    page.goto(f"{live_server}/login")
    page.add_style_tag(content="*:focus, *:focus-visible { outline: none !important; box-shadow: none !important; }")
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        tab_to(page, by_id("email"))


def test_registration_with_the_keyboard_alone(live_server, page):
    base = str(live_server)
    page.goto(f"{base}/")
    tab_to(page, by_text("企业注册"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/register")
    uscc = new_uscc()
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")  # a wrong check character first
    for field_id, text in [("company_name", "示例键盘注册科技有限公司"), ("uscc", wrong), ("contact_name", "王五"),
                           ("phone", "13700137000"), ("email", "keyboard@test.cn"), ("password", PASSWORD),
                           ("password2", PASSWORD)]:
        type_into(page, field_id, text)
    tab_to(page, by_text("提交注册"))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # the message is tied to its field, so a screen reader reads it on the way back in
    assert page.get_attribute("#uscc", "aria-invalid") == "true"
    described = page.get_attribute("#uscc", "aria-describedby").split()
    assert "校验位错误" in " ".join(page.locator(f"#{i}").inner_text() for i in described)
    assert blocking_violations(page) == []  # the form with its messages passes axe too
    tab_to(page, by_id("uscc"))
    page.keyboard.press("Control+A")
    page.keyboard.type(uscc)
    type_into(page, "password", PASSWORD)
    type_into(page, "password2", PASSWORD)
    page.keyboard.press("Enter")  # Enter in a field submits the form
    page.wait_for_url(f"{base}/account")
    assert "实名待审核" in page.locator("#org-status").inner_text()
    with Session(live_server.app.extensions["engine"]) as s:
        org = s.exec(select(Organization).where(Organization.uscc == uscc)).one()
        user = s.exec(select(User).where(User.email == "keyboard@test.cn")).one()
        assert (org.name, org.status, user.org_id) == ("示例键盘注册科技有限公司", OrgStatus.PENDING, org.id)


def _listed(app, *specs: dict) -> list[Product]:
    """Listed products (tests/factories.py), put in the search index as listing does."""
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        products = [make_product(s, **spec) for spec in specs]
        for p in products:
            index_product(s, p)
        s.commit()
        return products


def test_search_with_the_keyboard_alone(live_server, page):
    base = str(live_server)
    _listed(live_server.app,
            {"title": "福州市企业信用评分接口", "type": "api",
             "plans": ({"form": "per_call_flat", "unit_price_fen": 20},)},
            {"title": "企业信用登记统计数据包", "plans": ({"form": "one_off", "price_fen": 268000},)},
            {"title": "城市逐日天气数据包", "domain": "weather"})
    page.goto(f"{base}/")
    tab_to(page, lambda el: el.get("name") == "q")
    page.keyboard.type("企业信用")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products?q=*")
    titles = page.locator(".product-card h2, .product-card h3, .product-card .card-title").all_inner_texts()
    assert sorted(t.strip() for t in titles) == ["企业信用登记统计数据包", "福州市企业信用评分接口"]
    assert "城市逐日天气数据包" not in page.locator("main").inner_text()
    tab_to(page, by_text("福州市企业信用评分接口"))  # a result opens from the keyboard too
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products/*")
    assert page.locator("h1").inner_text().strip() == "福州市企业信用评分接口"


def test_checkout_with_the_keyboard_alone(live_server, page):
    base, app = str(live_server), live_server.app
    [product] = _listed(app, {"title": "福州市企业登记统计数据包",
                              "plans": ({"form": "one_off", "price_fen": 268000},)})
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        buyer = make_user(s, Role.BUYER)
    page.goto(f"{base}/login")
    type_into(page, "email", buyer.email)
    type_into(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    tab_to(page, lambda el: el.get("name") == "q")
    page.keyboard.type("企业登记统计")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products?q=*")
    tab_to(page, by_text(product.title))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products/{product.slug}")
    tab_to(page, by_text("购买"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/products/{product.slug}/buy*")
    assert blocking_violations(page) == []
    type_into(page, "purpose", "用于区域招商选址分析")
    el = tab_to(page, lambda e: e.get("name") == "invoice_kind")  # Tab enters the radio group at the checked one
    assert el["value"] == "normal"
    page.keyboard.press("ArrowLeft")  # an arrow moves to the other invoice kind and picks it
    page.keyboard.press("Space")
    assert page.locator("input[name=invoice_kind]:checked").get_attribute("value") == "special"
    assert page.locator("#checkout-total").inner_text() == "¥2,680.00"
    tab_to(page, by_id("place-order"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/orders/PDX*")
    assert "待付款" in page.locator("#order-status").inner_text()
    assert page.locator("#order-total").inner_text() == "¥2,680.00"
    assert blocking_violations(page) == []  # the order page with its bank-transfer details
    with Session(app.extensions["engine"]) as s:
        order = s.exec(select(Order).where(Order.buyer_org_id == buyer.org_id)).one()
        assert (order.status, order.total_fen, order.purpose) == (OrderStatus.AWAITING_PAYMENT, 268000,
                                                                   "用于区域招商选址分析")
