"""The signed-in user as Flask-Login sees it: a detached snapshot, not a table row."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from marketplace.audit import Actor
from marketplace.models import Organization, OrgStatus, Role, User


@dataclass
class CurrentUser(UserMixin):
    id: int
    email: str
    name: str
    role: Role
    org_id: int
    org_name: str
    org_kind: str
    org_status: OrgStatus
    active: bool
    org_admin: bool = False  # 单位管理员 of its organization
    session_token: str = ""  # the server-side session (user_sessions) this browser signed in with

    @classmethod
    def of(cls, user: User, org: Organization, session_token: str = "") -> CurrentUser:
        """Snapshot a user row and its organization."""
        return cls(id=user.id, email=user.email, name=user.name, role=user.role, org_id=org.id,
                   org_name=org.name, org_kind=org.kind, org_status=org.status, active=user.active,
                   org_admin=user.org_admin, session_token=session_token)

    def get_id(self) -> str:
        """What the signed cookie keeps: the user id and the session token, so the server can end it."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def actor(self) -> Actor:
        """This user as the actor of a use case."""
        return Actor(user_id=self.id, label=self.email, org_id=self.org_id)

    @property
    def verified(self) -> bool:
        return self.org_status == OrgStatus.VERIFIED
