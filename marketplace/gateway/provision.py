"""Define an API product from a dataset (through the supply use cases) and grant access without payment."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.catalog_terms import DOMAINS
from marketplace.clock import today as exchange_today
from marketplace.entitlements import grant_entitlement
from marketplace.errors import DomainError, NotFound
from marketplace.gateway.datasets import Definition, Table, define_dataset
from marketplace.gateway.masking import keep_ends, mask_row
from marketplace.i18n_marker import N_
from marketplace.keys import issue_api_key
from marketplace.models import (
    Entitlement,
    Organization,
    OrgKind,
    PricePlan,
    Product,
    ProductType,
    UseType,
)
from marketplace.models.metering import QuotaCounter
from marketplace.supply.agreements import covering_agreement
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.errors import SupplyError
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from marketplace.supply.util import check_registration_code
from pricing import ChargeForm, PlanTerms

PER_CALL_PLANS = (ChargeForm.PER_CALL_FLAT, ChargeForm.PER_CALL_GRADUATED, ChargeForm.PER_CALL_VOLUME,
                  ChargeForm.PREPAID_CALLS, ChargeForm.PER_RECORD)


@dataclass(frozen=True)
class ApiProductIn:
    """What defines an API product besides its dataset."""

    title: str
    domain: str = "other"
    summary: str = ""
    plans: tuple[dict, ...] = ()  # {"name", **PlanTerms dict}; empty = free
    security_grade: str = "general"
    registration_code: str = ""  # 登记码 as the lister entered it (checked for form, never made up)
    slug: str = ""  # a readable slug instead of the generated one (demo data)
    description_md: str = ""
    caps: tuple[tuple[str, Decimal], ...] = ()  # (charge form, cap fen) set by the agreement's authority


def per_call_plan(unit_price_fen: Decimal | None) -> dict:
    """A flat per-call plan at this unit price (fen, may be sub-fen), or a free plan."""
    if unit_price_fen is None or unit_price_fen == 0:
        return {"name": "免费调用", **PlanTerms(form=ChargeForm.FREE_PUBLIC).to_dict()}
    fen = Decimal(unit_price_fen)
    return {"name": "按次计费", **PlanTerms(form=ChargeForm.PER_CALL_FLAT, unit_price_fen=fen).validate().to_dict()}


def agreement_for(session: Session, *, operator: Organization, domain: str):
    """The operator's agreement in force today whose scope covers the domain (R5: only an authority grants one)."""
    found = covering_agreement(session, operator_id=operator.id, domain=domain, today=exchange_today())
    if found is None:
        label = DOMAINS.get(domain, domain)
        raise SupplyError(N_("贵单位没有覆盖数据领域「%(label)s」的有效授权运营协议："
                             "请先由授权主体签发包含该领域的协议，或选择已授权的领域"), params={"label": label},
                          field="domain")
    return found


def _content(data: ApiProductIn, table: Table, definition: Definition, salt: str) -> dict:
    rules = definition.rules
    # Sample rows below are masked here by each field's rule; masked_at_source tells the catalog not to mask again.
    dictionary = [{"name": n, "type": "string", "meaning": "查询参数", "masked": False, "masked_at_source": True}
                  for n in definition.key_fields]
    dictionary += [{"name": n, "type": "string", "meaning": "核验参数", "masked": True}
                   for n in definition.match_fields]
    dictionary += [{"name": r.name, "type": "string", "meaning": "返回字段", "masked": r.rule != "none",
                    "masked_at_source": True} for r in rules]
    samples = [] if definition.verification else [_sample(definition, row, salt) for row in table.rows[:3]]
    return {"type": ProductType.API.value, "title": data.title, "summary": data.summary or data.title,
            "description_md": data.description_md,
            "domain": data.domain, "region": "福建省", "security_grade": data.security_grade,
            "registration_code": check_registration_code(data.registration_code),
            "update_frequency": "daily", "delivery_mode": "API", "data_dictionary": dictionary,
            "sample_rows": samples}


def _sample(definition: Definition, row: dict, salt: str) -> dict:
    """A sample row as a call returns it, with its query parameters (partly starred) so the columns are filled."""
    keys = {name: keep_ends(str(row.get(name, "")), 4, 2) for name in definition.key_fields}
    return {**keys, **mask_row(definition.rules, row, salt=salt)}


