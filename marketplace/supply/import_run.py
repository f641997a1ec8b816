"""Run an import of exchange listings for one operator (and optionally one broker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today as exchange_today
from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, Organization, OrgKind, Product, ProductStatus
from marketplace.supply.agreements import (
    AgreementIn,
    authority_actor,
    covering_agreement,
    default_authority,
    grant_agreement,
)
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.checks import awaits_dictionary
from marketplace.supply.importer import ImportReport, is_per_call, read_rows, row_data, row_domain, row_plan, source_key
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from pricing import ChargeForm, PlanTerms, highest_unit_price


def _org(session: Session, code: str, kind: OrgKind, label: str) -> Organization:
    org = session.execute(select(Organization).where(Organization.uscc == (code or "").strip().upper())) \
        .scalar_one_or_none()
    if org is None or org.kind != kind:
        raise DomainError(N_("找不到统一社会信用代码为 %(code)s 的%(label)s"), params={"code": code, "label": label})
    return org


def authority_for(session: Session, operator: Organization, actor: Actor) -> Organization:
    """The authority of the operator's latest agreement, else the first (or a created) authority."""
    latest = session.execute(select(Agreement).where(Agreement.operator_id == operator.id)
                             .order_by(Agreement.id.desc()).limit(1)).scalar_one_or_none()
    if latest is not None:
        return session.get(Organization, latest.authority_id)
    return default_authority(session, actor=actor)


def ensure_agreements(session: Session, *, actor: Actor, operator: Organization, domains: set[str],
                      today: date) -> dict[str, Agreement]:
    """An in-force agreement per domain; one new agreement covers every domain none covers yet."""
    found = {d: covering_agreement(session, operator_id=operator.id, domain=d, today=today) for d in domains}
    missing = sorted(d for d, a in found.items() if a is None)
    if missing:
        authority = authority_for(session, operator, actor)
        data = AgreementIn(operator_id=operator.id, title=f"{operator.name}公共数据授权运营协议（导入）",
                           domains=missing, start_date=today, end_date=today + timedelta(days=3 * 365),
                           scenarios="由产品导入自动创建，覆盖导入数据的领域", security_duties="按协议履行数据安全责任",
                           exit_terms="协议终止后产品下架，存储副本封存销毁")
        agreement = grant_agreement(session, actor=authority_actor(session, authority.id), authority_id=authority.id,
                                    data=data)  # R5: granted by the authority's own use case, in its name
        found.update({d: agreement for d in missing})
    return found


def _import_row(session: Session, *, actor: Actor, row: dict, operator: Organization, broker, agreement,
                approve: bool, today: date) -> Product:
    data = {**row_data(row), "agreement_id": agreement.id}
    product = create_product(session, actor=actor, operator_id=operator.id, broker_id=broker.id if broker else None,
                             data=data, plans=[row_plan(row)], today=today)
    if is_per_call(row):  # an API product awaiting its data API: a draft until the operator defines it
        return product
    if approve:
        _cap_at_source_price(session, product=product, plan=row_plan(row), agreement=agreement, today=today)
    if awaits_dictionary(product, data):  # 数据字典待补充: a draft until the lister fills the dictionary in
        return product
    revision = submit_revision(session, actor=actor, product_id=product.id, today=today)
    if approve:
        approve_revision(session, actor=actor, revision_id=revision.id, today=today)
    return product


def _cap_at_source_price(session: Session, *, product: Product, plan: dict, agreement, today: date) -> None:
    """Provisioning with --approve acts for the authority too: the source exchange's published price becomes the
    cap (R3), set through the authority's own use case with the authority as the audited actor."""
    terms = PlanTerms.from_dict({k: v for k, v in plan.items() if k != "name"})
    if terms.form in (ChargeForm.FREE_PUBLIC, ChargeForm.NEGOTIATED):
        return
    set_cap(session, actor=authority_actor(session, agreement.authority_id), product_id=product.id,
            charge_form=terms.form.value, cap_fen=highest_unit_price(terms), authority_id=agreement.authority_id,
            today=today)


def import_products(session: Session, *, actor: Actor, path: str, operator_code: str, broker_code: str | None = None,
                    approve: bool = False, today: date | None = None,
                    row_done: Callable[[], None] = lambda: None) -> ImportReport:
    """Import every row not imported before (title + provider); one savepoint per row, the caller commits.

    `row_done` runs after each row: the CLI commits there, so a long import keeps its progress and
    PostgreSQL never holds thousands of savepoints in one transaction (they slow every later statement).
    """
    today = today or exchange_today()
    operator = _org(session, operator_code, OrgKind.OPERATOR, "授权运营单位")
    broker = _org(session, broker_code, OrgKind.BROKER, "数据经纪人") if broker_code else None
    rows = read_rows(path)
    seen = set(session.execute(select(Product.source_key).where(Product.operator_id == operator.id)).scalars())
    agreements = ensure_agreements(session, actor=actor, operator=operator, domains={row_domain(r) for r in rows},
                                   today=today)
    report = ImportReport()
    for number, row in enumerate(rows, start=1):
        key = source_key(row)
        if key in seen:
            report.skipped += 1
            continue
        try:
            with session.begin_nested():  # a refused row leaves nothing behind; the caller commits the run
                product = _import_row(session, actor=actor, row=row, operator=operator, broker=broker,
                            agreement=agreements[row_domain(row)], approve=approve, today=today)
        except DomainError as e:
            report.refused.append(f"第 {number} 条《{(row.get('title') or '').strip()[:40]}》：{e.text}")
            row_done()
            continue
        seen.add(key)
        report.imported += 1
        report.awaiting_definition += is_per_call(row)
        report.awaiting_dictionary += not is_per_call(row) and product.status == ProductStatus.DRAFT
        row_done()
    return report
