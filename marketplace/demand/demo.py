"""Demo applications and quotes on top of the demo catalog, made through the real use cases."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.demand import applications, quotes
from marketplace.demand.parties import current_cap_fen
from marketplace.models import Openness, Organization, PricePlan, Product, ProductStatus, User

log = logging.getLogger(__name__)
DEFAULT_OFFER_FEN = 2_800_000  # ¥28,000.00


def _actor(session: Session, org_id: int) -> Actor | None:
    user = session.execute(select(User).where(User.org_id == org_id, User.active).order_by(User.id)).scalars().first()
    return Actor(user_id=user.id, label=user.email, org_id=org_id) if user else None


def _listed(session: Session, operator_id: int, *conditions) -> list[Product]:
    query = select(Product).where(Product.status == ProductStatus.LISTED, *conditions)
    rows = list(session.execute(query.order_by(Product.id)).scalars())
    return sorted(rows, key=lambda p: p.operator_id != operator_id)  # the first operator's products first


def _negotiated_first(session: Session, products: list[Product]) -> list[Product]:
    nego = set(session.execute(select(PricePlan.product_id).where(PricePlan.charge_form == "negotiated",
                                                                  PricePlan.active)).scalars())
    return sorted(products, key=lambda p: p.id not in nego)


def _offer(session: Session, quote, price_fen: int, note: str):
    seller = _actor(session, quote.seller_org_id)
    cap = current_cap_fen(session, quote.product_id, "one_off") or current_cap_fen(session, quote.product_id,
                                                                                  "negotiated")
    price = int(min(price_fen, cap)) if cap else price_fen
    return quotes.make_offer(session, actor=seller, quote_id=quote.id, price_fen=price,
                             terms={"form": "one_off", "price_fen": price},
                             valid_until=today_local() + timedelta(days=30), note=note)


def load_demand_demo(session: Session, orgs: dict[str, Organization]) -> None:
    """A pending application, a quote with an open offer and a quote whose offer was declined."""
    buyer = _actor(session, orgs["buyer_a"].id)
    op_id = orgs["op_central"].id
    if buyer is None:
        return
    conditional = _listed(session, op_id, Product.openness == Openness.CONDITIONAL)
    if conditional:
        applications.apply_for_access(
            session, actor=buyer, slug=conditional[0].slug, use_type="industry",
            purpose="用于本公司小微企业贷款的贷前经营状况核验", scenario="线上信贷审批系统，预计每月约 2 万次查询")
    products = _negotiated_first(session, _listed(session, op_id, Product.openness == Openness.UNCONDITIONAL))
    if len(products) < 2:
        log.info("demand demo: no listed products, skipping quotes")
        return
    first = quotes.request_quote(session, actor=buyer, slug=products[0].slug, volume="全省 2025 年全量数据",
                                 period="12 个月", use_type="industry",
                                 message="需要全部字段，按月增量更新，请报一年的价格。")
    quotes.post_message(session, actor=_actor(session, first.seller_org_id), quote_id=first.id,
                        body="您好，全量数据含约 120 万条记录，月度增量随包交付，报价稍后发出。")
    _offer(session, first, DEFAULT_OFFER_FEN, "含 12 个月增量更新与字段说明文档")
    second = quotes.request_quote(session, actor=buyer, slug=products[1].slug, volume="10 万条样本",
                                  period="一次性", use_type="industry", message="用于模型验证，只需样本数据。")
    offer = _offer(session, second, DEFAULT_OFFER_FEN // 2, "样本按字段脱敏后交付")
    quotes.decline_offer(session, actor=buyer, offer_id=offer.id, reason="预算不足，暂不采购")
