"""Organization admins (单位管理员): invitations by link, roles allowed for the kind, disabling, the last admin."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from marketplace import clock
from marketplace.models import AuditRecord, Organization, OrgInvitation, OrgKind, Role, User, UserSession
from tests.conftest import Web
from tests.factories import PASSWORD, make_org, make_user, new_uscc

LINK = re.compile(r"/invite/([A-Za-z0-9_-]{20,})")
NEW_PASSWORD = "Copper-Kettle-Meadow-77"


def _audits(session, action: str) -> list[AuditRecord]:
    return session.execute(select(AuditRecord).where(AuditRecord.action == action)).scalars().all()


def _invite(web, email: str, role: str = "buyer") -> str:
    """Invite through the page as the signed-in admin; the token as shown to the admin once."""
    resp = web.post("/org/members", {"email": email, "role": role})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    page = web.get("/org/members").get_data(as_text=True)
    assert 'id="invite-link"' in page
    token = LINK.search(page).group(1)
    assert 'id="invite-link"' not in web.get("/org/members").get_data(as_text=True)  # shown once
    return token


def _admin(session, web, kind_role=Role.BUYER):
    admin = make_user(session, kind_role, org_admin=True)
    web.login(admin.email)
    return admin


def test_the_registering_user_is_the_org_admin(web, session):
    code = new_uscc()
    resp = web.post(
        "/register",
        {
            "company_name": "示例首位管理员有限公司",
            "uscc": code,
            "taxpayer_kind": "general",
            "contact_name": "陈一",
            "phone": "13800138000",
            "email": "first@admin.cn",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert resp.status_code == 302
    user = session.execute(select(User).where(User.email == "first@admin.cn")).scalar_one()
    assert user.org_admin is True and user.role == Role.BUYER
    assert "· 单位管理员" in web.get("/account").get_data(as_text=True)


def test_admin_invites_and_the_colleague_joins_with_the_chosen_role(web, session, app):
    admin = _admin(session, web)
    token = _invite(web, "colleague@test.cn")
    invitation = session.execute(select(OrgInvitation)).scalar_one()
    assert invitation.token_hash != token and len(invitation.token_hash) == 64  # only the hash is stored
    assert invitation.org_id == admin.org_id and invitation.role == Role.BUYER
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(_audits(session, "org.invite")) == 1
    web.logout()

    other = Web(app.test_client(), session)
    page = other.get(f"/invite/{token}")
    assert page.status_code == 200 and "colleague@test.cn" in page.get_data(as_text=True)
    weak = other.post(f"/invite/{token}", {"name": "李二", "password": "password123", "password2": "password123"})
    assert weak.status_code == 400 and "密码太容易被猜到" in weak.get_data(as_text=True)
    assert session.execute(select(User).where(User.email == "colleague@test.cn")).first() is None
    resp = other.post(f"/invite/{token}", {"name": "李二", "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    session.expire_all()
    user = session.execute(select(User).where(User.email == "colleague@test.cn")).scalar_one()
    assert (user.org_id, user.role, user.name, user.org_admin) == (admin.org_id, Role.BUYER, "李二", False)
    invitation = session.get(OrgInvitation, invitation.id)
    assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id
    assert _audits(session, "org.invite_accept")[0].actor_id == user.id
    other.login("colleague@test.cn", NEW_PASSWORD)


def test_an_invitation_works_once(web, session, app):
    _admin(session, web)
    token = _invite(web, "once@test.cn")
    other = Web(app.test_client(), session)
    data = {"name": "王三", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert other.post(f"/invite/{token}", data).status_code == 302
    again = other.post(f"/invite/{token}", data)
    assert again.status_code == 409 and "已使用" in again.get_data(as_text=True)
    assert other.get(f"/invite/{token}").status_code == 409
    assert session.execute(select(func.count()).select_from(User).where(User.email == "once@test.cn")).scalar_one() == 1


def test_an_invitation_expires_after_seven_days(web, session, app):
    _admin(session, web)
    token = _invite(web, "late@test.cn")
    other = Web(app.test_client(), session)
    fixed = clock.FixedClock(clock.now() + timedelta(days=7, minutes=1))
    with clock.use_clock(fixed):
        page = other.get(f"/invite/{token}")
        assert page.status_code == 409 and "已过期" in page.get_data(as_text=True)
        resp = other.post(f"/invite/{token}", {"name": "赵四", "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert resp.status_code == 409
    assert session.execute(select(User).where(User.email == "late@test.cn")).first() is None
    assert other.get("/invite/not-a-real-token-at-all-123").status_code == 404


def test_a_revoked_invitation_link_stops_working(web, session, app):
    _admin(session, web)
    token = _invite(web, "revoked@test.cn")
    invitation = session.execute(select(OrgInvitation)).scalar_one()
    assert web.post(f"/org/invitations/{invitation.id}/revoke").status_code == 302
    assert Web(app.test_client(), session).get(f"/invite/{token}").status_code == 409
    assert len(_audits(session, "org.invite_revoke")) == 1


def test_a_new_invitation_replaces_the_open_one(web, session, app):
    _admin(session, web)
    first = _invite(web, "twice@test.cn")
    second = _invite(web, "twice@test.cn")
    other = Web(app.test_client(), session)
    assert other.get(f"/invite/{first}").status_code == 409
    assert other.get(f"/invite/{second}").status_code == 200
    first_id = session.execute(select(OrgInvitation.id).order_by(OrgInvitation.id)).scalars().first()
    assert f'"replaces": [{first_id}]' in _audits(session, "org.invite")[-1].summary


def test_a_role_the_org_kind_does_not_allow_is_refused(web, session):
    _admin(session, web)
    resp = web.post("/org/members", {"email": "fin@test.cn", "role": "finance"})
    assert resp.status_code == 400
    assert session.execute(select(OrgInvitation)).first() is None
    web.logout()
    exchange_admin = make_user(session, Role.REVIEWER, org_admin=True)
    web.login(exchange_admin.email)
    assert web.post("/org/members", {"email": "buyer@test.cn", "role": "buyer"}).status_code == 400
    assert web.post("/org/members", {"email": "fin@test.cn", "role": "finance"}).status_code == 302
    assert session.execute(select(OrgInvitation.role)).scalar_one() == Role.FINANCE


def test_inviting_a_registered_address_is_refused(web, session):
    _admin(session, web)
    taken = make_user(session, Role.BUYER)
    resp = web.post("/org/members", {"email": taken.email, "role": "buyer"})
    assert resp.status_code == 400 and "该邮箱已注册" in resp.get_data(as_text=True)


def test_only_org_admins_manage_members(web, session, login_as):
    plain = login_as(Role.BUYER)
    admin = make_user(
        session, Role.BUYER, org=session.get(Organization, plain.org_id), org_admin=True, email="the.admin@plain.cn"
    )
    page = web.get("/org/members")
    assert page.status_code == 200 and "the.admin@plain.cn" in page.get_data(as_text=True)
    assert 'id="invite-form"' not in page.get_data(as_text=True) and admin.org_admin
    assert web.post("/org/members", {"email": "x@test.cn", "role": "buyer"}).status_code == 403
    colleague = make_user(session, Role.BUYER, org=session.get(Organization, plain.org_id))
    assert web.post(f"/org/members/{colleague.id}/active").status_code == 403


def test_an_admin_cannot_touch_another_organizations_users(web, session):
    _admin(session, web)
    stranger = make_user(session, Role.BUYER)
    assert web.post(f"/org/members/{stranger.id}/active").status_code == 404
    session.refresh(stranger)
    assert stranger.active is True


def test_a_disabled_colleague_cannot_log_in_and_its_sessions_end(web, session, app):
    admin = _admin(session, web)
    colleague = make_user(session, Role.BUYER, org=session.get(Organization, admin.org_id))
    theirs = Web(app.test_client(), session)
    theirs.login(colleague.email)
    assert theirs.get("/account").status_code == 200

    resp = web.post(f"/org/members/{colleague.id}/active")
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(User, colleague.id).active is False
    live = session.execute(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == colleague.id, UserSession.ended_at.is_(None))
    ).scalar_one()
    assert live == 0
    assert (
        session.execute(select(UserSession.end_reason).where(UserSession.user_id == colleague.id)).scalar_one()
        == "disabled"
    )
    assert theirs.get("/account").status_code == 302  # the open session no longer counts
    assert theirs.post("/login", {"email": colleague.email, "password": PASSWORD}).status_code == 400
    assert len(_audits(session, "user.disable")) == 1

    assert web.post(f"/org/members/{colleague.id}/active").status_code == 302
    session.expire_all()
    assert session.get(User, colleague.id).active is True
    theirs.login(colleague.email)


def test_an_admin_cannot_disable_themself_nor_remove_the_last_admin(web, session):
    admin = _admin(session, web)
    web.post(f"/org/members/{admin.id}/active")
    web.post(f"/org/members/{admin.id}/admin")
    session.expire_all()
    me = session.get(User, admin.id)
    assert me.active is True and me.org_admin is True
    page = web.get("/org/members").get_data(as_text=True)
    assert "至少要有一位管理员" in page

    colleague = make_user(session, Role.BUYER, org=session.get(Organization, admin.org_id))
    assert web.post(f"/org/members/{colleague.id}/admin").status_code == 302  # now two admins
    assert web.post(f"/org/members/{admin.id}/admin").status_code == 302  # so one may step down
    session.expire_all()
    assert session.get(User, colleague.id).org_admin is True and session.get(User, admin.id).org_admin is False
    assert [
        a.action
        for a in session.execute(
            select(AuditRecord).where(AuditRecord.action.like("user.org_admin%")).order_by(AuditRecord.id)
        ).scalars()
    ] == ["user.org_admin_grant", "user.org_admin_revoke"]
    assert 'id="invite-form"' not in web.get("/org/members").get_data(as_text=True)  # no longer an admin


def test_an_exchange_org_admin_changes_a_colleagues_role(web, session):
    admin = make_user(session, Role.REVIEWER, org_admin=True)
    colleague = make_user(session, Role.REVIEWER, org=session.get(Organization, admin.org_id))
    web.login(admin.email)
    assert web.post(f"/org/members/{colleague.id}/role", {"role": "finance"}).status_code == 302
    session.expire_all()
    assert session.get(User, colleague.id).role == Role.FINANCE
    assert len(_audits(session, "user.role_change")) == 1
    web.post(f"/org/members/{colleague.id}/role", {"role": "buyer"})
    session.expire_all()
    assert session.get(User, colleague.id).role == Role.FINANCE


def test_registering_a_known_code_names_the_org_and_its_admin(web, session):
    org = make_org(session, OrgKind.ENTERPRISE, name="示例已注册科技有限公司")
    make_user(session, Role.BUYER, org=org, email="zhang.admin@known.cn", org_admin=True)
    resp = web.post(
        "/register",
        {
            "company_name": "示例已注册科技有限公司",
            "uscc": org.uscc,
            "taxpayer_kind": "general",
            "contact_name": "新人",
            "phone": "13800138000",
            "email": "newcomer@known.cn",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "示例已注册科技有限公司" in text and "z***@known.cn" in text and "单位成员" in text
    assert "zhang.admin@known.cn" not in text


def test_only_an_exchange_admin_gives_the_admin_role(web, session):
    reviewer_admin = make_user(session, Role.REVIEWER, org_admin=True)
    colleague = make_user(session, Role.REVIEWER, org=session.get(Organization, reviewer_admin.org_id))
    web.login(reviewer_admin.email)
    resp = web.post("/org/members", {"email": "boss@test.cn", "role": "admin"})
    assert resp.status_code == 400 and "只有交易所管理员" in resp.get_data(as_text=True)
    web.post(f"/org/members/{colleague.id}/role", {"role": "admin"})
    session.expire_all()
    assert session.get(User, colleague.id).role == Role.REVIEWER
    assert session.execute(select(OrgInvitation)).first() is None


def test_the_known_code_message_reads_in_english(web, session):
    org = make_org(session, OrgKind.ENTERPRISE, name="示例英文提示有限公司")
    make_user(session, Role.BUYER, org=org, email="li.admin@known.cn", org_admin=True)
    web.get("/lang/en")
    resp = web.post(
        "/register",
        {
            "company_name": "x",
            "uscc": org.uscc,
            "taxpayer_kind": "general",
            "contact_name": "New",
            "phone": "13800138000",
            "email": "new@known.cn",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "already registered (organization: 示例英文提示有限公司)" in text and "l***@known.cn" in text
