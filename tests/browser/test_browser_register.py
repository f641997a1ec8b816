"""A new enterprise registers in a real browser, sees its pending state, and switches to English."""

from sqlmodel import Session, select

from marketplace.models import Organization, OrgStatus, User
from tests.factories import new_uscc


def test_enterprise_registers_and_switches_language(live_server, page):
    uscc = new_uscc()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="企业注册").click()
    page.fill("#company_name", "示例浏览器测试科技有限公司")
    page.fill("#uscc", uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))  # wrong check character first
    page.fill("#contact_name", "张三")
    page.fill("#phone", "13800138000")
    page.fill("#email", "browser@test.cn")
    page.fill("#password", "Tea-River-Lantern-42")
    page.fill("#password2", "Tea-River-Lantern-42")
    page.get_by_role("button", name="提交注册").click()
    assert "校验位错误" in page.locator(".invalid-feedback").inner_text()
    page.fill("#uscc", uscc)
    page.fill("#password", "Tea-River-Lantern-42")
    page.fill("#password2", "Tea-River-Lantern-42")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{live_server}/account")
    assert "实名待审核" in page.locator("#org-status").inner_text()

    with Session(live_server.app.extensions["engine"]) as s:
        org = s.exec(select(Organization).where(Organization.uscc == uscc)).one()
        assert org.status == OrgStatus.PENDING
        assert s.exec(select(User).where(User.email == "browser@test.cn")).one().org_id == org.id

    page.locator("#lang-switch").click()
    page.wait_for_load_state()
    assert "Real-name pending" in page.locator("#org-status").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
