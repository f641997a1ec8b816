"""Errors of the pricing domain; messages are Chinese and safe to show to users."""

from __future__ import annotations

from decimal import Decimal


def N_(text: str) -> str:  # noqa: N802  (gettext convention)
    """Mark a message or label for extraction (`pybabel -k N_`); the web layer translates it at display."""
    return text


class Msg:
    """A Chinese text filled from a marked template (a value of another message, e.g. "第2档单价"); str() gives
    the Chinese, the web layer translates `message` with `params` like an error's."""

    def __init__(self, message: str, **params) -> None:
        self.message, self.params = message, params

    @property
    def text(self) -> str:
        """The Chinese text with its values filled."""
        return self.message % self.params

    def __str__(self) -> str:
        return self.text


class PricingError(Exception):
    """Base error of the pricing domain; `.message` is shown to the user."""

    def __init__(self, message: str, *, params: dict | None = None) -> None:
        super().__init__(message % params if params else message)
        self.message = message  # a template with %(name)s placeholders when params are given
        self.params = params

    @property
    def text(self) -> str:
        """The Chinese message with its values filled, like DomainError.text (the web layer translates)."""
        return self.message % self.params if self.params else self.message


class InvalidPlan(PricingError):
    """The terms of a price plan are inconsistent (e.g. tiers out of order)."""


class CapExceeded(PricingError):
    """A price, tier, package or quote is above the cap set by the authority (R3)."""

    def __init__(
        self, message: str, *, price_fen: Decimal, cap_fen: Decimal, unit: str = "", params: dict | None = None
    ) -> None:
        super().__init__(message, params=params)
        self.price_fen = price_fen
        self.cap_fen = cap_fen
        self.unit = unit
