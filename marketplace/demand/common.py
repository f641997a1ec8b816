"""Helpers shared by the demand use cases: errors, buyer checks, product lookup, text fields."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Organization, OrgKind, OrgStatus, Product, UseType
from marketplace.supply.on_sale import require_on_sale


class DemandError(DomainError):
    """A rule of applications or quotes was broken."""


def require_verified_buyer(session: Session, actor: Actor) -> Organization:
    """The actor's enterprise, which must have passed real-name verification."""
    org = session.get(Organization, actor.org_id) if actor.org_id else None
    if org is None or org.kind != OrgKind.ENTERPRISE:
        raise Forbidden(N_("只有需求方企业可以提交"))
    if org.status != OrgStatus.VERIFIED:
        raise DemandError(N_("贵单位尚未通过实名认证，认证通过后才能提交"))
    return org


def get_listed_product(session: Session, slug: str) -> Product:
    """A product on sale today by slug (supply.on_sale: NotOnSale says why), NotFound when unknown."""
    product = session.execute(select(Product).where(Product.slug == slug)).scalar_one_or_none()
    if product is None:
        raise NotFound(N_("产品不存在或已下架"))
    require_on_sale(session, product)
    return product


def parse_use_type(value: str) -> UseType:
    """The declared use (用途), or a field error."""
    try:
        return UseType(value)
    except ValueError:
        raise DemandError(N_("请选择用途"), field="use_type") from None


def clean_text(value: str | None, *, field: str, label: str, max_len: int, required: bool = True) -> str:
    """Stripped text within a length, required unless told otherwise."""
    value = (value or "").strip()
    if required and not value:
        raise DemandError(N_("请填写%(label)s"), params={"label": label}, field=field)
    if len(value) > max_len:
        raise DemandError(N_("%(label)s不能超过 %(max_len)s 个字符"),
                          params={"label": label, "max_len": max_len}, field=field)
    return value
