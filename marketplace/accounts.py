"""Account use cases: registration, users, organizations, login."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from marketplace import login_throttle
from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Organization, OrgKind, OrgStatus, Role, User
from marketplace.models.accounts import ROLES_BY_KIND, TaxpayerKind
from marketplace.models.base import utcnow
from marketplace.uscc import make_uscc, validate_uscc
from marketplace.user_sessions import end_user_sessions, is_known_address

LOGIN_MAX_FAILURES = login_throttle.LOCK_AUDIT_AT
BAD_LOGIN = N_("邮箱或密码错误")
PASSWORD_MIN, PASSWORD_MAX = 10, 128
PASSWORD_MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^10 guesses
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class AccountError(DomainError):
    """A registration, login or user-management rule was broken."""


class LoginThrottled(AccountError):
    """Too many failed logins: this attempt must wait `retry_after` seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


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


def check_password(password: str, *, user_inputs: tuple[str, ...] = (), field: str = "password") -> None:
    """PASSWORD_MIN..PASSWORD_MAX characters and hard to guess (zxcvbn score ≥ PASSWORD_MIN_SCORE)."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise AccountError(N_("密码至少 10 位。建议用三四个不相关的词加数字或符号组成一句好记的口令"), field=field)
    if len(password) > PASSWORD_MAX:
        raise AccountError(N_("密码不能超过 128 位"), field=field)
    estimate = zxcvbn(password, user_inputs=[u for u in user_inputs if u], max_length=PASSWORD_MAX)
    if estimate["score"] < PASSWORD_MIN_SCORE:
        raise AccountError(N_("密码太容易被猜到：请不要用常见密码、键盘顺序、重复字符、姓名、邮箱或日期；"
                              "建议用三四个不相关的词加数字或符号组成一句好记的口令"), field=field)


def check_phone(phone: str) -> str:
    """A mainland mobile or landline number."""
    phone = (phone or "").strip().replace(" ", "")
    if not PHONE_RE.match(phone):
        raise AccountError(N_("请输入有效的手机号或固定电话（如 13800138000 或 0591-87654321）"), field="phone")
    return phone


def _require_text(value: str, field: str, label: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value:
        raise AccountError(N_("请填写%(label)s"), params={"label": label}, field=field)
    if len(value) > max_len:
        raise AccountError(N_("%(label)s不能超过 %(max_len)s 个字符"),
                           params={"label": label, "max_len": max_len}, field=field)
    return value


def _email_free(session: Session, email: str) -> None:
    if session.execute(select(User.id).where(User.email == email)).first():
        raise AccountError(N_("该邮箱已注册"), field="email")


def mask_email(email: str) -> str:
    """An address shown to someone who does not own it: first letter and domain only (z***@example.cn)."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class AlreadyRegistered(AccountError):
    """The company is registered already: whom to ask for an invitation (params fill the message)."""

    def __init__(self, message: str, *, org_name: str, admins: str = ""):
        super().__init__(message, field="uscc")
        self.params = {"org": org_name, "admins": admins}


def _already_registered(session: Session, org: Organization) -> AlreadyRegistered:
    """Whom to ask when a company registers again: its name and its admins' masked addresses."""
    admins = session.execute(select(User.email).where(User.org_id == org.id, User.org_admin.is_(True),
                                                      User.active.is_(True)).order_by(User.id)).scalars().all()
    if not admins:
        return AlreadyRegistered(N_("该统一社会信用代码已注册（单位：%(org)s），但该单位暂无可用的单位管理员，"
                                    "请联系交易所客服核实后添加账号"), org_name=org.name)
    return AlreadyRegistered(N_("该统一社会信用代码已注册（单位：%(org)s）。请联系贵单位的单位管理员（%(admins)s）"
                                "在“单位成员”页面向您的邮箱发送邀请链接，打开链接设置密码即可加入"),
                             org_name=org.name, admins=", ".join(mask_email(a) for a in admins[:3]))


def register_enterprise(session: Session, *, data: EnterpriseIn) -> User:
    """Create a pending enterprise and its first buyer user, all or nothing."""
    name = _require_text(data.company_name, "company_name", "企业名称", 200)
    uscc = validate_uscc(data.uscc)
    contact = _require_text(data.contact_name, "contact_name", "联系人", 100)
    phone = check_phone(data.phone)
    email = normalize_email(data.email)
    check_password(data.password, user_inputs=(email, name, contact, uscc, phone))
    existing = session.execute(select(Organization).where(Organization.uscc == uscc)).scalar_one_or_none()
    if existing is not None:
        raise _already_registered(session, existing)
    _email_free(session, email)
    org = Organization(
        name=name, uscc=uscc, kind=OrgKind.ENTERPRISE, contact_name=contact, phone=phone,
        email=email, taxpayer_kind=TaxpayerKind(data.taxpayer_kind),
    )
    session.add(org)
    session.flush()
    user = User(email=email, password_hash=generate_password_hash(data.password), name=contact,
                phone=phone, role=Role.BUYER, org_id=org.id, org_admin=True)
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
        raise AccountError(N_("未知的组织类型：%(kind)s"), params={"kind": kind}, field="org_kind") from None
    org = Organization(name=name.strip(), uscc=code, kind=org_kind, status=OrgStatus.VERIFIED,
                       verified_at=utcnow())
    session.add(org)
    session.flush()
    record_audit(session, actor=actor, action="org.create", object_type="organization", object_id=org.id,
                 after={"name": org.name, "uscc": code, "kind": org_kind})
    return org


