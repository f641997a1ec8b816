"""Demo data for `python app.py` on an empty database. Every party is fictional (示例…)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace import accounts
from marketplace.audit import Actor, record_audit
from marketplace.catalog.popular import refresh_popularity
from marketplace.clock import SHANGHAI, as_utc
from marketplace.demand.demo import load_demand_demo
from marketplace.demo_files import prepare_delivery
from marketplace.demo_history import load_demo_history
from marketplace.demo_returns import load_return_demo
from marketplace.disclosure.demo import load_disclosure_demo
from marketplace.gateway.demo import load_gateway_demo
from marketplace.models import (
    Agreement,
    CapPrice,
    Notification,
    Organization,
    OrgKind,
    OrgStatus,
    PricePlan,
    Product,
)
from marketplace.models.base import utcnow
from marketplace.orders.demo import DEFAULT_DIR, load_orders_demo
from marketplace.supply.demo import load_catalog_demo
from marketplace.uscc import make_uscc

DEMO_PASSWORD = "Shuju-Jiaoyi-2026"  # 数据交易: strong enough for the password rule, easy to type

# (key, name, kind, 17-character code prefix, verified?)
ORGS = [
    ("exchange", "示例公共数据交易中心", OrgKind.EXCHANGE, "12350000000000011", True),
    ("authority", "示例省大数据管理局", OrgKind.AUTHORITY, "11350000000000021", True),
    ("op_central", "示例省数字集团有限公司", OrgKind.OPERATOR, "91350000000000031", True),
    ("op_regional", "示例市城市大数据运营有限公司", OrgKind.OPERATOR, "91330100000000041", True),
    ("op_finance", "示例金融公共数据运营有限公司", OrgKind.OPERATOR, "91110000000000051", True),
    ("broker_a", "示例数信数据经纪有限公司", OrgKind.BROKER, "91350100000000061", True),
    ("broker_b", "示例汇通数据服务有限公司", OrgKind.BROKER, "91330100000000071", True),
    ("buyer_a", "示例智联科技有限公司", OrgKind.ENTERPRISE, "91350100000000081", True),
    ("buyer_b", "示例远航物流有限公司", OrgKind.ENTERPRISE, "91350200000000091", False),
]

# (email, role, org key, name)
USERS = [
    ("admin@demo.cn", "admin", "exchange", "管理员 王敏"),
    ("reviewer@demo.cn", "reviewer", "exchange", "审核员 李静"),
    ("finance@demo.cn", "finance", "exchange", "财务 陈晨"),
    ("authority@demo.cn", "authority", "authority", "数据管理局 赵磊"),
    ("operator@demo.cn", "operator", "op_central", "运营 林涛"),
    ("operator2@demo.cn", "operator", "op_regional", "运营 周洁"),
    ("operator3@demo.cn", "operator", "op_finance", "运营 孙悦"),
    ("broker@demo.cn", "broker", "broker_a", "经纪人 黄河"),
    ("broker2@demo.cn", "broker", "broker_b", "经纪人 吴越"),
    ("buyer@demo.cn", "buyer", "buyer_a", "采购 郑好"),
    ("buyer2@demo.cn", "buyer", "buyer_b", "采购 冯远"),
]


def demo_orgs(session: Session) -> dict[str, Organization]:
    """Create the demo organizations; returns them by key."""
    orgs = {}
    for key, name, kind, prefix, verified in ORGS:
        org = Organization(name=name, uscc=make_uscc(prefix), kind=kind, contact_name="示例联系人",
                           phone="0591-87650000", email=f"contact-{key}@demo.cn",
                           status=OrgStatus.VERIFIED if verified else OrgStatus.PENDING,
                           verified_at=utcnow() if verified else None)
        session.add(org)
        orgs[key] = org
    session.flush()
    return orgs


def load_demo(session: Session, storage_dir: Path | None = None) -> dict[str, Organization]:
    """Load every demo party and one login per role (password DEMO_PASSWORD); delivery files go to storage_dir."""
    actor = Actor.system("demo")
    orgs = demo_orgs(session)
    for key, org in orgs.items():
        record_audit(session, actor=actor, action="org.create", object_type="organization", object_id=org.id,
                     after={"name": org.name, "kind": org.kind, "demo": key})
    for email, role, key, name in USERS:
        accounts.create_user(session, actor=actor, email=email, password=DEMO_PASSWORD, role=role,
                             org=orgs[key], name=name)
    _load_later_parts(session, orgs, storage_dir)
    _read_setup_notifications(session)
    session.flush()
    refresh_popularity(session)  # as the nightly seal-usage would have: the catalog's 最受欢迎 sort
    return orgs


def _read_setup_notifications(session: Session) -> None:
    """Listing the demo catalog approved every product: that is history, not news for the bell or the mail."""
    session.execute(update(Notification).where(Notification.kind.in_(("listing_approved", "cap_changed")))
                    .values(read_at=utcnow(), email_state="skipped"))


def _on_sale_since_agreements(session: Session) -> None:
    """Each listed demo product went on sale the day its agreement began (00:00 Asia/Shanghai): the demo sells
    them last year and discloses last year, and a year's disclosure lists only what was on sale by its end.
    The review use case stamps approval "now"; this dates the demo catalog as the history it stands for."""
    rows = session.execute(
        select(Product, Agreement.start_date)
        .join(Agreement, Agreement.id == Product.agreement_id)
        .where(Product.listed_at.is_not(None))
    ).all()
    for product, start in rows:
        product.listed_at = datetime.combine(start, time.min, SHANGHAI).astimezone(UTC)
        # its first plans and its caps date from then too: what it was sold at last year, and last year's
        # disclosure and price index show (later versions and cap changes keep their own dates)
        for plan in session.execute(select(PricePlan).where(PricePlan.product_id == product.id,
                                                            PricePlan.version == 1)).scalars():
            plan.created_at = min(as_utc(plan.created_at), product.listed_at)
        first_caps: dict[str, CapPrice] = {}
        for cap in session.execute(select(CapPrice).where(CapPrice.product_id == product.id)
                                   .order_by(CapPrice.id)).scalars():
            first_caps.setdefault(cap.charge_form, cap)
        for cap in first_caps.values():
            cap.effective_from = min(as_utc(cap.effective_from), product.listed_at)
    session.flush()


def _load_later_parts(session: Session, orgs: dict[str, Organization], storage_dir: Path | None) -> None:
    """Hook for the catalog, orders and API demo data of later features."""
    storage_dir = storage_dir or DEFAULT_DIR
    actor = Actor.system("demo")

    def prepare(s: Session, product) -> None:
        prepare_delivery(s, actor=actor, product=product, storage_dir=storage_dir)

    load_catalog_demo(session, orgs, prepare=prepare)  # agreements, brokers, mandates, caps, 64 deliverable products
    load_demand_demo(session, orgs)  # after the catalog demo: applies and asks quotes for its products
    load_gateway_demo(session, orgs)  # three callable API products, a buyer key and some usage
    load_orders_demo(session, orgs, storage_dir=storage_dir)  # delivery files and orders in each state
    load_demo_history(session, orgs, storage_dir=storage_dir)  # last month: sales, a refund and calls to close
    _on_sale_since_agreements(session)  # before the sales of last year and last year's disclosure
    load_return_demo(session, orgs)  # settled months of last and this year, costs and taxes, last year's reports
    load_disclosure_demo(session, orgs)  # last year's disclosure: one operator on time, one not yet
