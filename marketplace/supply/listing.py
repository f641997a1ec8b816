"""Listing use cases: create a product (draft + revision 1), edit it as a new revision, submit for review."""

from __future__ import annotations

import json
import secrets
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.errors import ErrorCollector
from marketplace.i18n_marker import N_
from marketplace.models import (
    Agreement,
    Mandate,
    MandateProduct,
    Organization,
    OrgKind,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
)
from marketplace.models.base import utcnow
from marketplace.supply.agreements import covering_agreement
from marketplace.supply.brokers import active_mandates, add_to_mandate, covering_mandate, valid_qualification
from marketplace.supply.checks import UNTIL_APPROVAL, _cap_checks, raise_if_failed, run_checks, stored_checks
from marketplace.supply.content import CONTENT_FIELDS, JSON_FIELDS, normalize_content, normalize_plans
from marketplace.supply.errors import Conflict, NotFound, SupplyError
from marketplace.supply.util import dumps


def revision_content(revision: ProductRevision) -> dict:
    """The stored content of a revision (fields plus "plans")."""
    return json.loads(revision.content or "{}")


def apply_content(product: Product, content: dict) -> None:
    """Copy a revision's fields onto the product row."""
    for name in CONTENT_FIELDS:
        if name not in content:  # revisions stored before the field existed keep the product's value
            continue
        value = content[name]
        setattr(product, name, dumps(value) if name in JSON_FIELDS else value)
    product.updated_at = utcnow()


def latest_revision(session: Session, product_id: int) -> ProductRevision | None:
    """The newest revision of a product."""
    return session.execute(select(ProductRevision).where(ProductRevision.product_id == product_id)
                           .order_by(ProductRevision.number.desc()).limit(1)).scalar_one_or_none()


def get_product_for(session: Session, *, org_id: int, product_id: int, today: date | None = None) -> Product:
    """A product the organization may work on: its operator, its lister, or a broker mandated for it."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(N_("数据产品不存在"))
    if org_id in (product.operator_id, product.broker_id):
        return product
    if covering_mandate(session, broker_id=org_id, product_id=product.id, today=today or exchange_today()):
        return product
    raise NotFound(N_("数据产品不存在"))


def _pick_agreement(session: Session, operator_id: int, data: dict, today: date) -> Agreement:
    agreement_id = data.get("agreement_id")
    if agreement_id:
        agreement = session.get(Agreement, int(agreement_id))
        if agreement is None or agreement.operator_id != operator_id:
            raise SupplyError(N_("请选择本运营单位的授权运营协议"), field="agreement_id")
        return agreement
    agreement = covering_agreement(session, operator_id=operator_id, domain=data.get("domain"), today=today)
    agreement = agreement or session.execute(select(Agreement).where(Agreement.operator_id == operator_id)
                                             .order_by(Agreement.id.desc()).limit(1)).scalar_one_or_none()
    if agreement is None:
        raise SupplyError(N_("该运营单位还没有授权运营协议，不能创建产品"), field="agreement_id")
    return agreement


def _check_broker(session: Session, broker_id: int, operator_id: int, today: date):
    broker = session.get(Organization, broker_id)
    if broker is None or broker.kind != OrgKind.BROKER:
        raise NotFound(N_("数据经纪人不存在"))
    if valid_qualification(session, broker_id, today) is None:
        raise SupplyError(N_("经纪人 %(name)s 没有有效的数据经纪人资质，不能代为上架"), params={"name": broker.name})
    mandates = active_mandates(session, broker_id=broker_id, operator_id=operator_id, today=today)
    if not mandates:
        raise SupplyError(N_("经纪人 %(name)s 没有该运营单位的有效委托，不能代为上架"),
                          params={"name": broker.name}, field="operator_id")
    return mandates[0]


def _content_and_plans(data: dict, plans: list[dict]) -> tuple[dict, list[dict]]:
    """The listing's content and plans checked together, so the form shows every error at once."""
    found = ErrorCollector()
    content = found.check(lambda: normalize_content(data))
    plans = found.check(lambda: normalize_plans(plans))
    found.raise_any()
    return content, plans


def create_product(session: Session, *, actor: Actor, operator_id: int, broker_id: int | None = None,
                   data: dict, plans: list[dict], today: date | None = None) -> Product:
    """A draft product with its first revision; a broker's product joins the mandate it is made under."""
    today = today or exchange_today()
    operator = session.get(Organization, operator_id)
    if operator is None or operator.kind != OrgKind.OPERATOR:
        raise NotFound(N_("运营单位不存在"))
    if actor.org_id is not None and actor.org_id not in (operator_id, broker_id):
        raise NotFound(N_("运营单位不存在"))
    mandate = _check_broker(session, broker_id, operator_id, today) if broker_id else None
    content, plans = _content_and_plans(data, plans)
    agreement = _pick_agreement(session, operator_id, data, today)
    product = Product(slug=f"dp-{secrets.token_hex(5)}", operator_id=operator_id, agreement_id=agreement.id,
                      broker_id=broker_id, source_key=str(data.get("source_key") or "")[:64],
                      **{k: content[k] for k in CONTENT_FIELDS if k not in JSON_FIELDS})
    apply_content(product, content)
    session.add(product)
    session.flush()
    if mandate is not None:
        add_to_mandate(session, mandate=mandate, product_id=product.id)
    revision = ProductRevision(product_id=product.id, number=1, author_id=actor.user_id,
                               content=dumps({**content, "plans": plans}))
    session.add(revision)
    session.flush()
    record_audit(session, actor=actor, action="product.create", object_type="product", object_id=product.id,
                 org_id=operator_id, after={"slug": product.slug, "title": product.title, "type": product.type,
                                            "agreement": agreement.code, "broker_id": broker_id})
    session.flush()
    return product


