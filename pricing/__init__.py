"""Pricing domain: pure Python money, plans, metering, settlement and return rules."""

from pricing.errors import CapExceeded, InvalidPlan, PricingError
from pricing.metering import (
    ChargeLine,
    UsageCharge,
    charge_usage,
    order_amount,
    remaining_calls,
)
from pricing.money import (
    VAT_GENERAL_BPS,
    VAT_SMALL_SCALE_BPS,
    format_fen,
    format_unit_price,
    parse_yuan,
    round_fen,
    split_vat,
    yuan_to_fen,
)
from pricing.plans import (
    CHARGE_FORM_LABELS,
    ChargeForm,
    PlanTerms,
    Tier,
    check_cap,
    check_quote_cap,
    entry_price_fen,
    highest_unit_price,
    is_metered,
    is_quoted,
    lowest_entry_price_fen,
    terms_from_json,
)
from pricing.reasonable_return import (
    ReturnPosition,
    allowed_revenue_fen,
    return_position,
)
from pricing.settlement import Split, allocate, refund_split, split_line

__all__ = [
    "CHARGE_FORM_LABELS",
    "VAT_GENERAL_BPS",
    "VAT_SMALL_SCALE_BPS",
    "CapExceeded",
    "ChargeForm",
    "ChargeLine",
    "InvalidPlan",
    "PlanTerms",
    "PricingError",
    "ReturnPosition",
    "Split",
    "Tier",
    "UsageCharge",
    "allocate",
    "allowed_revenue_fen",
    "charge_usage",
    "check_cap",
    "check_quote_cap",
    "entry_price_fen",
    "format_fen",
    "format_unit_price",
    "highest_unit_price",
    "is_metered",
    "is_quoted",
    "lowest_entry_price_fen",
    "order_amount",
    "parse_yuan",
    "refund_split",
    "remaining_calls",
    "return_position",
    "round_fen",
    "split_line",
    "split_vat",
    "terms_from_json",
    "yuan_to_fen",
]
