"""Authorization agreements (授权运营协议): grant, renew, terminate, and lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.catalog_terms import DOMAINS
from marketplace.clock import today as exchange_today
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, AgreementStatus, Organization, OrgKind, OrgStatus, Product, Role, User
from marketplace.models.base import utcnow
from marketplace.supply.enforcement import end_agreement
from marketplace.supply.errors import Conflict, NotFound, SupplyError
from marketplace.supply.util import check_bps, check_domains, check_term, dumps, loads_list, optional_text, require_text
from marketplace.uscc import make_uscc


@dataclass
class AgreementIn:
    """What the authority enters when granting an agreement."""

    operator_id: int
    title: str
    domains: list[str]
    start_date: date | None
    end_date: date | None
    scenarios: str = ""
    allowed_return_bps: int = 800
    platform_fee_bps: int = 500
    authority_share_bps: int = 0
    security_duties: str = ""
    exit_terms: str = ""
    operation_started: date | None = None
    extra: dict = field(default_factory=dict)


def agreement_domains(agreement: Agreement) -> list[str]:
    """The domain codes an agreement covers."""
    return [str(c) for c in loads_list(agreement.domains)]


def agreement_domain_labels(agreement: Agreement) -> list[str]:
    """The Chinese labels of the domains an agreement covers."""
    return [DOMAINS.get(code, code) for code in agreement_domains(agreement)]


def get_agreement(session: Session, agreement_id: int, *, org_id: int | None = None) -> Agreement:
    """An agreement; with org_id, only when that org is its authority or operator (else NotFound)."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or (org_id is not None and org_id not in (agreement.authority_id, agreement.operator_id)):
        raise NotFound(N_("授权运营协议不存在"))
    return agreement


def _next_code(session: Session, start: date) -> str:
    count = session.execute(select(func.count()).select_from(Agreement)).scalar_one()
    return f"SQ-{start.year}-{count + 1:04d}"


def _snapshot(a: Agreement) -> dict:
    return {"code": a.code, "operator_id": a.operator_id, "domains": agreement_domains(a), "start": a.start_date,
            "end": a.end_date, "status": a.status, "return_bps": a.allowed_return_bps,
            "fee_bps": a.platform_fee_bps, "authority_bps": a.authority_share_bps}


def _check_parties(session: Session, authority_id: int, operator_id: int) -> Organization:
    authority = session.get(Organization, authority_id)
    if authority is None or authority.kind != OrgKind.AUTHORITY:
        raise SupplyError(N_("只有授权主体可以签发授权运营协议"))
    operator = session.get(Organization, operator_id)
    if operator is None or operator.kind != OrgKind.OPERATOR:
        raise SupplyError(N_("请选择一个授权运营单位"), field="operator_id")
    return operator


def grant_agreement(session: Session, *, actor: Actor, authority_id: int, data: AgreementIn) -> Agreement:
    """Sign a new active agreement between an authority and an operator."""
    _check_parties(session, authority_id, data.operator_id)
    title = require_text(data.title, "title", "协议名称", 200)
    domains = check_domains(data.domains)
    check_term(data.start_date, data.end_date)
    agreement = Agreement(
        code=_next_code(session, data.start_date), title=title, authority_id=authority_id,
        operator_id=data.operator_id, domains=dumps(domains),
        scenarios=optional_text(data.scenarios, "scenarios", "使用场景", 4000),
        start_date=data.start_date, end_date=data.end_date,
        allowed_return_bps=check_bps(data.allowed_return_bps, "allowed_return_bps", "允许收益率"),
        platform_fee_bps=check_bps(data.platform_fee_bps, "platform_fee_bps", "平台服务费率"),
        authority_share_bps=check_bps(data.authority_share_bps, "authority_share_bps", "授权主体分成"),
        security_duties=optional_text(data.security_duties, "security_duties", "安全责任", 4000),
        exit_terms=optional_text(data.exit_terms, "exit_terms", "退出与处置条款", 4000),
        operation_started=data.operation_started or data.start_date,
    )
    session.add(agreement)
    session.flush()
    record_audit(session, actor=actor, action="agreement.grant", object_type="agreement", object_id=agreement.id,
                 org_id=agreement.operator_id, after=_snapshot(agreement))
    session.flush()
    return agreement


