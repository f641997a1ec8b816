import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import entry_price_fen, lowest_entry_price_fen, terms_from_json
from pricing.errors import CapExceeded, InvalidPlan, PricingError
from pricing.plans import (
    CHARGE_FORM_LABELS,
    ChargeForm,
    PlanTerms,
    Tier,
    check_cap,
    check_quote_cap,
    highest_unit_price,
    is_metered,
    is_quoted,
)

F = ChargeForm
TIERS = (Tier(1000, Decimal(1)), Tier(5000, Decimal("0.8")), Tier(None, Decimal("0.5")))

# One valid plan per charge form.
VALID = {
    F.ONE_OFF: PlanTerms(form=F.ONE_OFF, price_fen=50000),
    F.SUBSCRIPTION_MONTH: PlanTerms(
        form=F.SUBSCRIPTION_MONTH, price_fen=9900, period_months=1
    ),
    F.SUBSCRIPTION_YEAR: PlanTerms(
        form=F.SUBSCRIPTION_YEAR, price_fen=99000, period_months=12
    ),
    F.PER_CALL_FLAT: PlanTerms(
        form=F.PER_CALL_FLAT, unit_price_fen=Decimal("0.4"), free_quota=100
    ),
    F.PER_CALL_GRADUATED: PlanTerms(form=F.PER_CALL_GRADUATED, tiers=TIERS),
    F.PER_CALL_VOLUME: PlanTerms(form=F.PER_CALL_VOLUME, tiers=TIERS, free_quota=10),
    F.PREPAID_CALLS: PlanTerms(
        form=F.PREPAID_CALLS, price_fen=30000, package_calls=10000
    ),
    F.PER_RECORD: PlanTerms(form=F.PER_RECORD, unit_price_fen=Decimal(2)),
    F.NEGOTIATED: PlanTerms(form=F.NEGOTIATED),
    F.FREE_PUBLIC: PlanTerms(form=F.FREE_PUBLIC),
}


def test_every_form_has_a_label_and_a_valid_example():
    assert set(CHARGE_FORM_LABELS) == set(ChargeForm) == set(VALID)
    assert CHARGE_FORM_LABELS[F.PER_CALL_GRADUATED] == "累进阶梯计费"
    assert CHARGE_FORM_LABELS[F.FREE_PUBLIC] == "公益免费"


@pytest.mark.parametrize(
    ("form", "metered", "quoted"),
    [
        (F.ONE_OFF, False, False),
        (F.SUBSCRIPTION_MONTH, False, False),
        (F.SUBSCRIPTION_YEAR, False, False),
        (F.PER_CALL_FLAT, True, False),
        (F.PER_CALL_GRADUATED, True, False),
        (F.PER_CALL_VOLUME, True, False),
        (F.PREPAID_CALLS, True, False),
        (F.PER_RECORD, True, False),
        (F.NEGOTIATED, False, True),
        (F.FREE_PUBLIC, False, False),
        ("per_call_flat", True, False),
    ],
)
def test_is_metered_and_is_quoted(form, metered, quoted):
    assert (is_metered(form), is_quoted(form)) == (metered, quoted)


@pytest.mark.parametrize("form", list(ChargeForm))
def test_valid_plans_validate_and_round_trip_through_json(form):
    terms = VALID[form]
    assert terms.validate() is terms
    stored = json.loads(json.dumps(terms.to_dict()))
    assert PlanTerms.from_dict(stored) == terms


def test_to_dict_keeps_decimals_as_strings():
    data = VALID[F.PER_CALL_GRADUATED].to_dict()
    assert data["form"] == "per_call_graduated"
    assert data["tiers"][1] == {"up_to": 5000, "unit_price_fen": "0.8"}
    assert data["tiers"][2]["up_to"] is None


def test_constructor_coerces_form_tiers_and_int_prices():
    terms = PlanTerms(form="per_call_flat", unit_price_fen=3, tiers=[])
    assert terms.form is F.PER_CALL_FLAT
    assert terms.unit_price_fen == Decimal(3) and terms.tiers == ()
    assert Tier(None, "0.4").unit_price_fen == Decimal("0.4")


