"""Admins manage organizations and users; regulators browse the audit trail with filters."""

from sqlalchemy import select

from marketplace.models import AuditRecord, Organization, OrgStatus, Role, User
from tests.factories import make_org, make_user, new_uscc


def test_admin_verifies_a_pending_enterprise(web, session, login_as):
    org = make_org(session, verified=False)
    login_as(Role.ADMIN)
    listing = web.get("/admin/organizations?status=pending").get_data(as_text=True)
    assert org.name in listing
    resp = web.post(f"/admin/organizations/{org.id}", {"status": "verified", "note": ""})
    assert resp.status_code == 302
    session.refresh(org)
    assert org.status == OrgStatus.VERIFIED and org.verified_at is not None
    assert session.execute(select(AuditRecord).where(AuditRecord.action == "org.verified")).scalar_one()


def test_rejecting_needs_a_reason(web, session, login_as):
    org = make_org(session, verified=False)
    login_as(Role.ADMIN)
    resp = web.post(f"/admin/organizations/{org.id}", {"status": "rejected", "note": ""})
    assert resp.status_code == 400 and "必须填写原因" in resp.get_data(as_text=True)
    session.refresh(org)
    assert org.status == OrgStatus.PENDING


def test_admin_creates_organization_and_user(web, session, login_as):
    login_as(Role.ADMIN)
    code = new_uscc()
    resp = web.post("/admin/organizations", {"name": "示例新运营单位", "uscc": code, "kind": "operator"})
    assert resp.status_code == 302
    org = session.execute(select(Organization).where(Organization.uscc == code)).scalar_one()
    resp = web.post("/admin/users", {"email": "new-op@test.cn", "name": "新人", "password": "Tea-River-Lantern-42",
                                     "role": "operator", "org_id": org.id})
    assert resp.status_code == 302
    assert session.execute(select(User).where(User.email == "new-op@test.cn")).scalar_one().org_id == org.id


def test_role_must_fit_the_organization_kind(web, session, login_as):
    login_as(Role.ADMIN)
    enterprise = make_org(session)
    resp = web.post("/admin/users", {"email": "bad@test.cn", "password": "Tea-River-Lantern-42", "role": "finance",
                                     "org_id": enterprise.id})
    assert resp.status_code == 400 and "不能有 finance" in resp.get_data(as_text=True)
    assert session.execute(select(User).where(User.email == "bad@test.cn")).first() is None


def test_role_change_is_audited(web, session, login_as):
    login_as(Role.ADMIN)
    reviewer = make_user(session, Role.REVIEWER)
    web.post(f"/admin/users/{reviewer.id}/role", {"role": "finance"})
    session.refresh(reviewer)
    assert reviewer.role == Role.FINANCE
    record = session.execute(select(AuditRecord).where(AuditRecord.action == "user.role_change")).scalar_one()
    assert '"reviewer"' in record.summary and '"finance"' in record.summary


def test_unknown_organization_is_404(web, login_as):
    login_as(Role.ADMIN)
    assert web.get("/admin/organizations/999999").status_code == 404


def test_audit_trail_filters(web, session, login_as):
    org = make_org(session, verified=False)
    admin = login_as(Role.ADMIN)
    web.post(f"/admin/organizations/{org.id}", {"status": "verified", "note": ""})
    web.logout()
    login_as(Role.AUTHORITY)
    page = web.get("/audit/?action=org.verified").get_data(as_text=True)
    assert "org.verified" in page and admin.email in page
    assert "auth.login" not in web.get("/audit/?action=org.verified").get_data(as_text=True).split("<tbody>")[1]
    by_actor = web.get(f"/audit/?actor={admin.email}").get_data(as_text=True)
    assert "org.verified" in by_actor
    assert "没有符合条件的记录" in web.get("/audit/?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "哈希链完整" in web.get("/audit/?verify=1").get_data(as_text=True)
