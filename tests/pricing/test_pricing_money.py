from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.money import (
    VAT_GENERAL_BPS,
    VAT_SMALL_SCALE_BPS,
    format_bps,
    format_fen,
    format_unit_price,
    parse_listed_yuan,
    parse_percent_bps,
    parse_yuan,
    round_fen,
    split_vat,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", 0),
        ("0.4999", 0),
        ("0.5", 1),  # the half-up edge: 四舍五入, not banker's rounding
        ("1.5", 2),
        ("2.5", 3),  # banker's rounding would give 2
        ("493826.8", 493827),
        ("-0.5", -1),  # half away from zero, symmetric for refunds
        ("-0.4", 0),
    ],
)
def test_round_fen(amount, expected):
    assert round_fen(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.5", Decimal(1250)),
        ("0.004", Decimal("0.4")),
        ("0.0001", Decimal("0.01")),
        ("1,234.56", Decimal(123456)),
        ("¥3", Decimal(300)),
        ("￥ 3.10", Decimal(310)),
        ("  7元 ", Decimal(700)),
        ("0", Decimal(0)),
        (Decimal("0.50"), Decimal(50)),
        (5, Decimal(500)),
        ("1000000000000", Decimal(100000000000000)),
    ],
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "金额格式不正确：abc"),
        ("", "金额格式不正确：（空）"),
        ("1.2.3", "金额格式不正确：1.2.3"),
        ("12,34", "金额格式不正确：12,34"),
        ("1e3", "金额格式不正确：1e3"),
        ("-1", "金额不能为负数"),
        ("¥-1", "金额不能为负数"),
        (Decimal("-0.01"), "金额不能为负数"),
        (-3, "金额不能为负数"),
        ("0.00001", "金额最多四位小数"),
        ("1000000000000.01", "金额超出允许范围"),
        (Decimal("NaN"), "金额格式不正确"),
        (Decimal("Infinity"), "金额格式不正确"),
        (1.5, "金额格式不正确"),
        (True, "金额格式不正确"),
    ],
)
def test_parse_yuan_rejects(text, message):
    with pytest.raises(PricingError) as caught:
        parse_yuan(text)
    assert caught.value.text == message


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12.5", 1250), ("1,234.56", 123456), ("¥0.01", 1), ("0.0100", 1), (3, 300)],
)
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen
    assert isinstance(yuan_to_fen(text), int)


@pytest.mark.parametrize("text", ["0.004", "1.005", "0.001"])
def test_yuan_to_fen_requires_whole_fen(text):
    with pytest.raises(PricingError, match="金额最多两位小数"):
        yuan_to_fen(text)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (50, "¥0.50"),
        (123456, "¥1,234.56"),
        (100000000, "¥1,000,000.00"),
        (-100, "-¥1.00"),
        (-5, "-¥0.05"),
    ],
)
def test_format_fen(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (Decimal("0.4"), "¥0.004"),
        (Decimal(50), "¥0.50"),
        (Decimal("50.00"), "¥0.50"),
        (Decimal(60), "¥0.60"),
        (Decimal("0.01"), "¥0.0001"),
        (Decimal(123456), "¥1,234.56"),
        (Decimal("1E+2"), "¥1.00"),
        (Decimal(0), "¥0.00"),
        (Decimal("12.5"), "¥0.125"),
        (7, "¥0.07"),
        (Decimal("-0.4"), "-¥0.004"),
    ],
)
def test_format_unit_price(fen, text):
    assert format_unit_price(fen) == text


@pytest.mark.parametrize(
    ("gross", "rate", "net", "vat"),
    [
        # 6% general taxpayer (一般纳税人)
        (10600, VAT_GENERAL_BPS, 10000, 600),  # 10600 / 1.06 = 10000 exactly
        (53, VAT_GENERAL_BPS, 50, 3),  # 53 / 1.06 = 50 exactly
        (100, VAT_GENERAL_BPS, 94, 6),  # 100 / 1.06 = 94.339… → 94
        (9999, VAT_GENERAL_BPS, 9433, 566),  # 9999 / 1.06 = 9433.018… → 9433
        (1, VAT_GENERAL_BPS, 1, 0),  # 1 / 1.06 = 0.943… → 1
        (0, VAT_GENERAL_BPS, 0, 0),
        # 1% small-scale taxpayer (小规模纳税人)
        (10100, VAT_SMALL_SCALE_BPS, 10000, 100),  # exactly
        (100, VAT_SMALL_SCALE_BPS, 99, 1),  # 100 / 1.01 = 99.0099… → 99
        (50, VAT_SMALL_SCALE_BPS, 50, 0),  # 50 / 1.01 = 49.504… → 50
        (12345, VAT_SMALL_SCALE_BPS, 12223, 122),  # 12345 / 1.01 = 12222.77… → 12223
        # refunds are symmetric
        (-100, VAT_GENERAL_BPS, -94, -6),
        (500, 0, 500, 0),
    ],
)
def test_split_vat(gross, rate, net, vat):
    assert split_vat(gross_fen=gross, rate_bps=rate) == (net, vat)


def test_vat_defaults():
    assert (VAT_GENERAL_BPS, VAT_SMALL_SCALE_BPS) == (600, 100)


@pytest.mark.parametrize("rate", [-1, 10001, 6.0, True])
def test_split_vat_rejects_bad_rate(rate):
    with pytest.raises(PricingError):
        split_vat(gross_fen=100, rate_bps=rate)


@given(st.integers(min_value=0, max_value=100_000_000_000_000))
def test_format_fen_round_trips_through_yuan_to_fen(fen):
    assert yuan_to_fen(format_fen(fen)) == fen


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=10000),
)
def test_split_vat_sums_to_gross_and_is_symmetric(gross, rate):
    net, vat = split_vat(gross_fen=gross, rate_bps=rate)
    assert net + vat == gross
    assert split_vat(gross_fen=-gross, rate_bps=rate) == (-net, -vat)


@pytest.mark.parametrize(("text", "bps"), [("8", 800), ("8.5", 850), ("8.25%", 825), (" 0.01 ", 1), ("100", 10000)])
def test_parse_percent_bps_reads_what_people_type(text, bps):
    assert parse_percent_bps(text) == bps


@pytest.mark.parametrize(("text", "message"), [("abc", "格式不正确"), ("", "格式不正确"), ("8.125", "最多两位小数"),
                                               ("-1", "0 到 100"), ("101", "0 到 100")])
def test_parse_percent_bps_refuses_with_the_label(text, message):
    with pytest.raises(PricingError) as e:
        parse_percent_bps(text, what="佣金比例")
    assert e.value.text.startswith("佣金比例") and message in e.value.text


@pytest.mark.parametrize(("bps", "shown"), [(825, "8.25%"), (600, "6%"), (850, "8.5%"), (0, "0%"), (1, "0.01%")])
def test_format_bps_shows_a_percentage_without_trailing_zeros(bps, shown):
    assert format_bps(bps) == shown


@given(st.integers(min_value=0, max_value=10000))
def test_percent_round_trip(bps):
    assert parse_percent_bps(format_bps(bps)) == bps


def test_parse_listed_yuan_rounds_float_noise_once_then_parses_exactly():
    assert parse_listed_yuan("754300.0000000001") == Decimal("75430000")
    assert parse_listed_yuan("0.00005") == Decimal("0.01")  # half-up at 0.0001 yuan
    assert parse_listed_yuan("0.05") == parse_yuan("0.05")
    with pytest.raises(PricingError):
        parse_listed_yuan("-1")
