from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.metering import (
    ChargeLine,
    UsageCharge,
    charge_usage,
    order_amount,
    remaining_calls,
)
from pricing.plans import ChargeForm, PlanTerms, Tier

F = ChargeForm
# Shared tiers (fen per call): 1–1000 at ¥0.01, 1001–5000 at ¥0.008, above at ¥0.005.
TIERS = (Tier(1000, Decimal(1)), Tier(5000, Decimal("0.8")), Tier(None, Decimal("0.5")))
GRADUATED = PlanTerms(form=F.PER_CALL_GRADUATED, tiers=TIERS).validate()
VOLUME = PlanTerms(form=F.PER_CALL_VOLUME, tiers=TIERS).validate()


def flat(unit_price: str, free_quota: int = 0) -> PlanTerms:
    """A validated flat per-call plan."""
    return PlanTerms(
        form=F.PER_CALL_FLAT, unit_price_fen=Decimal(unit_price), free_quota=free_quota
    ).validate()


def test_flat_0_004_yuan_times_1234567_calls():
    # ¥0.004 = 0.4 fen; 1,234,567 × 0.4 = 493,826.8 fen exactly → 493,827 fen (¥4,938.27)
    charge = charge_usage(flat("0.4"), units=1_234_567)
    assert charge == UsageCharge(
        billable_units=1_234_567,
        free_units=0,
        exact_fen=Decimal("493826.8"),
        amount_fen=493_827,
        lines=(ChargeLine("按次计费", 1_234_567, Decimal("0.4"), Decimal("493826.8")),),
    )


@pytest.mark.parametrize(
    ("unit_price", "units", "amount"),
    [
        ("0.5", 1, 1),  # 0.5 fen → 1 (half-up edge)
        ("0.5", 3, 2),  # 1.5 fen → 2
        ("0.25", 2, 1),  # 0.5 fen → 1
        ("0.25", 10, 3),  # 2.5 fen → 3 (banker's rounding would give 2)
        ("0.49", 1, 0),  # 0.49 fen → 0
        ("0.4", 0, 0),
        ("100", 7, 700),
    ],
)
def test_flat_rounds_the_line_once_half_up(unit_price, units, amount):
    assert charge_usage(flat(unit_price), units=units).amount_fen == amount


@pytest.mark.parametrize(
    ("units", "graduated", "volume"),
    [
        (0, 0, 0),
        (3, 3, 3),  # both: 3 × 1
        (1000, 1000, 1000),  # both: 1000 × 1 (up_to is inclusive)
        # graduated: 1000 × 1 + 1 × 0.8 = 1000.8 → 1001; volume: 1001 × 0.8 = 800.8 → 801
        (1001, 1001, 801),
        # graduated: 1000 × 1 + 4000 × 0.8 = 4200; volume: 5000 × 0.8 = 4000
        (5000, 4200, 4000),
        # graduated: 1000 × 1 + 4000 × 0.8 + 1000 × 0.5 = 4700; volume: 6000 × 0.5 = 3000
        (6000, 4700, 3000),
    ],
)
def test_graduated_versus_volume_on_the_same_tiers(units, graduated, volume):
    assert charge_usage(GRADUATED, units=units).amount_fen == graduated
    assert charge_usage(VOLUME, units=units).amount_fen == volume


def test_graduated_lines_show_each_band():
    charge = charge_usage(GRADUATED, units=6000)
    assert [(ln.description, ln.units, ln.exact_fen) for ln in charge.lines] == [
        ("第1–1000次", 1000, Decimal(1000)),
        ("第1001–5000次", 4000, Decimal("3200.0")),
        ("第5001次起", 1000, Decimal("500.0")),
    ]
    assert charge.exact_fen == Decimal(4700)


def test_graduated_rounds_the_sum_not_each_band():
    # 1 × 0.4 + 1 × 0.3 = 0.7 → 1 fen; rounding each band first would give 0 + 0 = 0.
    terms = PlanTerms(
        form=F.PER_CALL_GRADUATED,
        tiers=(Tier(1, Decimal("0.4")), Tier(None, Decimal("0.3"))),
    ).validate()
    assert charge_usage(terms, units=2).amount_fen == 1


