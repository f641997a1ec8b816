"""Broker qualifications (recorded by the exchange) and mandates (operator → broker), R6."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.i18n_marker import N_
from marketplace.models import (
    BrokerQualification,
    Mandate,
    MandateProduct,
    MandateStatus,
    Organization,
    OrgKind,
    Product,
)
from marketplace.supply.errors import Conflict, NotFound, SupplyError
from marketplace.supply.on_sale import mandates_in_force
from marketplace.supply.util import check_bps, check_term, require_text


def _broker(session: Session, broker_id: int) -> Organization:
    org = session.get(Organization, broker_id)
    if org is None or org.kind != OrgKind.BROKER:
        raise SupplyError(N_("请选择一个数据经纪人"), field="broker_id")
    return org


def record_qualification(session: Session, *, actor: Actor, broker_id: int, cert_no: str, issuer: str,
                         valid_from: date | None, valid_to: date | None) -> BrokerQualification:
    """Record a broker's qualification certificate."""
    broker = _broker(session, broker_id)
    cert_no = require_text(cert_no, "cert_no", "证书编号", 60)
    issuer = require_text(issuer, "issuer", "发证机构", 200)
    check_term(valid_from, valid_to, field="valid_to")
    if session.execute(select(BrokerQualification.id).where(BrokerQualification.cert_no == cert_no)).first():
        raise SupplyError(N_("该证书编号已登记"), field="cert_no")
    qual = BrokerQualification(broker_id=broker.id, cert_no=cert_no, issuer=issuer, valid_from=valid_from,
                               valid_to=valid_to)
    session.add(qual)
    session.flush()
    record_audit(session, actor=actor, action="broker.qualify", object_type="broker_qualification",
                 object_id=qual.id, org_id=broker.id,
                 after={"broker": broker.name, "cert_no": cert_no, "issuer": issuer, "from": valid_from,
                        "to": valid_to})
    session.flush()
    return qual


def valid_qualification(session: Session, broker_id: int, today: date) -> BrokerQualification | None:
    """A qualification of the broker valid today, if any."""
    return session.execute(
        select(BrokerQualification).where(BrokerQualification.broker_id == broker_id,
                                          BrokerQualification.valid_from <= today,
                                          BrokerQualification.valid_to >= today)
        .order_by(BrokerQualification.valid_to.desc())
    ).scalars().first()


def create_mandate(session: Session, *, actor: Actor, operator_id: int, broker_id: int, product_ids: list[int],
                   commission_bps: int, start_date: date | None, end_date: date | None,
                   today: date | None = None) -> Mandate:
    """An operator mandates a qualified broker for some of its products."""
    today = today or exchange_today()
    broker = _broker(session, broker_id)
    check_bps(commission_bps, "commission_bps", "佣金比例")
    check_term(start_date, end_date)
    if valid_qualification(session, broker.id, max(today, start_date)) is None:
        raise SupplyError(N_("%(name)s 没有有效的数据经纪人资质，不能委托"),
                          params={"name": broker.name}, field="broker_id")
    products = [session.get(Product, pid) for pid in dict.fromkeys(product_ids or ())]
    if any(p is None or p.operator_id != operator_id for p in products):
        raise NotFound(N_("数据产品不存在"))
    mandate = Mandate(operator_id=operator_id, broker_id=broker.id, commission_bps=commission_bps,
                      start_date=start_date, end_date=end_date)
    session.add(mandate)
    session.flush()
    for product in products:
        session.add(MandateProduct(mandate_id=mandate.id, product_id=product.id))
    record_audit(session, actor=actor, action="mandate.create", object_type="mandate", object_id=mandate.id,
                 org_id=operator_id, after={"broker": broker.name, "commission_bps": commission_bps,
                                            "products": [p.slug for p in products], "start": start_date,
                                            "end": end_date})
    session.flush()
    return mandate


def revoke_mandate(session: Session, *, actor: Actor, mandate_id: int, operator_id: int) -> Mandate:
    """The operator withdraws a mandate."""
    mandate = session.get(Mandate, mandate_id)
    if mandate is None or mandate.operator_id != operator_id:
        raise NotFound(N_("委托不存在"))
    if mandate.status != MandateStatus.ACTIVE:
        raise Conflict(N_("该委托已撤销"))
    mandate.status = MandateStatus.REVOKED
    record_audit(session, actor=actor, action="mandate.revoke", object_type="mandate", object_id=mandate.id,
                 org_id=operator_id, before={"status": "active"}, after={"status": "revoked"})
    session.flush()
    return mandate


def active_mandates(session: Session, *, broker_id: int, today: date, operator_id: int | None = None) -> list[Mandate]:
    """The broker's mandates in force today (optionally from one operator; supply.on_sale's one query)."""
    return list(session.execute(mandates_in_force(today, broker_id=broker_id, operator_id=operator_id)).scalars())


def covering_mandate(session: Session, *, broker_id: int, product_id: int, today: date) -> Mandate | None:
    """The broker's mandate in force today from the product's own operator that covers this product."""
    product = session.get(Product, product_id)
    if product is None:
        return None
    return session.execute(mandates_in_force(today, broker_id=broker_id, operator_id=product.operator_id,
                                             product_id=product_id).limit(1)).scalar_one_or_none()


def mandate_product_ids(session: Session, mandate_id: int) -> list[int]:
    """The products a mandate covers."""
    return list(session.execute(select(MandateProduct.product_id)
                                .where(MandateProduct.mandate_id == mandate_id)).scalars())


def add_to_mandate(session: Session, *, mandate: Mandate, product_id: int) -> None:
    """Cover one more product (a broker's new listing joins the mandate it was made under)."""
    session.add(MandateProduct(mandate_id=mandate.id, product_id=product_id))
