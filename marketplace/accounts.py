"""Account use cases: registration, users, organizations, login."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import LoginFailure, Organization, OrgKind, OrgStatus, Role, User
from marketplace.models.accounts import ROLES_BY_KIND, TaxpayerKind
from marketplace.models.base import utcnow
from marketplace.uscc import validate_uscc

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class AccountError(DomainError):
    """A registration, login or user-management rule was broken."""


class LoginThrottled(AccountError):
    """Too many failed logins for this address."""

    status = 429


@dataclass(frozen=True)
class EnterpriseIn:
    """What a company enters to register."""

    company_name: str
    uscc: str
    contact_name: str
    phone: str
    email: str
    password: str
    taxpayer_kind: str = TaxpayerKind.GENERAL


def normalize_email(raw: str) -> str:
    """Validate syntax (no DNS) and lower-case the address."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError(N_("邮箱格式不正确"), field="email") from None


def check_password(password: str) -> None:
    """At least 8 characters with a letter and a digit."""
    if len(password or "") < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise AccountError(N_("密码至少 8 位，且须同时包含字母和数字"), field="password")


def check_phone(phone: str) -> str:
    """A mainland mobile or landline number."""
    phone = (phone or "").strip().replace(" ", "")
    if not PHONE_RE.match(phone):
        raise AccountError(N_("请输入有效的手机号或固定电话（如 13800138000 或 0591-87654321）"), field="phone")
    return phone


def _require_text(value: str, field: str, label: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value:
        raise AccountError(f"请填写{label}", field=field)
    if len(value) > max_len:
        raise AccountError(f"{label}不能超过 {max_len} 个字符", field=field)
    return value


def _email_free(session: Session, email: str) -> None:
    if session.execute(select(User.id).where(User.email == email)).first():
        raise AccountError(N_("该邮箱已注册"), field="email")


def register_enterprise(session: Session, *, data: EnterpriseIn) -> User:
    """Create a pending enterprise and its first buyer user, all or nothing."""
    name = _require_text(data.company_name, "company_name", "企业名称", 200)
    uscc = validate_uscc(data.uscc)
    contact = _require_text(data.contact_name, "contact_name", "联系人", 100)
    phone = check_phone(data.phone)
    email = normalize_email(data.email)
    check_password(data.password)
    if session.execute(select(Organization.id).where(Organization.uscc == uscc)).first():
        raise AccountError(N_("该统一社会信用代码已注册，请由贵单位管理员添加账号"), field="uscc")
    _email_free(session, email)
    org = Organization(
        name=name, uscc=uscc, kind=OrgKind.ENTERPRISE, contact_name=contact, phone=phone,
        email=email, taxpayer_kind=TaxpayerKind(data.taxpayer_kind),
    )
    session.add(org)
    session.flush()
    user = User(email=email, password_hash=generate_password_hash(data.password), name=contact,
                phone=phone, role=Role.BUYER, org_id=org.id)
    session.add(user)
    session.flush()
    actor = Actor(user_id=user.id, label=email, org_id=org.id)
    record_audit(session, actor=actor, action="org.register", object_type="organization",
                 object_id=org.id, after={"name": name, "uscc": uscc, "status": org.status})
    session.flush()
    return user


def find_or_create_org(
    session: Session, *, actor: Actor, uscc: str, name: str | None, kind: str | None
) -> Organization:
    """The organization with this code, created (verified) when it does not exist yet."""
    code = validate_uscc(uscc)
    org = session.execute(select(Organization).where(Organization.uscc == code)).scalar_one_or_none()
    if org:
        return org
    if not name or not kind:
        raise AccountError(N_("组织不存在：新建组织需同时提供名称和类型"), field="org_code")
    try:
        org_kind = OrgKind(kind)
    except ValueError:
        raise AccountError(f"未知的组织类型：{kind}", field="org_kind") from None
    org = Organization(name=name.strip(), uscc=code, kind=org_kind, status=OrgStatus.VERIFIED,
                       verified_at=utcnow())
    session.add(org)
    session.flush()
    record_audit(session, actor=actor, action="org.create", object_type="organization", object_id=org.id,
                 after={"name": org.name, "uscc": code, "kind": org_kind})
    return org


def create_user(session: Session, *, actor: Actor, email: str, password: str, role: str, org: Organization,
                name: str = "") -> User:
    """Add a user with one role to an organization whose kind allows that role."""
    email = normalize_email(email)
    check_password(password)
    try:
        role_v = Role(role)
    except ValueError:
        raise AccountError(f"未知角色：{role}（可选：{', '.join(r.value for r in Role)}）", field="role") from None
    if role_v not in ROLES_BY_KIND[org.kind]:
        raise AccountError(f"{org.kind.value} 类型的组织不能有 {role_v.value} 角色的用户", field="role")
    _email_free(session, email)
    user = User(email=email, password_hash=generate_password_hash(password), name=name or email.split("@")[0],
                role=role_v, org_id=org.id)
    session.add(user)
    session.flush()
    record_audit(session, actor=actor, action="user.create", object_type="user", object_id=user.id,
                 org_id=org.id, after={"email": email, "role": role_v, "org": org.uscc})
    session.flush()
    return user


def get_org(session: Session, org_id: int) -> Organization:
    """The organization or NotFound."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(N_("组织不存在"))
    return org


def get_user(session: Session, user_id: int) -> User:
    """The user or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("用户不存在"))
    return user


