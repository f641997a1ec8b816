"""Organizations, users and login throttling."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from marketplace.models.base import enum_type, utcnow


class OrgKind(StrEnum):
    AUTHORITY = "authority"
    OPERATOR = "operator"
    BROKER = "broker"
    ENTERPRISE = "enterprise"
    EXCHANGE = "exchange"


class OrgStatus(StrEnum):
    PENDING = "pending"  # 实名待审核
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class TaxpayerKind(StrEnum):
    GENERAL = "general"  # 一般纳税人, VAT 6%
    SMALL = "small"  # 小规模纳税人, VAT 1%


class Role(StrEnum):
    BUYER = "buyer"
    BROKER = "broker"
    OPERATOR = "operator"
    AUTHORITY = "authority"
    REVIEWER = "reviewer"
    FINANCE = "finance"
    ADMIN = "admin"


# Which roles a user of each kind of organization may hold.
ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.ENTERPRISE: (Role.BUYER,),
    OrgKind.BROKER: (Role.BROKER,),
    OrgKind.OPERATOR: (Role.OPERATOR,),
    OrgKind.AUTHORITY: (Role.AUTHORITY,),
    OrgKind.EXCHANGE: (Role.REVIEWER, Role.FINANCE, Role.ADMIN),
}


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, unique=True, index=True)
    kind: OrgKind = Field(sa_type=enum_type(OrgKind), index=True)
    status: OrgStatus = Field(default=OrgStatus.PENDING, sa_type=enum_type(OrgStatus))
    taxpayer_kind: TaxpayerKind = Field(default=TaxpayerKind.GENERAL, sa_type=enum_type(TaxpayerKind))
    contact_name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=300)
    status_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    verified_at: datetime | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=300)
    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    role: Role = Field(sa_type=enum_type(Role))
    org_id: int = Field(foreign_key="organization.id", index=True)
    active: bool = True
    org_admin: bool = False  # 单位管理员: invites colleagues, gives roles, disables logins in its organization
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class OrgInvitation(SQLModel, table=True):
    """An org admin's invitation of a colleague: a single-use link that expires; only its hash is stored."""

    __tablename__ = "org_invitation"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    email: str = Field(max_length=254, index=True)
    role: Role = Field(sa_type=enum_type(Role))
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the random token in the link
    invited_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_user_id: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login; recent rows throttle further attempts."""

    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)


class UserSession(SQLModel, table=True):
    """One signed-in browser session; ending the row ends the session on the server, whatever the cookie says."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the random token kept in the signed cookie
    ip: str = Field(default="", max_length=64, index=True)  # the client address it signed in from
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    end_reason: str = Field(default="", max_length=40)
