"""Errors of the pricing domain; messages are Chinese and safe to show to users."""

from __future__ import annotations

from decimal import Decimal


class PricingError(Exception):
    """Base error of the pricing domain; `.message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def text(self) -> str:
        """The message as shown (pricing messages carry their values already), like DomainError.text."""
        return self.message


class InvalidPlan(PricingError):
    """The terms of a price plan are inconsistent (e.g. tiers out of order)."""


class CapExceeded(PricingError):
    """A price, tier, package or quote is above the cap set by the authority (R3)."""

    def __init__(
        self, message: str, *, price_fen: Decimal, cap_fen: Decimal, unit: str = ""
    ) -> None:
        super().__init__(message)
        self.price_fen = price_fen
        self.cap_fen = cap_fen
        self.unit = unit
