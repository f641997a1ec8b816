"""Demo history: last calendar month (Asia/Shanghai) of sales and calls, so finance can close it on first start.

Orders go through the real use cases (place, pay, refund: audit trail, entitlements, keys); their timestamps
are then moved into last month, because the use cases stamp "now". Usage events are inserted as the gateway
writes them. The result: paid one-off, subscription and prepaid orders, a broker sale, a refund, and calls
under flat, graduated and volume per-call plans.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import SHANGHAI
from marketplace.clock import today as today_local
from marketplace.demo_files import prepare_delivery
from marketplace.errors import DomainError
from marketplace.gateway.datasets import Definition, Table
from marketplace.gateway.demo import enterprises
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import ApiProductIn, create_api_product
from marketplace.keys import issue_api_key
from marketplace.models import (
    Entitlement,
    Openness,
    Order,
    Organization,
    PricePlan,
    Product,
    ProductStatus,
    ProductType,
    User,
)
from marketplace.models.metering import ApiDataset, QuotaCounter, UsageEvent
from marketplace.models.payments import Payment
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.demo import DEFAULT_DIR
from marketplace.orders.payments import record_payment, record_refund
from marketplace.supply.agreements import authority_actor
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.importer import DELIVERY, registration_code
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from pricing import ChargeForm, PlanTerms, Tier

log = logging.getLogger(__name__)
VOLUME_SLUG = "enterprise-abnormal-operation-list"


@dataclass
class History:
    """What the demo history made, for the demo test and the log."""

    period: str
    orders: list[Order] = field(default_factory=list)
    refunded: list[Order] = field(default_factory=list)
    broker_orders: list[Order] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)  # charge form → billable calls


def previous_month(today: date) -> tuple[date, date]:
    """First and last day of the calendar month before `today`."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _actor(session: Session, email: str) -> Actor | None:
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    return Actor(user.id, user.email, user.org_id) if user else None


def _plans(session: Session, product: Product) -> list[tuple[PricePlan, PlanTerms]]:
    rows = session.execute(
        select(PricePlan).where(PricePlan.product_id == product.id, PricePlan.active.is_(True)).order_by(PricePlan.id)
    ).scalars()
    return [(p, PlanTerms.from_dict(json.loads(p.terms))) for p in rows]


def _pick(session: Session, form: ChargeForm, *, types=None, skip=()) -> tuple | None:
    """The first listed, unconditional product (sold by its operator, delivered online) with a plan of this form."""
    query = select(Product).where(
        Product.status == ProductStatus.LISTED, Product.openness == Openness.UNCONDITIONAL, Product.broker_id.is_(None),
        Product.offline_delivery.is_(False),
    )
    if types:
        query = query.where(Product.type.in_(types))
    if types == (ProductType.API,):  # only API products whose dataset answers calls
        query = query.where(Product.id.in_(select(ApiDataset.product_id)))
    for product in session.execute(query.order_by(Product.id)).scalars():
        if product.id in skip:
            continue
        for plan, terms in _plans(session, product):
            if terms.form is form:
                return product, plan
    return None


def _shift(order: Order, session: Session, moment: datetime) -> None:
    """Move an order made just now, its payments and entitlements (keeping their term), to `moment`."""
    for attr in ("created_at", "paid_at", "delivered_at"):
        if getattr(order, attr) is not None:
            setattr(order, attr, moment)
    for payment in session.execute(select(Payment).where(Payment.order_id == order.id)).scalars():
        payment.created_at = moment
    for ent in session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalars():
        term = ent.ends_at - ent.starts_at if ent.ends_at else None
        ent.starts_at = ent.created_at = moment
        ent.ends_at = moment + term if term else None