def _invalid(**kwargs):
    return kwargs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (_invalid(form=F.ONE_OFF), "一次性买断必须设置价格"),
        (_invalid(form=F.ONE_OFF, price_fen=-1), "价格不能为负数"),
        (_invalid(form=F.ONE_OFF, price_fen=1, tiers=TIERS), "一次性买断不适用阶梯"),
        (
            _invalid(form=F.ONE_OFF, price_fen=1, free_quota=5),
            "一次性买断不适用免费额度",
        ),
        (
            _invalid(form=F.ONE_OFF, price_fen=1, period_months=1),
            "一次性买断不适用订阅周期",
        ),
        (_invalid(form=F.SUBSCRIPTION_MONTH, price_fen=1), "按月订阅的周期必须为1个月"),
        (
            _invalid(form=F.SUBSCRIPTION_YEAR, price_fen=1, period_months=1),
            "按年订阅的周期必须为12个月",
        ),
        (_invalid(form=F.PER_CALL_FLAT), "按次计费必须设置单价"),
        (
            _invalid(form=F.PER_CALL_FLAT, unit_price_fen=Decimal("-0.1")),
            "单价不能为负数",
        ),
        (
            _invalid(form=F.PER_CALL_FLAT, unit_price_fen=Decimal("0.001")),
            "单价最多精确到0.0001元",
        ),
        (
            _invalid(form=F.PER_CALL_FLAT, unit_price_fen=1, free_quota=-1),
            "免费额度不能为负数",
        ),
        (
            _invalid(form=F.PER_CALL_FLAT, unit_price_fen=1, price_fen=5),
            "按次计费不适用价格",
        ),
        (_invalid(form=F.PER_CALL_GRADUATED), "累进阶梯计费必须设置阶梯"),
        (
            _invalid(form=F.PER_CALL_GRADUATED, tiers=(Tier(10, 1), Tier(20, 1))),
            "最后一档阶梯必须不设上限",
        ),
        (
            _invalid(
                form=F.PER_CALL_VOLUME, tiers=(Tier(10, 1), Tier(10, 1), Tier(None, 1))
            ),
            "阶梯必须按上限递增",
        ),
        (
            _invalid(
                form=F.PER_CALL_VOLUME, tiers=(Tier(20, 1), Tier(10, 1), Tier(None, 1))
            ),
            "阶梯必须按上限递增",
        ),
        (
            _invalid(form=F.PER_CALL_VOLUME, tiers=(Tier(0, 1), Tier(None, 1))),
            "阶梯必须按上限递增",
        ),
        (
            _invalid(form=F.PER_CALL_VOLUME, tiers=(Tier(None, 1), Tier(None, 1))),
            "只有最后一档阶梯可以不设上限",
        ),
        (
            _invalid(form=F.PER_CALL_VOLUME, tiers=(Tier(5, -1), Tier(None, 1))),
            "第1档单价不能为负数",
        ),
        (
            _invalid(form=F.PER_CALL_VOLUME, tiers=TIERS, unit_price_fen=1),
            "阶梯总量计费不适用单价",
        ),
        (_invalid(form=F.PREPAID_CALLS, price_fen=100), "预付费次数包必须设置包内次数"),
        (_invalid(form=F.PREPAID_CALLS, package_calls=100), "预付费次数包必须设置价格"),
        (
            _invalid(form=F.PREPAID_CALLS, price_fen=1, package_calls=1, free_quota=1),
            "预付费次数包不适用免费额度",
        ),
        (_invalid(form=F.NEGOTIATED, price_fen=100), "面议不适用价格"),
        (_invalid(form=F.FREE_PUBLIC, unit_price_fen=1), "公益免费不适用单价"),
        (_invalid(form=F.FREE_PUBLIC, package_calls=True), "次数包次数必须为整数"),
    ],
)
def test_validate_rejects_inconsistent_terms(kwargs, message):
    with pytest.raises(InvalidPlan) as caught:
        PlanTerms(**kwargs).validate()
    assert caught.value.text == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"form": "hourly"}, "未知的收费方式：hourly"),
        ({"form": F.PER_CALL_FLAT, "unit_price_fen": 0.4}, "单价必须为精确小数"),
        ({"form": F.PER_CALL_FLAT, "unit_price_fen": "abc"}, "单价格式不正确"),
        ({"form": F.PER_CALL_FLAT, "unit_price_fen": "Infinity"}, "单价格式不正确"),
        ({"form": F.PER_CALL_VOLUME, "tiers": ({"up_to": None},)}, "阶梯格式不正确"),
    ],
)
def test_constructor_rejects_garbage(kwargs, message):
    with pytest.raises(InvalidPlan) as caught:
        PlanTerms(**kwargs)
    assert caught.value.text == message


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"price_fen": 1}, InvalidPlan),
        ({"form": "one_off", "price_fen": 1, "colour": "red"}, InvalidPlan),
        ({"form": "per_call_volume", "tiers": [{"up_to": None}]}, InvalidPlan),
        ({"form": "one_off"}, InvalidPlan),  # validated: a one-off needs a price
        ([("form", "one_off")], InvalidPlan),
    ],
)
def test_from_dict_rejects_bad_data(data, error):
    with pytest.raises(error):
        PlanTerms.from_dict(data)


def test_from_dict_fills_defaults():
    assert PlanTerms.from_dict({"form": "free_public"}) == PlanTerms(form=F.FREE_PUBLIC)