def _editable_revision(session: Session, product: Product, actor: Actor) -> ProductRevision:
    latest = latest_revision(session, product.id)
    if latest is not None and latest.status == RevisionStatus.SUBMITTED:
        raise Conflict(N_("该产品有一个版本正在审核，审核完成前不能修改"))
    if latest is not None and latest.status == RevisionStatus.DRAFT:
        return latest
    revision = ProductRevision(product_id=product.id, number=(latest.number + 1) if latest else 1,
                               author_id=actor.user_id)
    session.add(revision)
    return revision


def _check_editor(session: Session, actor: Actor, product: Product, today: date) -> None:
    if actor.org_id is None or actor.org_id == product.operator_id:
        return
    if covering_mandate(session, broker_id=actor.org_id, product_id=product.id, today=today) is None:
        raise NotFound(N_("数据产品不存在"))


def update_product(session: Session, *, actor: Actor, product_id: int, data: dict, plans: list[dict],
                   today: date | None = None) -> ProductRevision:
    """Save edits as a draft revision; a listed product stays on sale unchanged until approval."""
    today = today or exchange_today()
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(N_("数据产品不存在"))
    _check_editor(session, actor, product, today)
    content, plans = _content_and_plans(data, plans)
    raise_if_failed(_cap_checks(session, product.id, plans, today, require_cap=False))
    revision = _editable_revision(session, product, actor)
    revision.content, revision.author_id = dumps({**content, "plans": plans}), actor.user_id
    if product.status not in (ProductStatus.LISTED, ProductStatus.IN_REVIEW):
        apply_content(product, content)
    session.flush()
    record_audit(session, actor=actor, action="product.edit", object_type="product", object_id=product.id,
                 org_id=product.operator_id, after={"revision": revision.number, "title": content["title"]})
    session.flush()
    return revision


def _submittable(session: Session, product: Product, actor: Actor) -> ProductRevision:
    latest = latest_revision(session, product.id)
    if latest is None or latest.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED):
        raise Conflict(N_("没有待提交的修改"))
    if latest.status == RevisionStatus.SUBMITTED:
        raise Conflict(N_("该版本已提交审核"))
    if latest.status == RevisionStatus.REJECTED:  # resubmit unchanged as a new revision
        latest = ProductRevision(product_id=product.id, number=latest.number + 1, content=latest.content,
                                 author_id=actor.user_id)
        session.add(latest)
    return latest


def submit_revision(session: Session, *, actor: Actor, product_id: int, today: date | None = None) -> ProductRevision:
    """Run the automatic checks and put the latest revision in the review queue; refused when a check fails."""
    today = today or exchange_today()
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(N_("数据产品不存在"))
    _check_editor(session, actor, product, today)
    revision = _submittable(session, product, actor)
    content = json.loads(revision.content)
    checks = run_checks(session, product=product, content=content, plans=content["plans"], today=today)
    raise_if_failed(checks, tolerate=UNTIL_APPROVAL)
    revision.status, revision.submitted_at = RevisionStatus.SUBMITTED, utcnow()
    revision.checks = dumps(stored_checks(checks))
    if product.status != ProductStatus.LISTED:
        product.status = ProductStatus.IN_REVIEW
    session.flush()
    record_audit(session, actor=actor, action="product.submit", object_type="product", object_id=product.id,
                 org_id=product.operator_id, after={"revision": revision.number, "status": product.status})
    session.flush()
    return revision


def org_products(session: Session, *, org_id: int, today: date | None = None) -> list[Product]:
    """Products an operator owns, or a broker lists or is mandated for."""
    mandated = select(MandateProduct.product_id).join(Mandate, Mandate.id == MandateProduct.mandate_id) \
        .where(Mandate.broker_id == org_id)
    query = select(Product).where((Product.operator_id == org_id) | (Product.broker_id == org_id)
                                  | Product.id.in_(mandated))
    return list(session.execute(query.order_by(Product.updated_at.desc())).scalars())


def revision_count(session: Session, product_id: int) -> int:
    """How many revisions a product has."""
    return session.execute(select(func.count()).select_from(ProductRevision)
                           .where(ProductRevision.product_id == product_id)).scalar_one()


def latest_revisions(session: Session, product_ids: list[int]) -> dict[int, ProductRevision]:
    """The newest revision of each product."""
    out: dict[int, ProductRevision] = {}
    if not product_ids:
        return out
    rows = session.execute(select(ProductRevision).where(ProductRevision.product_id.in_(product_ids))
                           .order_by(ProductRevision.number)).scalars()
    for revision in rows:
        out[revision.product_id] = revision
    return out


def product_revisions(session: Session, product_id: int) -> list[ProductRevision]:
    """Every revision of a product, newest first."""
    return list(session.execute(select(ProductRevision).where(ProductRevision.product_id == product_id)
                                .order_by(ProductRevision.number.desc())).scalars())