def _set_caps(session: Session, *, actor: Actor | None, product: Product, agreement, caps) -> None:
    """Caps set by the agreement's authority (demo data, CLI): never by the operator that lists the product."""
    if caps and actor is None:
        raise SupplyError(N_("上限收费标准只能由授权主体设定"), field="caps")
    for form, cap_fen in caps:
        set_cap(session, actor=actor, product_id=product.id, charge_form=form, cap_fen=Decimal(cap_fen),
                authority_id=agreement.authority_id)


def create_api_product(session: Session, *, actor: Actor, operator: Organization, data: ApiProductIn, table: Table,
                       definition: Definition, approve: bool = False, reviewer: Actor | None = None,
                       source_name: str = "", cap_setter: Actor | None = None) -> Product:
    """A draft API product with its dataset, submitted for review; approved at once when asked. Caller commits.

    The product goes under the operator's agreement in force for its domain (refused when none covers it);
    `data.caps` are set in the name of `cap_setter`, which must be the agreement's authority."""
    if operator.kind != OrgKind.OPERATOR:
        raise NotFound(N_("运营单位不存在"))
    definition.check(table.columns)
    agreement = agreement_for(session, operator=operator, domain=data.domain)
    plans = list(data.plans) or [per_call_plan(None)]
    salt = secrets.token_hex(8)
    content = {**_content(data, table, definition, salt), "agreement_id": agreement.id}
    product = create_product(session, actor=actor, operator_id=operator.id, plans=plans, data=content)
    if data.slug:
        product.slug = data.slug
    _set_caps(session, actor=cap_setter, product=product, agreement=agreement, caps=data.caps)
    define_dataset(session, actor=actor, product=product, table=table, definition=definition,
                   source_name=source_name, salt=salt)
    revision = submit_revision(session, actor=actor, product_id=product.id)
    if approve:
        approve_revision(session, actor=reviewer or actor, revision_id=revision.id)
    return product


def _plan_for(session: Session, product: Product, use: UseType) -> PricePlan:
    plans = session.execute(select(PricePlan).where(PricePlan.product_id == product.id)
                            .order_by(PricePlan.active.desc(), PricePlan.version.desc(), PricePlan.id)).scalars().all()
    if use == UseType.PUBLIC:
        free = [p for p in plans if p.charge_form == ChargeForm.FREE_PUBLIC]
        if free:
            return free[0]
        plan = PricePlan(product_id=product.id, name="公益免费（授权）", charge_form=ChargeForm.FREE_PUBLIC.value,
                         terms=json.dumps(PlanTerms(form=ChargeForm.FREE_PUBLIC).to_dict()), active=False)
        session.add(plan)
        session.flush()
        return plan
    metered = [p for p in plans if p.active and p.charge_form in PER_CALL_PLANS]
    usable = metered or [p for p in plans if p.active] or plans
    if not usable:
        raise DomainError(N_("该产品没有价格方案"))
    return usable[0]


def grant_access(session: Session, *, actor: Actor, buyer: Organization, product: Product,
                 calls: int | None = None, use: UseType = UseType.INDUSTRY) -> tuple[Entitlement, str]:
    """An entitlement without payment (trial, approved public use) and its first API key. Caller commits."""
    if buyer.kind != OrgKind.ENTERPRISE:
        raise DomainError(N_("只能为需求方企业授予使用权"))
    if product.type != ProductType.API:
        raise DomainError(N_("只有数据接口产品可以授予调用权限"))
    if calls is not None and calls < 1:
        raise DomainError(N_("授予的调用次数必须为正整数"), field="calls")
    plan = _plan_for(session, product, use)
    ent = grant_entitlement(session, actor=actor, buyer_org_id=buyer.id, product=product, plan=plan, use_type=use,
                            source="grant", calls_total=calls)
    session.add(QuotaCounter(entitlement_id=ent.id, used=0))
    _key, plaintext = issue_api_key(session, actor=actor, entitlement=ent, label="grant")
    record_audit(session, actor=actor, action="api_access.grant", object_type="entitlement", object_id=ent.id,
                 org_id=buyer.id, after={"product": product.slug, "calls": calls, "use": use.value})
    return ent, plaintext
