from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.money import VAT_GENERAL_BPS, VAT_SMALL_SCALE_BPS
from pricing.settlement import Split, allocate, refund_split, split_line


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # 3.33 each; the tie goes to the lowest index
        (-10, [1, 1, 1], [-4, -3, -3]),  # refunds mirror the split
        (10, [1, 2, 3], [2, 3, 5]),  # 1.67, 3.33, 5 → the largest remainder (0.67) wins
        (1, [1, 1, 1, 1], [1, 0, 0, 0]),
        (3, [1, 1], [2, 1]),
        (100, [1, 0, 1], [50, 0, 50]),
        (0, [1, 2], [0, 0]),
        (5, [3, 2], [3, 2]),
        (7, [5], [7]),
        # 94 fen net at 10% / 90%: 9.4 and 84.6 → 9 and 85
        (94, [1000, 0, 0, 9000], [9, 0, 0, 85]),
    ],
)
def test_allocate(total, weights, parts):
    assert allocate(total, weights) == parts


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [1.5, 1], [True, 1]])
def test_allocate_rejects_bad_weights(weights):
    with pytest.raises(PricingError):
        allocate(10, weights)


@pytest.mark.parametrize(
    ("kwargs", "split"),
    [
        # 10600 / 1.06 = 10000 net, 600 VAT; 5% platform = 500, 3% broker = 300
        (
            {
                "gross_fen": 10600,
                "vat_rate_bps": VAT_GENERAL_BPS,
                "platform_fee_bps": 500,
                "broker_commission_bps": 300,
            },
            Split(10600, 600, 10000, 500, 300, 0, 9200),
        ),
        # 100 / 1.06 = 94.34 → net 94, VAT 6; 10% platform = 9.4 → 9, operator 84.6 → 85
        (
            {
                "gross_fen": 100,
                "vat_rate_bps": VAT_GENERAL_BPS,
                "platform_fee_bps": 1000,
            },
            Split(100, 6, 94, 9, 0, 0, 85),
        ),
        # 10100 / 1.01 = 10000 net, 100 VAT; 3.33% + 3.33% + 3.34% of net exactly
        (
            {
                "gross_fen": 10100,
                "vat_rate_bps": VAT_SMALL_SCALE_BPS,
                "platform_fee_bps": 333,
                "broker_commission_bps": 333,
                "authority_share_bps": 334,
            },
            Split(10100, 100, 10000, 333, 333, 334, 9000),
        ),
        # 1 fen at 6%: net 1 (0.943 → 1), VAT 0; 5% of 1 fen rounds to the operator
        (
            {"gross_fen": 1, "vat_rate_bps": VAT_GENERAL_BPS, "platform_fee_bps": 500},
            Split(1, 0, 1, 0, 0, 0, 1),
        ),
        (
            {"gross_fen": 0, "vat_rate_bps": VAT_GENERAL_BPS, "platform_fee_bps": 500},
            Split(0, 0, 0, 0, 0, 0, 0),
        ),
        (
            {"gross_fen": 5000, "vat_rate_bps": 0, "platform_fee_bps": 10000},
            Split(5000, 0, 5000, 5000, 0, 0, 0),
        ),
    ],
)
def test_split_line(kwargs, split):
    assert split_line(**kwargs) == split


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vat_rate_bps": -1}, "增值税率必须在0%到100%之间"),
        ({"platform_fee_bps": 10001}, "平台服务费率必须在0%到100%之间"),
        ({"broker_commission_bps": -5}, "经纪佣金率必须在0%到100%之间"),
        ({"authority_share_bps": 2.5}, "主管部门分成比例必须在0%到100%之间"),
        (
            {"platform_fee_bps": 6000, "broker_commission_bps": 4001},
            "平台服务费、经纪佣金与分成合计不能超过100%",
        ),
    ],
)
def test_split_line_rejects_bad_rates(kwargs, message):
    args = {"gross_fen": 100, "vat_rate_bps": 600, "platform_fee_bps": 500} | kwargs
    with pytest.raises(PricingError) as caught:
        split_line(**args)
    assert caught.value.text == message


def test_refund_split_is_the_exact_negation():
    original = split_line(
        gross_fen=9999,
        vat_rate_bps=600,
        platform_fee_bps=500,
        broker_commission_bps=250,
    )
    assert refund_split(original) == Split(-9999, -566, -9433, -472, -236, 0, -8725)
    assert refund_split(refund_split(original)) == original


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(
        any
    ),
)
def test_allocate_sums_to_total_and_stays_within_one_of_the_quota(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, sum(weights))) < 1
    assert allocate(-total, weights) == [-part for part in parts]


bps = st.integers(min_value=0, max_value=10000)


@st.composite
def split_lines(draw):
    """Random valid split_line arguments (shares sum to at most 100%)."""
    platform = draw(bps)
    broker = draw(st.integers(0, 10000 - platform))
    authority = draw(st.integers(0, 10000 - platform - broker))
    return split_line(
        gross_fen=draw(st.integers(min_value=-(10**11), max_value=10**11)),
        vat_rate_bps=draw(bps),
        platform_fee_bps=platform,
        broker_commission_bps=broker,
        authority_share_bps=authority,
    )


@given(split_lines())
def test_split_parts_sum_to_gross(s):
    parts = s.vat_fen + s.platform_fen + s.broker_fen + s.authority_fen + s.operator_fen
    assert parts == s.gross_fen
    assert s.net_fen + s.vat_fen == s.gross_fen


@given(split_lines())
def test_refund_plus_original_is_zero(s):
    refund = refund_split(s)
    assert all(
        a + b == 0 for a, b in zip(vars(s).values(), vars(refund).values(), strict=True)
    )
