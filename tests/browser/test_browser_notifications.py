"""The bell in the header and the notification list, at desktop and phone width, in a real browser."""

from pathlib import Path

from sqlmodel import Session

from marketplace.models import Role
from marketplace.notifications import Notice, notify
from tests.factories import PASSWORD, make_user

SHOTS = Path("/tmp/notif-shots")


def _arrange(app):
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        buyer = make_user(s, Role.BUYER, email="bell@test.cn")
        org = (buyer.org_id,)
        notify(s, Notice("bill_issued", org, {"number": "ZD202611-000042", "amount": "¥1,280.50", "due": "2026-12-16"},
                         subject_type="bill", subject_id="ZD202611-000042"))
        notify(s, Notice("quota_80", org, {"product": "企业信用评分接口", "used": 800, "quota": 1000, "remaining": 200},
                         subject_type="entitlement", subject_id=1))
        notify(s, Notice("offer_received", org, {"quote": 7, "product": "福建省企业工商登记信息数据包（2026 年版）",
                                                  "price": "¥30,000.00", "valid_until": "2026-12-31"},
                         subject_type="quote", subject_id=7))
        reason = "用途说明与有条件开放的范围不符，请补充应用场景后重新申请"
        notify(s, Notice("application_declined", org, {"product": "不动产登记核验接口", "reason": reason},
                         subject_type="application", subject_id=3))
        s.commit()
        return buyer


def _login(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#email", "bell@test.cn")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_bell_and_list_at_desktop_and_phone_width(live_server, page):
    SHOTS.mkdir(exist_ok=True)
    _arrange(live_server.app)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _login(page, live_server)
        bell = page.locator("#notif-bell")
        assert bell.is_visible()  # outside the collapsed menu on a phone too
        assert page.locator("#notif-count").inner_text() == "4"
        bell.click()
        page.wait_for_url(f"{live_server}/notifications")
        assert page.locator(".notif-unread").count() == 4
        page.screenshot(path=str(SHOTS / f"list-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        page.context.clear_cookies()

    page.set_viewport_size({"width": 390, "height": 900})
    _login(page, live_server)
    page.goto(f"{live_server}/notifications")
    page.locator(".notif-item").filter(has_text="ZD202611-000042").click()
    page.wait_for_url(f"{live_server}/bills/ZD202611-000042")
    assert page.locator("#notif-count").inner_text() == "3"
    page.screenshot(path=str(SHOTS / "header-390.png"))
    page.goto(f"{live_server}/notifications/preferences")
    page.screenshot(path=str(SHOTS / "preferences-390.png"), full_page=True)
    page.goto(f"{live_server}/notifications?lang=en")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(SHOTS / "list-en-1366.png"), full_page=True)
    assert "Bill ZD202611-000042 was issued" in page.content()
