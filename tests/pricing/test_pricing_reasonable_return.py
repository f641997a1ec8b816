import pytest

from pricing.errors import PricingError
from pricing.reasonable_return import (
    ReturnPosition,
    allowed_revenue_fen,
    return_position,
)

# ¥10,000 cost at 8% allowed return plus ¥500 taxes: 1,000,000 + 80,000 + 50,000 fen
BASE = {"cost_fen": 1_000_000, "rate_bps": 800, "taxes_fen": 50_000}


@pytest.mark.parametrize(
    ("kwargs", "allowed"),
    [
        (BASE, 1_130_000),
        (BASE | {"carried_excess_fen": 30_000}, 1_100_000),
        (BASE | {"carried_excess_fen": 2_000_000}, 0),  # never below zero
        # 12345 × 6.5% = 802.425 → 802: 12345 + 802 = 13147
        ({"cost_fen": 12345, "rate_bps": 650, "taxes_fen": 0}, 13147),
        # 10 × 5% = 0.5 → 1 (half-up): 10 + 1 = 11
        ({"cost_fen": 10, "rate_bps": 500, "taxes_fen": 0}, 11),
        ({"cost_fen": 0, "rate_bps": 800, "taxes_fen": 0}, 0),
    ],
)
def test_allowed_revenue(kwargs, allowed):
    assert allowed_revenue_fen(**kwargs) == allowed


@pytest.mark.parametrize(
    ("kwargs", "position"),
    [
        # above the allowed revenue: the excess is carried into next year
        (
            BASE | {"actual_fen": 1_200_000},
            ReturnPosition(1_000_000, 1_130_000, 1_200_000, 0, 70_000),
        ),
        # below: headroom
        (
            BASE | {"actual_fen": 1_000_000},
            ReturnPosition(1_000_000, 1_130_000, 1_000_000, 130_000, 0),
        ),
        (
            BASE | {"actual_fen": 1_130_000},
            ReturnPosition(1_000_000, 1_130_000, 1_130_000, 0, 0),
        ),
        # last year's excess lowers this year's allowed revenue
        (
            BASE | {"actual_fen": 1_110_000, "carried_excess_fen": 30_000},
            ReturnPosition(1_000_000, 1_100_000, 1_110_000, 0, 10_000),
        ),
        # a carried excess larger than the whole allowance keeps carrying its rest:
        # 2,000,000 − 1,130,000 = 870,000 unabsorbed, plus 100 earned this year
        (
            BASE | {"actual_fen": 100, "carried_excess_fen": 2_000_000},
            ReturnPosition(1_000_000, 0, 100, 0, 870_100),
        ),
    ],
)
def test_return_position(kwargs, position):
    assert return_position(**kwargs) == position


@pytest.mark.parametrize(
    "bad",
    [
        {"cost_fen": -1},
        {"rate_bps": -1},
        {"taxes_fen": 1.5},
        {"actual_fen": -1},
        {"carried_excess_fen": -1},
    ],
)
def test_return_position_rejects_negative_amounts(bad):
    with pytest.raises(PricingError):
        return_position(**(BASE | {"actual_fen": 0} | bad))
