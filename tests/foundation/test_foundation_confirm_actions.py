"""Destructive decisions ask first and then say what was done and to whom: rejecting an organization's
registration (exchange staff) and declining an access application (operator)."""

from __future__ import annotations

import html

from sqlalchemy import select

from marketplace.models import OrgKind, OrgStatus, Role
from marketplace.models.demand import AccessApplication, ApplicationStatus
from tests.factories import make_agreement, make_org, make_product, make_user


def _panel(page: str, summary: str) -> str:
    """The text of the confirmation panel whose button reads `summary`."""
    start = page.index(f">{summary}</summary>")
    return html.unescape(page[start:page.index("</details>", start)])


def test_rejecting_a_registration_asks_first_and_names_the_organization(web, session, login_as):
    org = make_org(session, verified=False, name="示例待审科技有限公司")
    login_as(Role.ADMIN)
    page = web.get(f"/admin/organizations/{org.id}").get_data(as_text=True)
    panel = _panel(page, "驳回")
    assert "将驳回 示例待审科技有限公司 的实名注册申请" in panel and "对方修改后可重新提交" in panel
    assert 'name="status" value="rejected"' in panel and "确认驳回注册" in panel
    done = web.post(f"/admin/organizations/{org.id}", {"status": "rejected", "note": "营业执照照片不清晰"},
                    follow_redirects=True).get_data(as_text=True)
    assert "已驳回 示例待审科技有限公司 的实名注册申请，驳回原因已告知该单位" in done
    session.refresh(org)
    assert (org.status, org.status_note) == (OrgStatus.REJECTED, "营业执照照片不清晰")


def test_a_rejection_without_a_reason_keeps_the_panel_open(web, session, login_as):
    org = make_org(session, verified=False)
    login_as(Role.ADMIN)
    page = web.post(f"/admin/organizations/{org.id}", {"status": "rejected", "note": ""})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert '<details class="confirm-action" open>' in text and "驳回实名认证时必须填写原因" in text
    session.refresh(org)
    assert org.status == OrgStatus.PENDING


def test_verifying_says_who_in_english(web, session, login_as):
    org = make_org(session, verified=False, name="示例英文审核有限公司")
    login_as(Role.ADMIN)
    web.get("/lang/en")
    done = web.post(f"/admin/organizations/{org.id}", {"status": "verified", "note": ""},
                    follow_redirects=True).get_data(as_text=True)
    assert "Verified the real-name registration of 示例英文审核有限公司" in done
    session.refresh(org)
    assert org.status == OrgStatus.VERIFIED


def _pending_application(web, session):
    operator = make_org(session, OrgKind.OPERATOR)
    product = make_product(session, agreement=make_agreement(session, operator=operator), openness="conditional",
                           title="企业经营异常名录查询")
    buyer_org = make_org(session, name="示例申请科技有限公司")
    buyer = make_user(session, Role.BUYER, org=buyer_org)
    seller = make_user(session, Role.OPERATOR, org=operator)
    web.login(buyer.email)
    assert web.post(f"/products/{product.slug}/apply",
                    {"use_type": "industry", "purpose": "贷前核验", "scenario": "授信系统"}).status_code == 302
    web.logout()
    web.login(seller.email)
    return session.execute(select(AccessApplication)).scalar_one(), buyer


def test_declining_an_application_asks_first_and_names_the_applicant(web, session):
    app, buyer = _pending_application(web, session)
    page = web.get(f"/seller/applications/{app.id}").get_data(as_text=True)
    panel = _panel(page, "拒绝")
    assert "将拒绝 示例申请科技有限公司 对「企业经营异常名录查询」的使用申请" in panel
    assert f"会告知申请人 {buyer.name}" in panel and 'name="decline" value="1"' in panel and "确认拒绝申请" in panel
    done = web.post(f"/seller/applications/{app.id}", {"decline": "1", "reason": "用途与授权场景不符"},
                    follow_redirects=True).get_data(as_text=True)
    said = "已拒绝 示例申请科技有限公司 对「企业经营异常名录查询」的使用申请，拒绝原因已告知申请人"
    assert said in html.unescape(done)
    session.refresh(app)
    assert (app.status, app.decision_reason) == (ApplicationStatus.DECLINED, "用途与授权场景不符")


def test_approving_an_application_says_whose(web, session):
    app, _buyer = _pending_application(web, session)
    done = web.post(f"/seller/applications/{app.id}", {"approve": "批准", "reason": ""},
                    follow_redirects=True).get_data(as_text=True)
    assert "已批准 示例申请科技有限公司 对「企业经营异常名录查询」的使用申请" in html.unescape(done)
    session.refresh(app)
    assert app.status == ApplicationStatus.APPROVED