def renew_agreement(session: Session, *, actor: Actor, agreement_id: int, end_date: date | None,
                    today: date | None = None, authority_id: int | None = None) -> Agreement:
    """Continue an active or expired agreement as a new one until end_date; its products move over."""
    today = today or exchange_today()
    old = get_agreement(session, agreement_id, org_id=authority_id)
    if authority_id is not None and old.authority_id != authority_id:
        raise NotFound(N_("授权运营协议不存在"))
    if old.status == AgreementStatus.TERMINATED:
        raise Conflict(N_("已终止的协议不能续签，请重新签发"))
    start = max(today, old.start_date)
    check_term(start, end_date)
    if end_date <= old.end_date:
        raise SupplyError(N_("续签后的结束日期必须晚于原结束日期"), field="end_date")
    new = Agreement(**{k: getattr(old, k) for k in (
        "title", "authority_id", "operator_id", "domains", "scenarios", "allowed_return_bps", "platform_fee_bps",
        "authority_share_bps", "operation_started", "security_duties", "exit_terms")},
        code=_next_code(session, start), start_date=start, end_date=end_date, renewed_from_id=old.id)
    session.add(new)
    old.status, old.status_reason, old.ended_at = AgreementStatus.EXPIRED, f"已续签为 {new.code}", utcnow()
    session.flush()
    moved = session.execute(select(Product).where(Product.agreement_id == old.id)).scalars().all()
    for product in moved:
        product.agreement_id = new.id
    record_audit(session, actor=actor, action="agreement.renew", object_type="agreement", object_id=new.id,
                 org_id=new.operator_id, before=_snapshot(old),
                 after={**_snapshot(new), "renewed_from": old.code, "products_moved": len(moved)})
    session.flush()
    return new


def terminate_agreement(session: Session, *, actor: Actor, agreement_id: int, reason: str,
                        authority_id: int | None = None) -> Agreement:
    """End an active agreement early: products delisted, entitlements ended, copies marked for destruction."""
    agreement = get_agreement(session, agreement_id, org_id=authority_id)
    if authority_id is not None and agreement.authority_id != authority_id:
        raise NotFound(N_("授权运营协议不存在"))
    reason = require_text(reason, "reason", "终止原因", 500)
    if agreement.status != AgreementStatus.ACTIVE:
        raise Conflict(N_("该协议已不在有效期内"))
    end_agreement(session, actor=actor, agreement=agreement, status=AgreementStatus.TERMINATED, reason=reason)
    session.flush()
    return agreement


def is_in_force(agreement: Agreement, today: date) -> bool:
    """Active and today inside its term."""
    return agreement.status == AgreementStatus.ACTIVE and agreement.start_date <= today <= agreement.end_date


def covering_agreement(session: Session, *, operator_id: int, domain: str, today: date) -> Agreement | None:
    """The operator's in-force agreement whose scope holds this domain (latest end first)."""
    rows = session.execute(
        select(Agreement).where(Agreement.operator_id == operator_id, Agreement.status == AgreementStatus.ACTIVE)
        .order_by(Agreement.end_date.desc(), Agreement.id.desc())
    ).scalars().all()
    for agreement in rows:
        if is_in_force(agreement, today) and domain in agreement_domains(agreement):
            return agreement
    return None


def operator_agreements(session: Session, operator_id: int) -> list[Agreement]:
    """Every agreement of an operator, newest first."""
    return list(session.execute(select(Agreement).where(Agreement.operator_id == operator_id)
                                .order_by(Agreement.id.desc())).scalars())


def authority_agreements(session: Session, authority_id: int) -> list[Agreement]:
    """Every agreement an authority granted, newest first."""
    return list(session.execute(select(Agreement).where(Agreement.authority_id == authority_id)
                                .order_by(Agreement.id.desc())).scalars())


def authority_actor(session: Session, authority_id: int) -> Actor:
    """The authority as the audited actor of its own use cases run for it (demo data, CLI provisioning):
    its first authority user, else the organization itself (an authority created by an import has no user)."""
    org = session.get(Organization, authority_id)
    if org is None or org.kind != OrgKind.AUTHORITY:
        raise SupplyError(N_("只有授权主体可以签发授权运营协议"))
    user = session.execute(select(User).where(User.org_id == org.id, User.role == Role.AUTHORITY)
                           .order_by(User.id).limit(1)).scalar_one_or_none()
    if user is not None:
        return Actor(user.id, user.email, org.id)
    return Actor(None, f"授权主体 {org.name}", org.id)


DEFAULT_AUTHORITY_CODE = make_uscc("11000000000000009")


def default_authority(session: Session, *, actor: Actor) -> Organization:
    """The first authority, or one created (and audited) so that CLI imports work on an empty exchange."""
    found = session.execute(select(Organization).where(Organization.kind == OrgKind.AUTHORITY)
                            .order_by(Organization.id).limit(1)).scalar_one_or_none()
    if found is not None:
        return found
    org = Organization(name="数据主管部门（自动创建）", uscc=DEFAULT_AUTHORITY_CODE, kind=OrgKind.AUTHORITY,
                       status=OrgStatus.VERIFIED, verified_at=utcnow())
    session.add(org)
    session.flush()
    record_audit(session, actor=actor, action="org.create", object_type="organization", object_id=org.id,
                 after={"name": org.name, "kind": org.kind, "reason": "no authority for an imported agreement"})
    return org
