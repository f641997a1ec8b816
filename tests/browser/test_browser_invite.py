"""An enterprise's first user invites a colleague; the colleague opens the link, sets a password and signs in."""

from sqlmodel import Session, select

from marketplace.models import OrgInvitation, Role, User
from tests.factories import new_uscc

PASSWORD = "Tea-River-Lantern-42"
COLLEAGUE_PASSWORD = "Copper-Kettle-Meadow-77"


def test_invite_accept_and_sign_in(live_server, page, browser):
    uscc = new_uscc()
    page.goto(f"{live_server}/register")
    page.fill("#company_name", "示例邀请同事科技有限公司")
    page.fill("#uscc", uscc)
    page.fill("#contact_name", "张三")
    page.fill("#phone", "13800138000")
    page.fill("#email", "founder@invite.cn")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{live_server}/account")

    page.locator("#members-link").click()
    page.wait_for_url(f"{live_server}/org/members")
    page.fill("#email", "colleague@invite.cn")
    page.get_by_role("button", name="生成邀请链接").click()
    page.wait_for_url(f"{live_server}/org/members")
    link = page.locator("#invite-link").input_value()
    assert link.startswith(f"{live_server}/invite/")
    assert "colleague@invite.cn" in page.locator("#invitations").inner_text()

    invitee = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    invitee.goto(link)
    assert "示例邀请同事科技有限公司" in invitee.locator("h1").inner_text()
    invitee.fill("#name", "李四")
    invitee.fill("#password", "password1234")
    invitee.fill("#password2", "password1234")
    invitee.get_by_role("button", name="设置密码并加入").click()
    assert "密码太容易被猜到" in invitee.locator(".invalid-feedback").inner_text()
    invitee.fill("#password", COLLEAGUE_PASSWORD)
    invitee.fill("#password2", COLLEAGUE_PASSWORD)
    invitee.get_by_role("button", name="设置密码并加入").click()
    invitee.wait_for_url(f"{live_server}/login*")
    assert invitee.locator("#email").input_value() == "colleague@invite.cn"
    invitee.fill("#password", COLLEAGUE_PASSWORD)
    invitee.get_by_role("button", name="登录").click()
    invitee.wait_for_url(f"{live_server}/")
    invitee.goto(f"{live_server}/account")
    assert "示例邀请同事科技有限公司" in invitee.content()

    invitee.goto(link)  # the link worked once
    assert "已使用" in invitee.locator("#invitation-message").inner_text()

    with Session(live_server.app.extensions["engine"]) as s:
        founder = s.exec(select(User).where(User.email == "founder@invite.cn")).one()
        colleague = s.exec(select(User).where(User.email == "colleague@invite.cn")).one()
        assert founder.org_admin and not colleague.org_admin
        assert (colleague.org_id, colleague.role, colleague.name) == (founder.org_id, Role.BUYER, "李四")
        assert s.exec(select(OrgInvitation)).one().accepted_user_id == colleague.id
    invitee.context.close()