def set_org_status(session: Session, *, actor: Actor, org_id: int, status: str, note: str = "") -> Organization:
    """Verify, reject or suspend an organization (real-name review)."""
    org = get_org(session, org_id)
    new = OrgStatus(status)
    if new == OrgStatus.REJECTED and not note.strip():
        raise AccountError(N_("驳回实名认证时必须填写原因"), field="note")
    if org.status == new:
        raise Conflict(N_("组织已处于该状态"))
    before = org.status
    org.status, org.status_note = new, note.strip()
    org.verified_at = utcnow() if new == OrgStatus.VERIFIED else org.verified_at
    record_audit(session, actor=actor, action=f"org.{new.value}", object_type="organization", object_id=org.id,
                 org_id=org.id, before={"status": before}, after={"status": new, "note": org.status_note})
    session.flush()
    return org


def change_user_role(session: Session, *, actor: Actor, user_id: int, role: str) -> User:
    """Give a user another role allowed for its organization's kind."""
    user = get_user(session, user_id)
    org = get_org(session, user.org_id)
    new = Role(role)
    if new not in ROLES_BY_KIND[org.kind]:
        raise AccountError(f"{org.name} 的用户不能担任该角色", field="role")
    if new == user.role:
        raise Conflict(N_("用户已是该角色"))
    before = user.role
    user.role = new
    record_audit(session, actor=actor, action="user.role_change", object_type="user", object_id=user.id,
                 org_id=org.id, before={"role": before}, after={"role": new})
    session.flush()
    return user


def set_user_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> User:
    """Enable or disable a login."""
    user = get_user(session, user_id)
    if actor.user_id == user.id and not active:
        raise AccountError(N_("不能停用自己的账号"))
    if user.active == active:
        raise Conflict(N_("账号已处于该状态"))
    user.active = active
    record_audit(session, actor=actor, action="user.enable" if active else "user.disable", object_type="user",
                 object_id=user.id, org_id=user.org_id, before={"active": not active}, after={"active": active})
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str, ip: str) -> User:
    """Check a login; count failures and refuse after LOGIN_MAX_FAILURES in LOGIN_WINDOW."""
    email = (email or "").strip().lower()
    since = utcnow() - LOGIN_WINDOW
    failures = session.execute(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.email == email, LoginFailure.at >= since)
    ).scalar_one()
    if failures >= LOGIN_MAX_FAILURES:
        raise LoginThrottled(N_("登录失败次数过多，请 15 分钟后再试"))
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        session.add(LoginFailure(email=email, ip=ip))
        if failures + 1 == LOGIN_MAX_FAILURES:
            record_audit(session, actor=Actor(None, email or "anonymous"), action="auth.login_locked",
                         object_type="user", object_id=user.id if user else "",
                         after={"email": email, "ip": ip, "failures": failures + 1})
        session.flush()
        raise AccountError(N_("邮箱或密码错误"))
    user.last_login_at = utcnow()
    record_audit(session, actor=Actor(user.id, user.email, user.org_id), action="auth.login",
                 object_type="user", object_id=user.id, after={"ip": ip})
    session.flush()
    return user
