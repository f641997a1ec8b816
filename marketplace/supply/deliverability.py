"""Whether a product can be delivered (R-delivery): files, an API definition, or declared offline delivery.

A package or report is delivered as files (Deliverable rows); an API, model or service answers through the
gateway and needs its definition (ApiDataset); any product may instead declare offline delivery
(线下/合同交付), which the operator records per order line and the buyer confirms. This is the one place
that decides it: review, approval and the demo test call `delivery_gap`.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlmodel import Session

from marketplace.i18n_marker import N_
from marketplace.models import ApiDataset, Product, ProductType
from marketplace.models.delivery import Deliverable

FILE_TYPES = frozenset({ProductType.PACKAGE, ProductType.REPORT})  # delivered as files
KEYED_TYPES = frozenset({ProductType.API, ProductType.MODEL, ProductType.SERVICE})  # through the gateway

NO_FILES = N_("数据包或数据报告还没有上传交付文件，也未声明线下交付，不能上架")
NO_DEFINITION = N_("接口、模型或服务还没有定义数据接口，也未声明线下交付，不能上架")


def has_files(session: Session, product_id: int) -> bool:
    """At least one active master file is attached."""
    return session.execute(
        select(exists().where(Deliverable.product_id == product_id, Deliverable.active.is_(True)))
    ).scalar()


def has_definition(session: Session, product_id: int) -> bool:
    """A data API definition (ApiDataset) exists."""
    return session.execute(select(exists().where(ApiDataset.product_id == product_id))).scalar()


def delivery_gap(session: Session, *, product_id: int | None, ptype: str, offline: bool) -> str | None:
    """None when a product of this type can be delivered, else the (N_-marked) reason it cannot."""
    if offline:
        return None
    if ProductType(ptype) in FILE_TYPES:
        return None if product_id and has_files(session, product_id) else NO_FILES
    return None if product_id and has_definition(session, product_id) else NO_DEFINITION


def is_deliverable(session: Session, product: Product) -> bool:
    """The product as it stands can be delivered."""
    return delivery_gap(session, product_id=product.id, ptype=product.type, offline=product.offline_delivery) is None
