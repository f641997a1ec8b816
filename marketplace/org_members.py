"""An organization's own user management: its admins (单位管理员) invite colleagues, give roles, disable logins.

An invitation is a single-use link that expires; only the SHA-256 of its token is stored. The roles an
invitee may get are those allowed for the organization's kind (models.accounts.ROLES_BY_KIND).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session
from werkzeug.security import generate_password_hash

from marketplace import accounts
from marketplace.audit import Actor, record_audit
from marketplace.clock import now
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import AuditRecord, Organization, OrgInvitation, OrgStatus, Role, User
from marketplace.models.accounts import ROLES_BY_KIND, TaxpayerKind
from marketplace.uscc import validate_uscc

INVITATION_DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def allowed_roles(org: Organization) -> tuple[Role, ...]:
    """The roles a user of this organization may hold."""
    return ROLES_BY_KIND[org.kind]


def require_org_admin(session: Session, actor: Actor) -> User:
    """The acting user when it is an active admin of its organization, else Forbidden."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or not user.active or not user.org_admin:
        raise Forbidden(N_("只有单位管理员可以管理本单位的账号"))
    return user


def _may_give(admin: User, role: Role) -> None:
    """The exchange-wide admin role is given only by someone who holds it."""
    if role == Role.ADMIN and admin.role != Role.ADMIN:
        raise accounts.AccountError(N_("只有交易所管理员可以授予管理员角色"), field="role")


