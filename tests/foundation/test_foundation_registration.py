"""Enterprise registration: stores everything on success, nothing on any invalid field."""

import pytest
from sqlalchemy import func, select

from marketplace.models import AuditRecord, Organization, OrgStatus, Role, User
from tests.factories import new_uscc

GOOD = {"company_name": "示例注册测试有限公司", "uscc": "91350100M000100Y43", "taxpayer_kind": "general",
        "contact_name": "李四", "phone": "13800138000", "email": "reg@test.cn", "password": "Tea-River-Lantern-42",
        "password2": "Tea-River-Lantern-42"}


def counts(session):
    return tuple(session.execute(select(func.count()).select_from(t)).scalar_one()
                 for t in (Organization, User, AuditRecord))


def test_registration_creates_pending_org_buyer_and_audit(web, session):
    resp = web.post("/register", GOOD)
    assert resp.status_code == 302
    org = session.execute(select(Organization).where(Organization.uscc == GOOD["uscc"])).scalar_one()
    user = session.execute(select(User).where(User.email == "reg@test.cn")).scalar_one()
    assert org.status == OrgStatus.PENDING and org.name == GOOD["company_name"]
    assert user.org_id == org.id and user.role == Role.BUYER
    assert user.password_hash != "Tea-River-Lantern-42"
    audit = session.execute(select(AuditRecord).where(AuditRecord.action == "org.register")).scalar_one()
    assert audit.object_id == str(org.id) and audit.actor_id == user.id
    assert "实名待审核" in web.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("company_name", "", "请填写企业名称"),
    ("uscc", "91350100M000100Y4", "应为18位"),
    ("uscc", "91350100M0001O0Y43", "不能包含字母 O"),
    ("uscc", "91350100M000100Y44", "校验位错误"),
    ("contact_name", "", "请填写联系人"),
    ("phone", "12345", "有效的手机号"),
    ("email", "not-an-email", "邮箱格式不正确"),
    ("password", "short1", "至少 10 位"),
    ("password", "password1234", "太容易被猜到"),
    ("password2", "different123", "两次输入的密码不一致"),
])
def test_any_invalid_field_stores_nothing(web, session, field, value, message):
    data = dict(GOOD, **{field: value})
    if field == "password":
        data["password2"] = value
    before = counts(session)
    resp = web.post("/register", data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert counts(session) == before


def test_duplicate_code_and_email_refused(web, session):
    assert web.post("/register", GOOD).status_code == 302
    web.logout()
    again = web.post("/register", dict(GOOD, email="other@test.cn"))
    assert again.status_code == 400 and "已注册" in again.get_data(as_text=True)
    same_mail = web.post("/register", dict(GOOD, uscc=new_uscc()))
    assert same_mail.status_code == 400 and "该邮箱已注册" in same_mail.get_data(as_text=True)
    assert counts(session)[0] == 1


def test_missing_csrf_token_is_400_and_stores_nothing(web, session):
    resp = web.post("/register", GOOD, csrf=False)
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    assert counts(session) == (0, 0, 0)
