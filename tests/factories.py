"""Small helpers that build test data through the real use cases where one exists."""

from __future__ import annotations

import itertools

from sqlmodel import Session
from werkzeug.security import generate_password_hash

from marketplace.models import Organization, OrgKind, OrgStatus, Role, User
from marketplace.models.accounts import ROLES_BY_KIND
from marketplace.models.base import utcnow
from marketplace.uscc import make_uscc

PASSWORD = "pass1234"
_seq = itertools.count(1)
# A cheap hash keeps tests fast; the app itself uses Werkzeug's default (scrypt).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
KIND_FOR_ROLE = {role: kind for kind, roles in ROLES_BY_KIND.items() for role in roles}


def new_uscc() -> str:
    """A fresh valid unified social credit code."""
    return make_uscc(f"91350100{next(_seq):09d}")


def make_org(session: Session, kind: OrgKind | str = OrgKind.ENTERPRISE, *, name: str | None = None,
             verified: bool = True) -> Organization:
    """An organization of this kind (verified unless told otherwise)."""
    n = next(_seq)
    org = Organization(name=name or f"测试{OrgKind(kind).value}{n}有限公司", uscc=new_uscc(), kind=OrgKind(kind),
                       status=OrgStatus.VERIFIED if verified else OrgStatus.PENDING,
                       verified_at=utcnow() if verified else None, contact_name="测试", phone="13800138000")
    session.add(org)
    session.commit()
    return org


def make_user(session: Session, role: Role | str, *, org: Organization | None = None, email: str | None = None,
              verified: bool = True) -> User:
    """A user with this role, in a new organization of the matching kind unless one is given."""
    role = Role(role)
    org = org or make_org(session, KIND_FOR_ROLE[role], verified=verified)
    user = User(email=email or f"{role.value}{next(_seq)}@test.cn", password_hash=_HASH, name=f"测试{role.value}",
                role=role, org_id=org.id)
    session.add(user)
    session.commit()
    return user
