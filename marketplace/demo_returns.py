"""Demo reasonable-return figures: settled months of last and this year, cost and tax entries per operator.

Sales go through the demo history's seller (real orders, moved into the month) and each month is closed and
confirmed like finance does, so the reports read confirmed operator statements. Last month stays open (the
demo history leaves it for finance to close). Last year the provincial operator sold more than its costs allow:
its accepted report carries the excess into this year. The city operator's last-year report waits for review.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.demo_history import History, _actor, _Seller
from marketplace.models import Openness, Organization, PricePlan, Product, ProductStatus
from marketplace.returns.costs import CostIn, add_cost, correct_cost, year_entries
from marketplace.returns.review import accept_report, submit_report
from marketplace.settlement.close import close_period, confirm_period
from pricing import PlanTerms

# operator key → this year's costs by category and its taxes (yuan): the provincial operator's forecast passes
# its allowed revenue (a warning), the other two keep headroom
COSTS = {
    "op_central": {
        "data_governance": 48_000,
        "compute_storage": 36_000,
        "security": 18_000,
        "labour": 52_000,
        "platform_fees": 4_000,
        "other": 6_000,
        "taxes": 5_000,
    },
    "op_regional": {
        "data_governance": 220_000,
        "compute_storage": 160_000,
        "security": 80_000,
        "labour": 380_000,
        "platform_fees": 20_000,
        "taxes": 24_000,
    },
    "op_finance": {  # started this year: its few months' run rate still keeps under these costs
        "data_governance": 700_000,
        "compute_storage": 1_000_000,
        "security": 400_000,
        "labour": 600_000,
        "taxes": 20_000,
    },
}
LAST_YEAR_SHARE = {"op_central": 0.6, "op_regional": 0.15}  # of this year's costs; op_finance started this year
NOTES = {
    "data_governance": "数据清洗、脱敏与质量核查",
    "compute_storage": "隐私计算平台与云存储租用",
    "security": "等保测评与安全运维",
    "labour": "运营与技术人员薪酬（分摊）",
    "platform_fees": "交易平台服务费",
    "other": "办公与差旅",
    "taxes": "城建税及教育费附加",
}
LAST_YEAR_CENTRAL_SALES = 30  # orders by the provincial operator last year: more than its small costs allow
LAST_YEAR_REGIONAL_SALES = 3
SALES_PER_MONTH = {"op_central": 3, "op_regional": 2, "op_finance": 1}


def _one_off(session: Session, operator: Organization) -> list[tuple[Product, PricePlan]]:
    """The operator's listed, unconditional, online one-off products it sells itself, cheapest first."""
    picks = []
    products = session.execute(
        select(Product)
        .where(
            Product.operator_id == operator.id,
            Product.status == ProductStatus.LISTED,
            Product.openness == Openness.UNCONDITIONAL,
            Product.broker_id.is_(None),
            Product.offline_delivery.is_(False),
        )
        .order_by(Product.id)
    ).scalars()
    for product in products:
        for plan in session.execute(
            select(PricePlan).where(PricePlan.product_id == product.id, PricePlan.active.is_(True))
        ).scalars():
            terms = PlanTerms.from_dict(json.loads(plan.terms))
            if terms.form.value == "one_off" and terms.price_fen > 0:
                picks.append((terms.price_fen, product, plan))
                break
    return [(p, plan) for _price, p, plan in sorted(picks, key=lambda x: x[0])[:4]]


def _months(year: int, today: date) -> list[date]:
    """A sale day in each month of the year that ended before last month (last month stays open)."""
    open_from = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return [date(year, m, 12) for m in range(1, 13) if date(year, m, 1) < open_from]


def _settle(session: Session, months: list[date], today: date) -> None:
    actor = Actor.system("demo")
    for day in months:
        close_period(session, period=f"{day:%Y-%m}", actor=actor, today=today)
        confirm_period(session, period=f"{day:%Y-%m}", actor=actor)


def _costs(session: Session, key: str, operator: Organization, year: int, share: float, products, today: date) -> list:
    actor = Actor.system("demo")
    entries = []
    for n, (category, yuan) in enumerate(COSTS[key].items()):
        product = products[0][0] if category == "compute_storage" and products else None
        entries.append(
            add_cost(
                session,
                actor=actor,
                operator_id=operator.id,
                year=year,
                today=today,
                data=CostIn(
                    category,
                    int(yuan * share) * 100,
                    date(year, 1 + n % 6, 20),
                    NOTES[category],
                    product.id if product else None,
                ),
            )
        )
    return entries


def load_return_demo(session: Session, orgs: dict[str, Organization], *, today: date | None = None) -> None:
    """Settled sales of last year (provincial operator) and of this year up to the month before last."""
    today = today or today_local()
    buyer, finance = _actor(session, "buyer@demo.cn"), _actor(session, "finance@demo.cn")
    if buyer is None or finance is None:
        return
    seller = _Seller(session, buyer, finance, orgs["buyer_a"], History(period="returns"))
    products = {key: _one_off(session, orgs[key]) for key in COSTS}
    last_year = _months(today.year - 1, today)
    for n in range(LAST_YEAR_CENTRAL_SALES):
        seller.sell(
            products["op_central"][n % len(products["op_central"])],
            last_year[n % len(last_year)] + timedelta(days=n % 3),
        )
    for n in range(LAST_YEAR_REGIONAL_SALES):  # its agreement began late last year
        seller.sell(products["op_regional"][n % len(products["op_regional"])], last_year[-1 - n % 2])
    this_year = _months(today.year, today)
    for month, day in enumerate(this_year):
        for key, count in SALES_PER_MONTH.items():
            for k in range(count + month % 2):
                seller.sell(products[key][(month + k) % len(products[key])], day + timedelta(days=k))
    _settle(session, last_year + this_year, today)
    for key in COSTS:
        _costs(session, key, orgs[key], today.year, 1, products[key], today)
        if key in LAST_YEAR_SHARE:
            _costs(session, key, orgs[key], today.year - 1, LAST_YEAR_SHARE[key], products[key], today)
    _last_year_reports(session, orgs, today)


def _last_year_reports(session: Session, orgs: dict[str, Organization], today: date) -> None:
    """A correction on the provincial operator's last-year labour cost, its report accepted; the city's submitted."""
    central = orgs["op_central"]
    op_actor = _actor(session, "operator@demo.cn")
    labour = next(
        e for e in year_entries(session, operator_id=central.id, year=today.year - 1) if e.category == "labour"
    )
    correct_cost(
        session,
        actor=op_actor,
        operator_id=central.id,
        entry_id=labour.id,
        amount_fen=-300_000,
        note="更正：误计入的外包人员费用",
        spent_on=date(today.year - 1, 12, 28),
        today=today,
    )
    report = submit_report(session, actor=op_actor, operator_id=central.id, year=today.year - 1, today=today)
    authority = _actor(session, "authority@demo.cn")
    accept_report(session, actor=authority, report_id=report.id, authority_id=orgs["authority"].id)
    submit_report(
        session,
        actor=_actor(session, "operator2@demo.cn"),
        operator_id=orgs["op_regional"].id,
        year=today.year - 1,
        today=today,
    )
