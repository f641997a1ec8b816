"""Charge forms allowed by the pricing notice (R2), their labels and groupings."""

from __future__ import annotations

from enum import StrEnum

from pricing.errors import N_  # noqa: F401  (re-exported: the label marker of the pricing package)


class ChargeForm(StrEnum):
    """How a product is charged (收费方式)."""

    ONE_OFF = "one_off"
    SUBSCRIPTION_MONTH = "subscription_month"
    SUBSCRIPTION_YEAR = "subscription_year"
    PER_CALL_FLAT = "per_call_flat"
    PER_CALL_GRADUATED = "per_call_graduated"
    PER_CALL_VOLUME = "per_call_volume"
    PREPAID_CALLS = "prepaid_calls"
    PER_RECORD = "per_record"
    NEGOTIATED = "negotiated"
    FREE_PUBLIC = "free_public"


CHARGE_FORM_LABELS: dict[ChargeForm, str] = {
    ChargeForm.ONE_OFF: N_("一次性买断"),
    ChargeForm.SUBSCRIPTION_MONTH: N_("按月订阅"),
    ChargeForm.SUBSCRIPTION_YEAR: N_("按年订阅"),
    ChargeForm.PER_CALL_FLAT: N_("按次计费"),
    ChargeForm.PER_CALL_GRADUATED: N_("累进阶梯计费"),
    ChargeForm.PER_CALL_VOLUME: N_("阶梯总量计费"),
    ChargeForm.PREPAID_CALLS: N_("预付费次数包"),
    ChargeForm.PER_RECORD: N_("按数据量计费"),
    ChargeForm.NEGOTIATED: N_("面议"),
    ChargeForm.FREE_PUBLIC: N_("公益免费"),
}

TIERED_FORMS = frozenset({ChargeForm.PER_CALL_GRADUATED, ChargeForm.PER_CALL_VOLUME})
UNIT_PRICED_FORMS = frozenset({ChargeForm.PER_CALL_FLAT, ChargeForm.PER_RECORD})
PACKAGE_PRICED_FORMS = frozenset(
    {
        ChargeForm.ONE_OFF,
        ChargeForm.SUBSCRIPTION_MONTH,
        ChargeForm.SUBSCRIPTION_YEAR,
        ChargeForm.PREPAID_CALLS,
    }
)
# Subscriptions may include calls per month (free_quota) with an overage price per call beyond them (unit_price_fen).
OVERAGE_FORMS = frozenset({ChargeForm.SUBSCRIPTION_MONTH, ChargeForm.SUBSCRIPTION_YEAR})
METERED_FORMS = TIERED_FORMS | UNIT_PRICED_FORMS | {ChargeForm.PREPAID_CALLS}
SUBSCRIPTION_MONTHS = {
    ChargeForm.SUBSCRIPTION_MONTH: 1,
    ChargeForm.SUBSCRIPTION_YEAR: 12,
}
# Unit shown after a price in messages; one-off has none.
PRICE_UNITS = {
    ChargeForm.SUBSCRIPTION_MONTH: N_("/月"),
    ChargeForm.SUBSCRIPTION_YEAR: N_("/年"),
    ChargeForm.PER_CALL_FLAT: N_("/次"),
    ChargeForm.PER_CALL_GRADUATED: N_("/次"),
    ChargeForm.PER_CALL_VOLUME: N_("/次"),
    ChargeForm.PREPAID_CALLS: N_("/包"),
    ChargeForm.PER_RECORD: N_("/条"),
}


def is_metered(form: ChargeForm | str) -> bool:
    """Whether the form counts calls or records (per call, prepaid, per record)."""
    return ChargeForm(form) in METERED_FORMS


def is_quoted(form: ChargeForm | str) -> bool:
    """Whether the form has no public price and is sold through quotes (面议)."""
    return ChargeForm(form) is ChargeForm.NEGOTIATED
