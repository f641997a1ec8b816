"""Errors of the reasonable-return report; messages are Chinese and shown to users as they are."""

from marketplace.errors import Conflict, DomainError, NotFound


class ReturnError(DomainError):
    """A cost entry, a report submission or a review was refused."""


__all__ = ["Conflict", "NotFound", "ReturnError"]
