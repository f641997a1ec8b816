"""Whether a product can be bought today (R5), and who sells it (R6: the broker's mandate commission)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import PricePlan, Product
from marketplace.orders.common import OrderError
from marketplace.supply.on_sale import product_mandate, require_on_sale


@dataclass(frozen=True)
class LineSeller:
    """The broker of a line (None when the operator sells directly) and its commission."""

    broker_id: int | None = None
    commission_bps: int = 0


def check_sellable(session: Session, product: Product | None, *, plan: PricePlan | None = None,
                   offer: bool = False, product_only: bool = False) -> None:
    """On sale today (supply.on_sale: R3, R5, R6), with this plan when given; NotFound for an unknown product."""
    if product is None:
        raise NotFound(N_("产品不存在或已下架"))
    require_on_sale(session, product, plan=plan, offer=offer, product_only=product_only)


def seller_of(session: Session, product: Product) -> LineSeller:
    """Operator-direct, or the broker with its mandate's commission; a broker without a mandate may not sell."""
    if product.broker_id is None:
        return LineSeller()
    mandate = product_mandate(session, product)
    if mandate is None:
        raise OrderError(N_("该产品的经纪委托已失效，暂停销售"))
    return LineSeller(broker_id=product.broker_id, commission_bps=mandate.commission_bps)
