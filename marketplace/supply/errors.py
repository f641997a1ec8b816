"""Errors of the supply side; messages are Chinese and shown to users as they are."""

from marketplace.errors import Conflict, DomainError, NotFound


class SupplyError(DomainError):
    """A supply rule (R2, R3, R5, R6) or a form value was refused."""


class ListingRefused(SupplyError):
    """A listing cannot be submitted or approved: the failing checks are in the message."""

    def __init__(self, message: str, *, checks: list[dict] | None = None, field: str | None = None,
                 errors: list[DomainError] | None = None):
        super().__init__(message, field=field)
        self.checks = checks or []
        self.errors = errors or []  # one refusal per failing check, each a template with its values


__all__ = ["Conflict", "DomainError", "ListingRefused", "NotFound", "SupplyError"]
