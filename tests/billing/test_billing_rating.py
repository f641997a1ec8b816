"""Rating a month by hand, one table per plan kind; properties: order of events never matters (pure)."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.billing.rating import is_postpaid, is_postpaid_plan, rate_month
from pricing import PlanTerms, Tier, charge_usage

D = Decimal
FLAT = PlanTerms(form="per_call_flat", unit_price_fen=D(50))
SUBFEN = PlanTerms(form="per_call_flat", unit_price_fen=D("0.4"))  # ¥0.004 per call
FREE5 = PlanTerms(form="per_call_flat", unit_price_fen=D(50), free_quota=5)
# 1–100 at ¥1.00, 101–500 at ¥0.80, from 501 at ¥0.50
BANDS = (Tier(100, D(100)), Tier(500, D(80)), Tier(None, D(50)))
GRAD = PlanTerms(form="per_call_graduated", tiers=BANDS)
GRAD_FREE = PlanTerms(form="per_call_graduated", tiers=BANDS, free_quota=50)
VOLUME = PlanTerms(form="per_call_volume", tiers=BANDS)
RECORD = PlanTerms(form="per_record", unit_price_fen=D(10), free_quota=3)
# ¥99 a month with 1,000 calls included, then ¥0.05 a call
OVERAGE = PlanTerms(form="subscription_month", price_fen=9900, period_months=1, free_quota=1000,
                    unit_price_fen=D(5))


@pytest.mark.parametrize(("terms", "by_day", "amount", "free"), [
    (FLAT, {"2026-10-01": 3, "2026-10-31": 4}, 350, 0),  # 7 × ¥0.50
    (SUBFEN, {"2026-10-01": 2, "2026-10-02": 2}, 2, 0),  # 4 × 0.4 fen = 1.6 fen → 2 fen, rounded once
    (SUBFEN, {f"2026-10-{d:02d}": 1 for d in range(1, 4)}, 1, 0),  # 3 × 0.4 = 1.2 fen → 1 (not 0+0+0)
    (FREE5, {"2026-10-01": 3, "2026-10-02": 3, "2026-10-03": 3}, 200, 5),  # free 5 once: 4 × ¥0.50
    # graduated: 120 + 450 = 570 calls: 100 × 100 + 400 × 80 + 70 × 50 = 10000 + 32000 + 3500
    (GRAD, {"2026-10-01": 120, "2026-10-15": 450}, 45_500, 0),
    # the free 50 come off first: 520 billable: 100 × 100 + 400 × 80 + 20 × 50
    (GRAD_FREE, {"2026-10-01": 120, "2026-10-15": 450}, 43_000, 50),
    # volume: 570 in total → all at the third tier ¥0.50
    (VOLUME, {"2026-10-01": 120, "2026-10-15": 450}, 28_500, 0),
    (VOLUME, {"2026-10-01": 100}, 10_000, 0),  # exactly the first limit stays in the first tier
    (VOLUME, {"2026-10-01": 101}, 8_080, 0),  # one more → all 101 at ¥0.80
    # per record: 3 free records, then 0.10 each: 12 records → 9 × 10
    (RECORD, {"2026-10-01": 5, "2026-10-02": 7}, 90, 3),
    # subscription overage: 600 + 650 = 1,250 calls, 1,000 included, 250 × ¥0.05
    (OVERAGE, {"2026-10-01": 600, "2026-10-20": 650}, 1_250, 1_000),
    (OVERAGE, {"2026-10-01": 1_000}, 0, 1_000),  # within the included calls
])
def test_month_rated_by_hand(terms, by_day, amount, free):
    charge = rate_month(terms, units_by_day=by_day)
    assert (charge.amount_fen, charge.free_units) == (amount, free)
    assert charge.billable_units == sum(by_day.values()) - free


def test_graduated_lines_show_each_band_crossed():
    charge = rate_month(GRAD, units_by_day={"2026-10-01": 120, "2026-10-15": 450})
    assert [(ln.description, ln.units, ln.unit_price_fen) for ln in charge.lines] == [
        ("第1–100次", 100, D(100)), ("第101–500次", 400, D(80)), ("第501次起", 70, D(50))]


def test_free_quota_is_taken_once_per_month_from_the_first_days():
    charge = rate_month(FREE5, units_by_day={"2026-10-02": 4, "2026-10-01": 4})
    assert charge.lines[0].description == "免费额度" and charge.lines[0].units == 5
    assert charge.amount_fen == 3 * 50


def test_a_cap_lowered_mid_month_prices_later_days_at_the_new_cap():
    # plan ¥0.50; the cap drops to ¥0.30 from 10-16: 10 calls before at ¥0.50, 10 after at ¥0.30
    by_day = {"2026-10-10": 10, "2026-10-20": 10}
    caps = {"2026-10-10": D(60), "2026-10-20": D(30)}
    charge = rate_month(FLAT, units_by_day=by_day, cap_by_day=caps)
    assert charge.amount_fen == 10 * 50 + 10 * 30
    assert [ln.units for ln in charge.lines] == [10, 10]
    assert "上限" in charge.lines[1].description and charge.lines[1].unit_price_fen == D(30)


def test_subscription_overage_lines():
    charge = rate_month(OVERAGE, units_by_day={"2026-10-01": 600, "2026-10-20": 650})
    assert [(ln.description, ln.units) for ln in charge.lines] == [("订阅包含次数", 1000), ("超出订阅包含次数", 250)]


def test_a_cap_lowered_mid_month_on_graduated_bands_keeps_band_order():
    # 150 calls on 10-01 (cap ¥2.00), 100 on 10-20 (cap ¥0.60): bands 1–100 ¥1, 101–150 ¥0.80 on day one;
    # day two continues in band 2 (151–250) at min(¥0.80, ¥0.60) = ¥0.60
    charge = rate_month(GRAD, units_by_day={"2026-10-01": 150, "2026-10-20": 100},
                        cap_by_day={"2026-10-01": D(200), "2026-10-20": D(60)})
    assert charge.amount_fen == 100 * 100 + 50 * 80 + 100 * 60


def test_no_cap_binding_gives_what_charge_usage_gives():
    for terms in (FLAT, SUBFEN, FREE5, GRAD, GRAD_FREE, VOLUME, RECORD, OVERAGE):
        by_day = {"2026-10-03": 77, "2026-10-09": 430, "2026-10-30": 1}
        assert rate_month(terms, units_by_day=by_day) == charge_usage(terms, units=508)


def test_only_postpaid_forms_are_rated():
    assert not is_postpaid("prepaid_calls") and not is_postpaid("one_off") and not is_postpaid("subscription_month")
    assert is_postpaid_plan(OVERAGE) and not is_postpaid_plan(PlanTerms(form="subscription_month", price_fen=1,
                                                                         period_months=1))
    with pytest.raises(ValueError):
        rate_month(PlanTerms(form="prepaid_calls", price_fen=100, package_calls=10), units_by_day={"2026-10-01": 1})


DAYS = [f"2026-10-{d:02d}" for d in range(1, 32)]
events = st.lists(st.sampled_from(DAYS), min_size=0, max_size=400)
plans = st.sampled_from([FLAT, SUBFEN, FREE5, GRAD, GRAD_FREE, VOLUME, RECORD, OVERAGE])
caps = st.dictionaries(st.sampled_from(DAYS), st.integers(min_value=0, max_value=120).map(D), max_size=10)


@settings(max_examples=150, deadline=None)
@given(terms=plans, days=events, cap_by_day=caps, seed=st.integers(0, 2**32))
def test_rating_a_month_in_any_order_of_events_gives_the_same_bill(terms, days, cap_by_day, seed):
    shuffled = list(days)
    random.Random(seed).shuffle(shuffled)
    first = rate_month(terms, units_by_day=Counter(days), cap_by_day=cap_by_day)
    again = rate_month(terms, units_by_day=Counter(shuffled), cap_by_day=cap_by_day)
    assert first == again
    assert first.amount_fen <= rate_month(terms, units_by_day=Counter(days)).amount_fen  # a cap never raises it


uniform_cap = st.one_of(st.none(), st.integers(min_value=0, max_value=120).map(D))


@settings(max_examples=150, deadline=None)
@given(terms=plans, days=events, cap=uniform_cap)
def test_with_one_cap_all_month_the_split_into_days_changes_nothing(terms, days, cap):
    # billing.run rates such a month as its total on the first day (one step instead of thirty)
    caps = dict.fromkeys(DAYS, cap)
    by_day = rate_month(terms, units_by_day=Counter(days), cap_by_day=caps)
    assert rate_month(terms, units_by_day={DAYS[0]: len(days)}, cap_by_day=caps) == by_day