class _Seller:
    """Places and pays the demo orders of the history for one buyer."""

    def __init__(self, session: Session, buyer: Actor, finance: Actor, org: Organization, history: History):
        self.session, self.buyer, self.finance, self.org, self.history = session, buyer, finance, org, history
        self.n = 0

    def sell(self, pick: tuple, day: date, *, quantity: int = 1) -> Order:
        product, plan = pick
        self.n += 1
        order = place_order(
            self.session,
            actor=self.buyer,
            buyer_org_id=self.org.id,
            product_id=product.id,
            plan_id=plan.id,
            quantity=quantity,
            use_type="industry",
            purpose="用于企业客户尽职调查与区域经营分析（示例历史）",
            invoice=InvoiceIn(title=self.org.name, taxpayer_id=self.org.uscc, kind="special"),
            submit_token=f"demo-history-{self.history.period}-{self.n:03d}",
        )
        if order.total_fen > 0:
            record_payment(
                self.session,
                actor=self.finance,
                order_id=order.id,
                method="bank_transfer",
                amount_fen=order.total_fen,
                external_id=f"DEMO-HIST-{self.history.period}-{self.n:03d}",
            )
        _shift(order, self.session, _at(day, 9 + self.n % 8))
        self.history.orders.append(order)
        return order

    def refund(self, order: Order, day: date) -> None:
        record_refund(self.session, actor=self.finance, order_id=order.id, reason="需求方重复采购，协商退款（示例）")
        order.closed_at = _at(day, 15)
        refund = self.session.execute(
            select(Payment).where(Payment.order_id == order.id, Payment.amount_fen < 0)
        ).scalar_one()
        refund.created_at = order.closed_at
        for ent in self.session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalars():
            ent.ends_at = order.closed_at  # the rights ended with the refund
        self.history.refunded.append(order)


def _volume_product(session: Session, orgs: dict[str, Organization]) -> Product:
    """An API product priced by volume tiers (the whole month's calls at the tier the total reaches)."""
    terms = PlanTerms(
        form=ChargeForm.PER_CALL_VOLUME,
        tiers=(Tier(up_to=1000, unit_price_fen=Decimal(30)), Tier(up_to=None, unit_price_fen=Decimal(20))),
    )
    actor, reviewer = Actor.system("demo"), Actor.system("demo-reviewer")
    rows = enterprises(120, seed=13)
    return create_api_product(
        session,
        actor=actor,
        reviewer=reviewer,
        operator=orgs["op_central"],
        approve=True,
        cap_setter=authority_actor(session, orgs["authority"].id),
        table=Table(tuple(rows[0]), rows),
        source_name="demo-enterprises.csv",
        definition=Definition(
            key_fields=("uscc",), rules=(FieldRule("name"), FieldRule("status"), FieldRule("industry"))
        ),
        data=ApiProductIn(
            slug=VOLUME_SLUG,
            registration_code="FJ-API-2026-0004",
            title="企业经营状态查询接口",
            domain="credit",
            summary="按统一社会信用代码查询企业存续、注销等经营状态（按量阶梯计价）",
            caps=((ChargeForm.PER_CALL_VOLUME, Decimal(40)),),
            plans=({"name": "按量阶梯（月调用量越大单价越低）", **terms.validate().to_dict()},),
        ),
    )


# (title, type, operator key, broker key or None, plans): what the catalog demo does not sell
OWN_PRODUCTS = (
    (
        "企业经营监测月度报告（订阅）",
        "report",
        "op_central",
        None,
        ({"name": "按月订阅", "form": "subscription_month", "period_months": 1, "price_fen": 30000},),
    ),
    (
        "区域产业链企业图谱数据包",
        "package",
        "op_central",
        "broker_a",
        ({"name": "一次性购买", "form": "one_off", "price_fen": 120000},),
    ),
)


def _own_product(session: Session, orgs, title: str, ptype: str, operator: str, broker: str | None, plans, *,
                 storage_dir: Path | None) -> tuple:
    """A listed product made through the supply use cases (create, cap, submit, approve); returns (product, plan)."""
    actor, today = Actor.system("demo"), today_local()
    data = {
        "type": ptype,
        "title": title,
        "summary": f"{title}（示例）",
        "domain": "credit",
        "region": "福建省",
        "description_md": f"## {title}\n\n基于授权运营的市场监管与税务公共数据加工形成（示例）。",
        "openness": "unconditional",
        "security_grade": "general",
        "delivery_mode": DELIVERY[ptype],
        "registration_code": registration_code({"title": title}),
        "update_frequency": "monthly",
        "data_dictionary": [{"name": "uscc", "type": "string", "meaning": "统一社会信用代码", "masked": False}],
        "sample_rows": [{"uscc": "91350100MA00000000"}],
    }
    product = create_product(
        session,
        actor=actor,
        operator_id=orgs[operator].id,
        data=data,
        plans=list(plans),
        broker_id=orgs[broker].id if broker else None,
        today=today,
    )
    prepare_delivery(session, actor=actor, product=product, storage_dir=storage_dir or DEFAULT_DIR)
    authority = authority_actor(session, orgs["authority"].id)  # caps are the authority's (R3)
    for plan in plans:
        set_cap(
            session,
            actor=authority,
            product_id=product.id,
            charge_form=plan["form"],
            today=today,
            authority_id=orgs["authority"].id,
            cap_fen=Decimal(plan["price_fen"]) * 2,
        )
    revision = submit_revision(session, actor=actor, product_id=product.id, today=today)
    approve_revision(session, actor=Actor.system("demo-reviewer"), revision_id=revision.id, today=today)
    session.flush()
    return product, _plans(session, product)[0][0]


