"""Demo orders on top of the demo catalog: delivery files and a few orders in various states."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.errors import DomainError
from marketplace.models import Openness, OrderLine, Organization, PricePlan, Product, ProductStatus, User
from marketplace.orders.approvals import approve_public_use
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.delivery import deliverables_of, upload_deliverable
from marketplace.orders.offline import OfflineDeliveryIn, record_offline_delivery
from marketplace.orders.payments import cancel_order, record_payment

log = logging.getLogger(__name__)
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "instance" / "deliveries"

DEMO_CSV = """统计月份,区县,登记企业数,新增企业数,注销企业数,小微企业占比
2026-08,鼓楼区,52310,612,140,0.873
2026-08,台江区,31877,388,95,0.891
2026-08,仓山区,60215,804,171,0.902
2026-09,鼓楼区,52782,598,126,0.874
2026-09,台江区,32170,402,109,0.890
2026-09,仓山区,60848,815,182,0.903
"""
DEMO_REPORT = """# 2026 年第三季度区域营商环境监测报告（示例）

## 摘要
本季度全市新登记市场主体同比增长 6.2%，其中数字经济相关企业增长 11.4%。

## 主要发现
1. 开办企业平均用时 0.8 个工作日，较上季度缩短 0.1 个工作日。
2. 政务服务事项“一网通办”率 98.7%。
3. 小微企业贷款可得性指数 71.3，环比上升 1.9。

## 数据来源
本报告基于授权运营的市场监管、税务、社保公共数据加工形成，原始数据未出域。
"""


def _actor(session: Session, email: str) -> Actor | None:
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    return Actor(user.id, user.email, user.org_id) if user else None


def _product_with_one_off(session: Session, ptype: str, skip: set[int],
                          offline: bool = False) -> tuple[Product, PricePlan] | None:
    products = session.execute(select(Product).where(
        Product.status == ProductStatus.LISTED, Product.type == ptype, Product.openness == Openness.UNCONDITIONAL,
        Product.broker_id.is_(None), Product.offline_delivery.is_(offline)).order_by(Product.id)).scalars()
    for product in products:
        if product.id in skip:
            continue
        for plan in session.execute(select(PricePlan).where(PricePlan.product_id == product.id,
                                                            PricePlan.active.is_(True))).scalars():
            if json.loads(plan.terms).get("form") == "one_off":
                return product, plan
    return None


def _order(session: Session, buyer: Actor, org: Organization, pick, n: int, **kw):
    product, plan = pick
    return place_order(session, actor=buyer, buyer_org_id=org.id, product_id=product.id, plan_id=plan.id,
                       quantity=kw.pop("quantity", 1), use_type=kw.pop("use_type", "industry"),
                       purpose=kw.pop("purpose", "用于区域招商选址与信贷风险评估"),
                       invoice=InvoiceIn(title=org.name, taxpayer_id=org.uscc, kind="special"),
                       submit_token=f"demo-order-{n:04d}")


def _offline_order(session: Session, buyer: Actor, finance: Actor, org: Organization) -> None:
    """A paid order of an offline-delivery product that the operator has delivered and the buyer must confirm."""
    pick = _product_with_one_off(session, "package", set(), offline=True) or \
        _product_with_one_off(session, "report", set(), offline=True)
    if pick is None:
        return
    order = _order(session, buyer, org, pick, 6)
    record_payment(session, actor=finance, order_id=order.id, method="bank_transfer", amount_fen=order.total_fen,
                   external_id="DEMO-BANK-0006")
    line = session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()
    record_offline_delivery(session, actor=Actor.system("demo"), operator_org_id=line.operator_id, line_id=line.id,
                            data=OfflineDeliveryIn(method="加密移动硬盘交付（双人押运）", delivered_on=today_local(),
                                                   reference="JF-DEMO-0006", note="交付清单与签收单随盘附上"))


def load_orders_demo(session: Session, orgs: dict[str, Organization], storage_dir: Path | None = None) -> None:
    """Files for a demo package and report; orders delivered, awaiting payment, awaiting approval, cancelled."""
    storage_dir = storage_dir or DEFAULT_DIR
    buyer, finance = _actor(session, "buyer@demo.cn"), _actor(session, "finance@demo.cn")
    package = _product_with_one_off(session, "package", set())
    report = _product_with_one_off(session, "report", set())
    if buyer is None or finance is None or package is None or report is None:
        log.info("orders demo: no buyer or no listed package/report with a one-off plan, skipping")
        return
    system, org = Actor.system("demo"), orgs["buyer_a"]
    try:
        for (product, _plan), name, text in ((package, "企业登记统计_2026Q3.csv", DEMO_CSV),
                                              (report, "营商环境监测报告_2026Q3.md", DEMO_REPORT)):
            if deliverables_of(session, product.id):  # the catalog demo already attached its file
                continue
            upload_deliverable(session, actor=system, operator_org_id=product.operator_id, product_id=product.id,
                               filename=name, content=text.encode(), storage_dir=storage_dir)
        paid = _order(session, buyer, org, package, 1)
        record_payment(session, actor=finance, order_id=paid.id, method="bank_transfer", amount_fen=paid.total_fen,
                       external_id="DEMO-BANK-0001")
        _order(session, buyer, org, report, 2)  # awaiting payment (bank transfer)
        public = _order(session, buyer, org, report, 3, use_type="public",
                        purpose="用于市政府营商环境评估的公益研究，成果公开发布")
        _order(session, buyer, org, package, 4, use_type="public", purpose="用于区级应急物资保障规划（公益）")
        approve_public_use(session, actor=system, order_id=public.id, operator_org_id=report[0].operator_id)
        cancelled = _order(session, buyer, org, package, 5)
        cancel_order(session, actor=buyer, order_id=cancelled.id, reason="重复下单", buyer_org_id=org.id)
        _offline_order(session, buyer, finance, org)
    except DomainError as e:  # refused before writing: the catalog demo changed shape; keep the rest loading
        log.warning("orders demo skipped: %s", e.text)