def _member(session: Session, admin: User, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.org_id != admin.org_id:
        raise NotFound(N_("用户不存在"))
    return user


def active_admin_count(session: Session, org_id: int) -> int:
    """How many active organization admins the organization has."""
    return session.execute(
        select(func.count())
        .select_from(User)
        .where(User.org_id == org_id, User.org_admin.is_(True), User.active.is_(True))
    ).scalar_one()


def members(session: Session, org_id: int) -> list[User]:
    """The organization's users, admins first."""
    return list(
        session.execute(select(User).where(User.org_id == org_id).order_by(User.org_admin.desc(), User.id)).scalars()
    )


def open_invitations(session: Session, org_id: int) -> list[OrgInvitation]:
    """Invitations neither accepted, revoked nor expired, newest first."""
    return list(
        session.execute(
            select(OrgInvitation)
            .where(
                OrgInvitation.org_id == org_id,
                OrgInvitation.accepted_at.is_(None),
                OrgInvitation.revoked_at.is_(None),
                OrgInvitation.expires_at > now(),
            )
            .order_by(OrgInvitation.id.desc())
        ).scalars()
    )


def org_admins(session: Session, org_id: int) -> list[User]:
    """The active admins of an organization (whom to ask for an invitation)."""
    return list(
        session.execute(
            select(User).where(User.org_id == org_id, User.org_admin.is_(True), User.active.is_(True)).order_by(User.id)
        ).scalars()
    )


def invite(session: Session, *, actor: Actor, email: str, role: str) -> tuple[OrgInvitation, str]:
    """Invite a colleague with a role allowed for the organization; returns the invitation and its token.

    An earlier open invitation of the same address is revoked, so only the newest link works.
    """
    admin = require_org_admin(session, actor)
    org = accounts.get_org(session, admin.org_id)
    email = accounts.normalize_email(email)
    try:
        role_v = Role(role)
    except ValueError:
        raise accounts.AccountError(N_("请选择角色"), field="role") from None
    if role_v not in allowed_roles(org):
        raise accounts.AccountError(N_("该角色不适用于本单位的类型"), field="role")
    _may_give(admin, role_v)
    if session.execute(select(User.id).where(User.email == email)).first():
        raise accounts.AccountError(N_("该邮箱已注册"), field="email")
    at = now()
    replaced = []
    for old in session.execute(
        select(OrgInvitation).where(
            OrgInvitation.org_id == org.id,
            OrgInvitation.email == email,
            OrgInvitation.accepted_at.is_(None),
            OrgInvitation.revoked_at.is_(None),
        )
    ).scalars():
        old.revoked_at = at
        replaced.append(old.id)
    token = secrets.token_urlsafe(32)
    invitation = OrgInvitation(
        org_id=org.id,
        email=email,
        role=role_v,
        token_hash=_hash(token),
        invited_by=admin.id,
        created_at=at,
        expires_at=at + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="org.invite",
        object_type="org_invitation",
        object_id=invitation.id,
        org_id=org.id,
        after={"email": email, "role": role_v, "expires_at": invitation.expires_at.isoformat(), "replaces": replaced},
    )
    session.flush()
    return invitation, token


def revoke_invitation(session: Session, *, actor: Actor, invitation_id: int) -> OrgInvitation:
    """Withdraw an invitation that has not been used yet."""
    admin = require_org_admin(session, actor)
    invitation = session.get(OrgInvitation, invitation_id)
    if invitation is None or invitation.org_id != admin.org_id:
        raise NotFound(N_("邀请不存在"))
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict(N_("该邀请已使用或已撤销"))
    invitation.revoked_at = now()
    record_audit(
        session,
        actor=actor,
        action="org.invite_revoke",
        object_type="org_invitation",
        object_id=invitation.id,
        org_id=admin.org_id,
        after={"email": invitation.email},
    )
    session.flush()
    return invitation


def invitation_for(session: Session, token: str) -> OrgInvitation:
    """The invitation of a link while it can still be accepted; says why not otherwise."""
    invitation = (
        session.execute(
            select(OrgInvitation).where(OrgInvitation.token_hash == _hash(token or ""))
        ).scalar_one_or_none()
        if token
        else None
    )
    if invitation is None:
        raise NotFound(N_("邀请链接无效"))
    if invitation.accepted_at:
        raise Conflict(N_("该邀请链接已使用过。如已设置密码，请直接登录"))
    if invitation.revoked_at:
        raise Conflict(N_("该邀请已被撤销，请联系单位管理员重新邀请"))
    if invitation.expires_at <= now():
        raise Conflict(N_("该邀请已过期，请联系单位管理员重新邀请"))
    return invitation


def accept_invitation(session: Session, *, token: str, name: str, password: str) -> User:
    """The invitee sets a name and password and joins the organization with the invited role."""
    invitation = invitation_for(session, token)
    org = accounts.get_org(session, invitation.org_id)
    name = (name or "").strip()
    if not name:
        raise accounts.AccountError(N_("请填写姓名"), field="name")
    if len(name) > 100:
        raise accounts.AccountError(N_("姓名不能超过 100 个字符"), field="name")
    accounts.check_password(password, user_inputs=(invitation.email, name, org.name))
    if session.execute(select(User.id).where(User.email == invitation.email)).first():
        raise accounts.AccountError(N_("该邮箱已注册，请直接登录"))
    user = User(
        email=invitation.email,
        password_hash=generate_password_hash(password),
        name=name,
        role=invitation.role,
        org_id=org.id,
    )
    session.add(user)
    session.flush()
    invitation.accepted_at, invitation.accepted_user_id = now(), user.id
    record_audit(
        session,
        actor=Actor(user.id, user.email, org.id),
        action="org.invite_accept",
        object_type="user",
        object_id=user.id,
        org_id=org.id,
        after={"email": user.email, "role": user.role, "invitation": invitation.id},
    )
    session.flush()
    return user


def set_member_role(session: Session, *, actor: Actor, user_id: int, role: str) -> User:
    """Give a colleague another role allowed for the organization's kind."""
    admin = require_org_admin(session, actor)
    user = _member(session, admin, user_id)
    if role in {r.value for r in Role}:
        _may_give(admin, Role(role))
    return accounts.change_user_role(session, actor=actor, user_id=user.id, role=role)


def set_member_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> User:
    """Disable (its sessions end) or re-enable a colleague's login; never oneself, never the last admin."""
    admin = require_org_admin(session, actor)
    user = _member(session, admin, user_id)
    if not active and user.org_admin and user.active and active_admin_count(session, user.org_id) <= 1:
        raise Conflict(N_("不能停用本单位最后一位管理员"))
    return accounts.set_user_active(session, actor=actor, user_id=user.id, active=active)


def set_member_admin(session: Session, *, actor: Actor, user_id: int, org_admin: bool) -> User:
    """Make a colleague an organization admin, or take it back (never from the last one)."""
    admin = require_org_admin(session, actor)
    user = _member(session, admin, user_id)
    if user.org_admin == org_admin:
        raise Conflict(N_("该用户已是单位管理员") if org_admin else N_("该用户不是单位管理员"))
    if org_admin and not user.active:
        raise Conflict(N_("已停用的账号不能设为单位管理员"))
    if not org_admin and active_admin_count(session, user.org_id) <= 1:
        raise Conflict(N_("本单位至少要有一位管理员：请先指定另一位管理员"))
    user.org_admin = org_admin
    record_audit(
        session,
        actor=actor,
        action="user.org_admin_grant" if org_admin else "user.org_admin_revoke",
        object_type="user",
        object_id=user.id,
        org_id=user.org_id,
        before={"org_admin": not org_admin},
        after={"org_admin": org_admin},
    )
    session.flush()
    return user


# --- a rejected registration, corrected and resubmitted -------------------------------------------------------

ORG_DETAIL_FIELDS = ("name", "uscc", "contact_name", "phone", "email", "address", "taxpayer_kind")
HISTORY_ACTIONS = (
    "org.register",
    "org.create",
    "org.resubmit",
    "org.verified",
    "org.rejected",
    "org.suspended",
    "org.pending",
)


@dataclass(frozen=True)
class OrgDetailsIn:
    """What the applicant corrects before resubmitting."""

    name: str
    uscc: str
    contact_name: str
    phone: str
    email: str
    address: str = ""
    taxpayer_kind: str = TaxpayerKind.GENERAL


def _text(value: str, field: str, message: str, max_len: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise accounts.AccountError(message, field=field)
    if len(value) > max_len:
        raise accounts.AccountError(N_("内容过长"), field=field)
    return value


def resubmit_registration(session: Session, *, actor: Actor, data: OrgDetailsIn) -> Organization:
    """The org admin corrects a rejected organization's details; it goes back to review (pending)."""
    admin = require_org_admin(session, actor)
    org = accounts.get_org(session, admin.org_id)
    if org.status != OrgStatus.REJECTED:
        raise Conflict(N_("只有被驳回的实名信息可以修改后重新提交"))
    new = {
        "name": _text(data.name, "name", N_("请填写单位名称"), 200),
        "uscc": validate_uscc(data.uscc),
        "contact_name": _text(data.contact_name, "contact_name", N_("请填写联系人"), 100),
        "phone": accounts.check_phone(data.phone),
        "email": accounts.normalize_email(data.email),
        "address": _text(data.address, "address", "", 300, required=False),
        "taxpayer_kind": TaxpayerKind(data.taxpayer_kind),
    }
    if (
        new["uscc"] != org.uscc
        and session.execute(select(Organization.id).where(Organization.uscc == new["uscc"])).first()
    ):
        raise accounts.AccountError(N_("该统一社会信用代码已被其他单位注册"), field="uscc")
    changed = {k: v for k, v in new.items() if getattr(org, k) != v}
    before = {k: getattr(org, k) for k in changed}
    for key, value in changed.items():
        setattr(org, key, value)
    rejected_for = org.status_note
    org.status, org.status_note = OrgStatus.PENDING, ""
    record_audit(
        session,
        actor=actor,
        action="org.resubmit",
        object_type="organization",
        object_id=org.id,
        org_id=org.id,
        before={**before, "status": OrgStatus.REJECTED, "note": rejected_for},
        after={**changed, "status": OrgStatus.PENDING},
    )
    session.flush()
    return org


@dataclass(frozen=True)
class HistoryEntry:
    """One submission or decision on an organization's real-name verification."""

    at: datetime
    action: str
    actor: str
    note: str
    changes: dict


def registration_history(session: Session, org_id: int) -> list[HistoryEntry]:
    """Each submission and each decision on the organization, oldest first, from the audit trail."""
    rows = session.execute(
        select(AuditRecord)
        .where(
            AuditRecord.object_type == "organization",
            AuditRecord.object_id == str(org_id),
            AuditRecord.action.in_(HISTORY_ACTIONS),
        )
        .order_by(AuditRecord.id)
    ).scalars()
    entries = []
    for row in rows:
        summary = json.loads(row.summary) if row.summary else {}
        before, after = summary.get("before") or {}, summary.get("after") or {}
        changes = {
            k: (before.get(k), v) for k, v in after.items() if k in ORG_DETAIL_FIELDS and row.action == "org.resubmit"
        }
        note = after.get("note", "") if row.action != "org.resubmit" else ""
        entries.append(
            HistoryEntry(at=row.at, action=row.action, actor=row.actor_label, note=note or "", changes=changes)
        )
    return entries


def resubmitted_ids(session: Session, org_ids: list[int]) -> set[int]:
    """Which of these organizations were resubmitted after a rejection at least once."""
    if not org_ids:
        return set()
    rows = session.execute(
        select(AuditRecord.object_id)
        .where(
            AuditRecord.object_type == "organization",
            AuditRecord.action == "org.resubmit",
            AuditRecord.object_id.in_([str(i) for i in org_ids]),
        )
        .distinct()
    ).scalars()
    return {int(r) for r in rows}