EXCHANGE_DEFAULT_NAME = "公共数据交易中心"
# The code given to the exchange's own organization when the first admin is bootstrapped without one
# (the CLI passes EXCHANGE_USCC from the environment instead when it is set).
EXCHANGE_PLACEHOLDER_PREFIX = "12000000000000000"


def exchange_org_for(session: Session, *, actor: Actor, role: str, name: str | None = None,
                     uscc: str | None = None) -> Organization:
    """The exchange's own organization for a staff role, created on an empty exchange (bootstrap)."""
    if role not in {r.value for r in ROLES_BY_KIND[OrgKind.EXCHANGE]}:
        raise AccountError(N_("请用 --org-code 指定组织的统一社会信用代码（不带 --org-code 只能创建交易所员工）"),
                           field="org_code")
    found = session.execute(select(Organization).where(Organization.kind == OrgKind.EXCHANGE)
                            .order_by(Organization.id)).scalars().all()
    if len(found) > 1:
        raise AccountError(N_("有多个交易所组织，请用 --org-code 指定"), field="org_code")
    if found:
        return found[0]
    code = uscc or make_uscc(EXCHANGE_PLACEHOLDER_PREFIX)
    return find_or_create_org(session, actor=actor, uscc=code, name=name or EXCHANGE_DEFAULT_NAME,
                              kind=OrgKind.EXCHANGE.value)


def create_user(session: Session, *, actor: Actor, email: str, password: str, role: str, org: Organization,
                name: str = "") -> User:
    """Add a user with one role to an organization whose kind allows that role."""
    email = normalize_email(email)
    check_password(password, user_inputs=(email, name))
    try:
        role_v = Role(role)
    except ValueError:
        raise AccountError(N_("未知角色：%(role)s（可选：%(choices)s）"),
                           params={"role": role, "choices": ', '.join(r.value for r in Role)}, field="role") from None
    if role_v not in ROLES_BY_KIND[org.kind]:
        raise AccountError(N_("%(kind)s 类型的组织不能有 %(role)s 角色的用户"),
                           params={"kind": org.kind.value, "role": role_v.value}, field="role")
    _email_free(session, email)
    first = session.execute(select(User.id).where(User.org_id == org.id).limit(1)).first() is None
    user = User(email=email, password_hash=generate_password_hash(password), name=name or email.split("@")[0],
                role=role_v, org_id=org.id, org_admin=first)
    session.add(user)
    session.flush()
    record_audit(session, actor=actor, action="user.create", object_type="user", object_id=user.id,
                 org_id=org.id, after={"email": email, "role": role_v, "org": org.uscc, "org_admin": first})
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
        raise AccountError(N_("%(name)s 的用户不能担任该角色"), params={"name": org.name}, field="role")
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
    if not active:
        end_user_sessions(session, user_id=user.id, reason="disabled")
    record_audit(session, actor=actor, action="user.enable" if active else "user.disable", object_type="user",
                 object_id=user.id, org_id=user.org_id, before={"active": not active}, after={"active": active})
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str, ip: str,
                 now: datetime | None = None) -> User | None:
    """The user when e-mail and password fit, None after recording a failure; LoginThrottled while it must wait.

    A wrong password is an outcome, not an error: the caller commits either way so the failure counts.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()[:254]
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    known = user is not None and is_known_address(session, user_id=user.id, ip=ip)
    wait = login_throttle.login_wait(session, email=email, ip=ip, known_address=known, now=now)
    if wait:
        raise LoginThrottled(N_("登录失败次数过多，请 %(seconds)s 秒后再试"), retry_after=wait)
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        failures = login_throttle.record_failure(session, email=email, ip=ip, now=now)
        if failures == login_throttle.LOCK_AUDIT_AT:
            record_audit(session, actor=Actor(None, email or "anonymous"), action="auth.login_locked",
                         object_type="user", object_id=user.id if user else "",
                         after={"email": email, "ip": ip, "failures": failures})
        return None
    user.last_login_at = now
    record_audit(session, actor=Actor(user.id, user.email, user.org_id), action="auth.login",
                 object_type="user", object_id=user.id, after={"ip": ip})
    session.flush()
    return user


def change_password(session: Session, *, actor: Actor, user_id: int, current: str, new: str,
                    keep_token: str | None) -> User:
    """Replace a password after checking the current one; ends the user's other sessions."""
    user = get_user(session, user_id)
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(N_("当前密码不正确"), field="current_password")
    check_password(new, user_inputs=(user.email, user.name), field="new_password")
    user.password_hash = generate_password_hash(new)
    ended = end_user_sessions(session, user_id=user.id, reason="password_change", keep_token=keep_token)
    record_audit(session, actor=actor, action="user.password_change", object_type="user", object_id=user.id,
                 org_id=user.org_id, after={"other_sessions_ended": ended})
    session.flush()
    return user


def sign_out_everywhere(session: Session, *, actor: Actor, user_id: int) -> int:
    """End every session of the user, this one included."""
    ended = end_user_sessions(session, user_id=user_id, reason="sign_out_everywhere")
    record_audit(session, actor=actor, action="user.sign_out_everywhere", object_type="user", object_id=user_id,
                 after={"sessions_ended": ended})
    return ended