@pytest.mark.parametrize(
    ("terms", "units", "billable", "free", "amount"),
    [
        (flat("0.4", free_quota=100), 50, 0, 50, 0),
        (flat("0.4", free_quota=100), 100, 0, 100, 0),
        (flat("0.4", free_quota=100), 110, 10, 100, 4),  # 10 × 0.4 = 4
        # free quota first, then the tiers count billable units: 1100 - 100 = 1000 × 1
        (
            PlanTerms(form=F.PER_CALL_GRADUATED, tiers=TIERS, free_quota=100),
            1100,
            1000,
            100,
            1000,
        ),
        # volume after quota: 1101 - 100 = 1001 billable, all at 0.8 = 800.8 → 801
        (
            PlanTerms(form=F.PER_CALL_VOLUME, tiers=TIERS, free_quota=100),
            1101,
            1001,
            100,
            801,
        ),
        # per record: 150 records, 50 free, 100 × ¥0.02 = 200 fen
        (
            PlanTerms(form=F.PER_RECORD, unit_price_fen=Decimal(2), free_quota=50),
            150,
            100,
            50,
            200,
        ),
    ],
)
def test_free_quota_is_taken_first(terms, units, billable, free, amount):
    charge = charge_usage(terms.validate(), units=units)
    assert (charge.billable_units, charge.free_units, charge.amount_fen) == (
        billable,
        free,
        amount,
    )
    assert sum(line.units for line in charge.lines) == units


@pytest.mark.parametrize(
    ("terms", "description"),
    [
        (
            PlanTerms(form=F.PREPAID_CALLS, price_fen=30000, package_calls=10000),
            "预付费次数包抵扣",
        ),
        (PlanTerms(form=F.ONE_OFF, price_fen=100), "已含于一次性买断"),
        (
            PlanTerms(form=F.SUBSCRIPTION_MONTH, price_fen=100, period_months=1),
            "已含于订阅",
        ),
        (PlanTerms(form=F.NEGOTIATED), "按询价合同结算"),
    ],
)
def test_usage_of_paid_up_front_plans_costs_nothing(terms, description):
    charge = charge_usage(terms.validate(), units=250)
    assert charge == UsageCharge(
        billable_units=250,
        free_units=0,
        exact_fen=Decimal(0),
        amount_fen=0,
        lines=(ChargeLine(description, 250, Decimal(0), Decimal(0)),),
    )


def test_free_public_usage_is_metered_but_free():
    charge = charge_usage(PlanTerms(form=F.FREE_PUBLIC), units=42)
    assert (charge.billable_units, charge.free_units, charge.amount_fen) == (0, 42, 0)
    assert charge.lines[0].description == "公益免费"
    assert charge_usage(PlanTerms(form=F.FREE_PUBLIC), units=0).lines == ()


@pytest.mark.parametrize("units", [-1, 1.5, True, "3"])
def test_charge_usage_rejects_bad_units(units):
    with pytest.raises(PricingError, match="用量必须为非负整数"):
        charge_usage(flat("0.4"), units=units)


@pytest.mark.parametrize(
    ("terms", "used", "kwargs", "left"),
    [
        (flat("0.4", free_quota=100), 30, {}, 70),
        (flat("0.4", free_quota=100), 130, {}, 0),
        (flat("0.4"), 30, {}, None),  # pay as you go: unlimited
        (
            PlanTerms(form=F.PREPAID_CALLS, price_fen=1, package_calls=1000),
            250,
            {},
            750,
        ),
        (
            PlanTerms(form=F.PREPAID_CALLS, price_fen=1, package_calls=1000),
            250,
            {"packages": 3},
            2750,
        ),
        (PlanTerms(form=F.PREPAID_CALLS, price_fen=1, package_calls=1000), 1200, {}, 0),
        (
            PlanTerms(form=F.SUBSCRIPTION_YEAR, price_fen=1, period_months=12),
            5,
            {},
            None,
        ),
        (PlanTerms(form=F.FREE_PUBLIC), 5, {}, None),
    ],
)
def test_remaining_calls(terms, used, kwargs, left):
    assert remaining_calls(terms.validate(), used=used, **kwargs) == left


