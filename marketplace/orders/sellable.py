"""Whether a product can be bought today (R5), and who sells it (R6: the broker's mandate commission)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace.clock import today as today_local
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import (
    Agreement,
    AgreementStatus,
    Mandate,
    MandateProduct,
    MandateStatus,
    Product,
    ProductStatus,
    SecurityGrade,
)
from marketplace.orders.common import OrderError


@dataclass(frozen=True)
class LineSeller:
    """The broker of a line (None when the operator sells directly) and its commission."""

    broker_id: int | None = None
    commission_bps: int = 0


def check_sellable(session: Session, product: Product | None) -> None:
    """Listed, not core data, under an active agreement whose term includes today; else refused."""
    if product is None or product.status != ProductStatus.LISTED:
        raise NotFound(N_("产品不存在或已下架"))
    if product.security_grade == SecurityGrade.CORE:
        raise OrderError(N_("核心数据不得交易"))
    agreement = session.get(Agreement, product.agreement_id)
    today = today_local()
    if agreement is None or agreement.status != AgreementStatus.ACTIVE \
            or not agreement.start_date <= today <= agreement.end_date:
        raise OrderError(N_("该产品的授权运营协议不在有效期内，暂停销售"))


def active_mandate(session: Session, product: Product) -> Mandate | None:
    """The active mandate of the product's broker covering it today, if any."""
    today = today_local()
    return session.execute(
        select(Mandate).join(MandateProduct, MandateProduct.mandate_id == Mandate.id)
        .where(MandateProduct.product_id == product.id, Mandate.broker_id == product.broker_id,
               Mandate.operator_id == product.operator_id, Mandate.status == MandateStatus.ACTIVE,
               Mandate.start_date <= today, Mandate.end_date >= today)
        .order_by(Mandate.id.desc()).limit(1)
    ).scalar_one_or_none()


def seller_of(session: Session, product: Product) -> LineSeller:
    """Operator-direct, or the broker with its mandate's commission; a broker without a mandate may not sell."""
    if product.broker_id is None:
        return LineSeller()
    mandate = active_mandate(session, product)
    if mandate is None:
        raise OrderError(N_("该产品的经纪委托已失效，暂停销售"))
    return LineSeller(broker_id=product.broker_id, commission_bps=mandate.commission_bps)
