"""All tables. Importing this package registers every table on SQLModel.metadata."""

from marketplace.models.accounts import LoginFailure, Organization, OrgKind, OrgStatus, Role, User
from marketplace.models.audit import AuditRecord

__all__ = [
    "AuditRecord",
    "LoginFailure",
    "OrgKind",
    "OrgStatus",
    "Organization",
    "Role",
    "User",
]
