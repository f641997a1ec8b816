"""Errors of the billing domain."""

from marketplace.errors import DomainError


class BillingError(DomainError):
    """A billing rule was broken (bad period, wrong amount, a bill that cannot be paid)."""