@pytest.mark.parametrize(
    ("form", "price"),
    [
        (F.ONE_OFF, Decimal(50000)),
        (F.SUBSCRIPTION_MONTH, Decimal(9900)),
        (F.SUBSCRIPTION_YEAR, Decimal(99000)),
        (F.PER_CALL_FLAT, Decimal("0.4")),
        (F.PER_CALL_GRADUATED, Decimal(1)),  # the highest tier price, not the last
        (F.PER_CALL_VOLUME, Decimal(1)),
        (F.PREPAID_CALLS, Decimal(30000)),  # the package price
        (F.PER_RECORD, Decimal(2)),
        (F.NEGOTIATED, Decimal(0)),
        (F.FREE_PUBLIC, Decimal(0)),
    ],
)
def test_highest_unit_price(form, price):
    assert highest_unit_price(VALID[form]) == price


@pytest.mark.parametrize(
    ("terms", "cap", "message"),
    [
        (
            PlanTerms(form=F.PER_CALL_FLAT, unit_price_fen=60),
            Decimal(50),
            "价格 ¥0.60/次 超过上限收费标准 ¥0.50/次",
        ),
        (
            VALID[F.PER_CALL_FLAT],
            Decimal("0.3"),
            "价格 ¥0.004/次 超过上限收费标准 ¥0.003/次",
        ),
        (
            VALID[F.PER_CALL_GRADUATED],
            Decimal("0.9"),
            "阶梯价格 ¥0.01/次 超过上限收费标准 ¥0.009/次",
        ),
        (VALID[F.PER_RECORD], 1, "价格 ¥0.02/条 超过上限收费标准 ¥0.01/条"),
        (VALID[F.ONE_OFF], 40000, "价格 ¥500.00 超过上限收费标准 ¥400.00"),
        (
            VALID[F.SUBSCRIPTION_MONTH],
            9000,
            "价格 ¥99.00/月 超过上限收费标准 ¥90.00/月",
        ),
        (VALID[F.PREPAID_CALLS], 29999, "价格 ¥300.00/包 超过上限收费标准 ¥299.99/包"),
    ],
)
def test_check_cap_names_the_cap(terms, cap, message):
    with pytest.raises(CapExceeded) as caught:
        check_cap(terms, cap_fen=cap)
    assert caught.value.text == message
    assert caught.value.cap_fen == Decimal(cap)


@pytest.mark.parametrize(
    ("terms", "cap"),
    [
        (VALID[F.PER_CALL_FLAT], None),  # no cap set
        (VALID[F.PER_CALL_FLAT], Decimal("0.4")),  # equal to the cap is allowed
        (VALID[F.PER_CALL_GRADUATED], 1),
        (VALID[F.ONE_OFF], 50000),
        (VALID[F.NEGOTIATED], 0),  # quotes are checked with check_quote_cap
        (VALID[F.FREE_PUBLIC], 0),
    ],
)
def test_check_cap_allows(terms, cap):
    assert check_cap(terms, cap_fen=cap) is None


@pytest.mark.parametrize("cap", [-1, Decimal("-0.1"), 0.5, "50"])
def test_check_cap_rejects_bad_cap(cap):
    with pytest.raises(PricingError, match="上限收费标准"):
        check_cap(VALID[F.ONE_OFF], cap_fen=cap)


def test_check_quote_cap():
    check_quote_cap(50000, cap_fen=None)
    check_quote_cap(50000, cap_fen=50000)
    with pytest.raises(CapExceeded) as caught:
        check_quote_cap(50001, cap_fen=50000)
    assert caught.value.text == "报价 ¥500.01 超过上限收费标准 ¥500.00"


@given(
    st.lists(
        st.integers(min_value=1, max_value=10**9), min_size=0, max_size=5, unique=True
    ),
    st.lists(
        st.decimals(min_value=0, max_value=10**6, places=2), min_size=6, max_size=6
    ),
    st.integers(min_value=0, max_value=10**6),
)
def test_tiered_plans_round_trip(limits, prices, quota):
    bounds = [*sorted(limits), None]
    tiers = tuple(Tier(up, price) for up, price in zip(bounds, prices, strict=False))
    terms = PlanTerms(form=F.PER_CALL_VOLUME, tiers=tiers, free_quota=quota).validate()
    assert PlanTerms.from_dict(json.loads(json.dumps(terms.to_dict()))) == terms


def test_terms_from_json_reads_stored_terms_and_refuses_broken_ones():
    stored = PlanTerms(form=ChargeForm.PER_CALL_FLAT, unit_price_fen=Decimal("0.5")).validate().to_dict()
    terms = terms_from_json(json.dumps(stored))
    assert terms.form is ChargeForm.PER_CALL_FLAT and entry_price_fen(terms) == 1  # half a fen rounds up
    for broken in ("", "not json", "[]", '{"form": "no_such_form"}', '{"form": "per_call_flat", "x": 1}'):
        with pytest.raises(InvalidPlan):
            terms_from_json(broken)
    assert lowest_entry_price_fen([terms, PlanTerms(form=ChargeForm.NEGOTIATED)]) == 1
    assert lowest_entry_price_fen([PlanTerms(form=ChargeForm.NEGOTIATED)]) is None