def _calls(session: Session, order: Order, first: date, last: date, per_day: tuple[int, ...]) -> int:
    """Insert a month of calls on the order's entitlement, as the gateway writes them; returns billable ones."""
    ent = session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalar_one()
    key, _plaintext = issue_api_key(session, actor=Actor.system("demo"), entitlement=ent, label="demo-history")
    session.flush()
    billable, day, rows = 0, first, []
    while day <= last:
        count = per_day[(day.day - 1) % len(per_day)]
        for i in range(count):
            ok = i % 12 != 11  # one call in twelve answers 404 and is not billable (R9)
            billable += ok
            digest = hashlib.sha256(f"history:{ent.id}:{day}:{i}".encode()).hexdigest()[:32]
            rows.append(
                UsageEvent(
                    request_id=f"req_{digest}",
                    api_key_id=key.id,
                    entitlement_id=ent.id,
                    product_id=ent.product_id,
                    buyer_org_id=ent.buyer_org_id,
                    plan_id=ent.plan_id,
                    at=_at(day, 18) + timedelta(seconds=17 * i),
                    day=day.isoformat(),
                    status=200 if ok else 404,
                    billable=ok,
                    records=int(ok),
                )
            )
        day += timedelta(days=1)
    session.add_all(rows)
    counter = session.get(QuotaCounter, ent.id)
    if counter is not None:
        counter.used += billable
    return billable


def load_demo_history(session: Session, orgs: dict[str, Organization], *, today: date | None = None,
                      storage_dir: Path | None = None) -> History | None:
    """Last month's paid orders, a broker sale, a refund and metered calls of three plan kinds."""
    first, last = previous_month(today or today_local())
    history = History(period=f"{first:%Y-%m}")
    buyer, finance = _actor(session, "buyer@demo.cn"), _actor(session, "finance@demo.cn")
    if buyer is None or finance is None:
        return None
    seller = _Seller(session, buyer, finance, orgs["buyer_a"], history)
    _sales(session, orgs, history, seller, first, last, storage_dir=storage_dir)
    session.flush()
    return history


def _sales(session: Session, orgs, history: History, seller: _Seller, first: date, last: date, *,
           storage_dir: Path | None) -> None:
    package = _pick(session, ChargeForm.ONE_OFF, types=(ProductType.PACKAGE,))
    report = _pick(session, ChargeForm.ONE_OFF, types=(ProductType.REPORT, ProductType.SERVICE))
    subscription, brokered = (_own_product(session, orgs, *spec, storage_dir=storage_dir) for spec in OWN_PRODUCTS)
    prepaid = _pick(session, ChargeForm.PREPAID_CALLS)
    flat = _pick(session, ChargeForm.PER_CALL_FLAT, types=(ProductType.API,))
    graduated = _pick(session, ChargeForm.PER_CALL_GRADUATED, types=(ProductType.API,))
    missing = [
        n
        for n, p in (
            ("package", package),
            ("report", report),
            ("prepaid", prepaid),
            ("flat", flat),
            ("graduated", graduated),
        )
        if p is None
    ]
    if missing:
        raise DomainError(f"no demo product for {', '.join(missing)}")
    volume_product = _volume_product(session, orgs)
    volume = (volume_product, _plans(session, volume_product)[0][0])
    seller.sell(package, first + timedelta(days=2))
    seller.sell(subscription, first + timedelta(days=5))
    seller.sell(prepaid, first + timedelta(days=7), quantity=2)
    history.broker_orders.append(seller.sell(brokered, last))  # the mandate covers the month's end
    seller.refund(seller.sell(report, first + timedelta(days=9)), first + timedelta(days=19))
    for form, pick, per_day in (
        (ChargeForm.PER_CALL_FLAT, flat, (12, 30, 7, 22)),
        (ChargeForm.PER_CALL_GRADUATED, graduated, (40, 55, 61, 38, 70)),
        (ChargeForm.PER_CALL_VOLUME, volume, (35, 48, 52)),
    ):
        order = seller.sell(pick, first)
        history.events[str(form)] = _calls(session, order, first, last, per_day)