@pytest.mark.parametrize(
    ("terms", "quantity", "amount"),
    [
        (PlanTerms(form=F.ONE_OFF, price_fen=50000), 1, 50000),
        (PlanTerms(form=F.ONE_OFF, price_fen=50000), 2, 100000),
        (
            PlanTerms(form=F.SUBSCRIPTION_MONTH, price_fen=9900, period_months=1),
            3,
            29700,
        ),
        (
            PlanTerms(form=F.SUBSCRIPTION_YEAR, price_fen=99000, period_months=12),
            1,
            99000,
        ),
        (
            PlanTerms(form=F.PREPAID_CALLS, price_fen=30000, package_calls=10),
            1000,
            30000000,
        ),
        (flat("0.4"), 1, 0),  # billed on usage
        (PlanTerms(form=F.PER_RECORD, unit_price_fen=Decimal(2)), 5, 0),
        (GRADUATED, 1, 0),
        (PlanTerms(form=F.FREE_PUBLIC), 1, 0),
    ],
)
def test_order_amount(terms, quantity, amount):
    assert order_amount(terms.validate(), quantity=quantity) == amount


@pytest.mark.parametrize(
    ("terms", "quantity", "message"),
    [
        (PlanTerms(form=F.NEGOTIATED), 1, "面议产品需通过询价下单"),
        (PlanTerms(form=F.ONE_OFF, price_fen=1), 0, "购买数量必须在1到1000之间"),
        (PlanTerms(form=F.ONE_OFF, price_fen=1), 1001, "购买数量必须在1到1000之间"),
        (PlanTerms(form=F.ONE_OFF, price_fen=1), 2.0, "购买数量必须为整数"),
        (PlanTerms(form=F.ONE_OFF, price_fen=1), True, "购买数量必须为整数"),
    ],
)
def test_order_amount_rejects(terms, quantity, message):
    with pytest.raises(PricingError) as caught:
        order_amount(terms, quantity=quantity)
    assert caught.value.text == message


@st.composite
def tiered_plans(draw, form):
    """Random valid tiered plans with a random free quota."""
    limits = sorted(draw(st.sets(st.integers(1, 10_000), max_size=4)))
    prices = draw(
        st.lists(
            st.decimals(min_value=0, max_value=500, places=2),
            min_size=len(limits) + 1,
            max_size=len(limits) + 1,
        )
    )
    tiers = tuple(Tier(up, p) for up, p in zip([*limits, None], prices, strict=True))
    quota = draw(st.integers(0, 1000))
    return PlanTerms(form=form, tiers=tiers, free_quota=quota).validate()


@given(tiered_plans(F.PER_CALL_GRADUATED), st.integers(0, 20_000), st.integers(0, 500))
def test_graduated_charge_is_monotonic_in_units(terms, units, extra):
    before = charge_usage(terms, units=units)
    after = charge_usage(terms, units=units + extra)
    assert after.exact_fen >= before.exact_fen
    assert after.amount_fen >= before.amount_fen


@given(tiered_plans(F.PER_CALL_GRADUATED), st.integers(0, 20_000))
def test_graduated_lines_cover_every_unit_once(terms, units):
    charge = charge_usage(terms, units=units)
    assert sum(line.units for line in charge.lines) == units
    assert charge.exact_fen == sum(line.exact_fen for line in charge.lines)
    assert charge.billable_units + charge.free_units == units


@given(tiered_plans(F.PER_CALL_VOLUME), st.integers(0, 20_000))
def test_volume_uses_one_price_for_all_billable_units(terms, units):
    charge = charge_usage(terms, units=units)
    prices = {
        line.unit_price_fen for line in charge.lines if line.description != "免费额度"
    }
    assert len(prices) <= 1


def test_charge_usage_refuses_an_unchecked_broken_plan():
    broken = PlanTerms(form=F.PER_CALL_GRADUATED, tiers=(Tier(10, Decimal(1)),))
    with pytest.raises(PricingError, match="最后一档阶梯必须不设上限"):
        charge_usage(broken, units=20)
