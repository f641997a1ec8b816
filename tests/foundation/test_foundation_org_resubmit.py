"""A rejected registration is corrected and resubmitted by the applicant; the reviewer sees each round."""

from sqlalchemy import select

from marketplace.models import AuditRecord, Organization, OrgStatus, Role, User
from tests.conftest import Web
from tests.factories import PASSWORD, make_org, make_user, new_uscc

DETAILS = {
    "name": "示例更正后科技有限公司",
    "taxpayer_kind": "small",
    "contact_name": "陈一",
    "phone": "13800138000",
    "email": "first@fix.cn",
    "address": "福州市鼓楼区示例路 1 号",
}


def _register_and_reject(web, session, app) -> tuple[User, Web]:
    code = new_uscc()
    web.post(
        "/register",
        {
            "company_name": "示例错字科技有限公同",
            "uscc": code,
            "taxpayer_kind": "general",
            "contact_name": "陈一",
            "phone": "13800138000",
            "email": "first@fix.cn",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    user = session.execute(select(User).where(User.email == "first@fix.cn")).scalar_one()
    reviewer = Web(app.test_client(), session)
    reviewer.login(make_user(session, Role.ADMIN).email)
    resp = reviewer.post(
        f"/admin/organizations/{user.org_id}", {"status": "rejected", "note": "单位名称与营业执照不符"}
    )
    assert resp.status_code == 302
    return user, reviewer


def test_the_applicant_sees_the_reason_corrects_and_resubmits(web, session, app):
    user, reviewer = _register_and_reject(web, session, app)
    account = web.get("/account").get_data(as_text=True)
    assert "单位名称与营业执照不符" in account and 'id="resubmit-link"' in account
    page = web.get("/org/registration")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "单位名称与营业执照不符" in text and 'id="resubmit-form"' in text

    org = session.get(Organization, user.org_id)
    resp = web.post("/org/registration", {**DETAILS, "uscc": org.uscc})
    assert resp.status_code == 302
    session.expire_all()
    org = session.get(Organization, user.org_id)
    assert (org.status, org.name, org.taxpayer_kind, org.status_note) == (
        OrgStatus.PENDING,
        "示例更正后科技有限公司",
        "small",
        "",
    )
    record = session.execute(select(AuditRecord).where(AuditRecord.action == "org.resubmit")).scalar_one()
    assert "示例错字科技有限公同" in record.summary and "示例更正后科技有限公司" in record.summary
    assert "单位名称与营业执照不符" in record.summary  # the reason it answers stays on record

    listing = reviewer.get("/admin/organizations?status=pending").get_data(as_text=True)
    assert "示例更正后科技有限公司" in listing and "重新提交" in listing
    history = reviewer.get(f"/admin/organizations/{org.id}").get_data(as_text=True)
    start = history.index('id="registration-history"')
    rounds = history[start:]
    assert rounds.index("提交注册") < rounds.index("驳回") < rounds.index("修改后重新提交")
    assert "单位名称与营业执照不符" in rounds and "示例错字科技有限公同" in rounds
    assert reviewer.post(f"/admin/organizations/{org.id}", {"status": "verified", "note": ""}).status_code == 302
    rounds = reviewer.get(f"/admin/organizations/{org.id}").get_data(as_text=True)
    assert rounds.count("list-group-item d-flex") == 4  # register, reject, resubmit, verify
    assert "审核通过" in web.get("/org/registration").get_data(as_text=True)


def test_only_a_rejected_registration_can_be_resubmitted(web, session, app):
    admin = make_user(session, Role.BUYER, org_admin=True, verified=False)
    web.login(admin.email)
    org = session.get(Organization, admin.org_id)
    resp = web.post("/org/registration", {**DETAILS, "uscc": org.uscc})
    assert resp.status_code == 400
    session.refresh(org)
    assert org.status == OrgStatus.PENDING and org.name != DETAILS["name"]


def test_a_member_who_is_not_the_org_admin_cannot_resubmit(web, session, app):
    user, _reviewer = _register_and_reject(web, session, app)
    org = session.get(Organization, user.org_id)
    colleague = make_user(session, Role.BUYER, org=org)
    other = Web(app.test_client(), session)
    other.login(colleague.email)
    assert "请联系贵单位的单位管理员" in other.get("/org/registration").get_data(as_text=True)
    assert other.post("/org/registration", {**DETAILS, "uscc": org.uscc}).status_code == 403
    session.refresh(org)
    assert org.status == OrgStatus.REJECTED


def test_a_code_of_another_organization_is_refused(web, session, app):
    user, _reviewer = _register_and_reject(web, session, app)
    taken = make_org(session)
    resp = web.post("/org/registration", {**DETAILS, "uscc": taken.uscc})
    assert resp.status_code == 400 and "已被其他单位注册" in resp.get_data(as_text=True)
    org = session.get(Organization, user.org_id)
    session.refresh(org)
    assert org.status == OrgStatus.REJECTED
