"""The automatic listing checks (R3, R5, R6) run at submission and again at approval."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from marketplace.catalog_terms import DOMAINS
from marketplace.models import Agreement, AgreementStatus, Organization, Product
from marketplace.supply.agreements import agreement_domains
from marketplace.supply.brokers import covering_mandate, valid_qualification
from marketplace.supply.caps import applicable_cap, cap_problem
from marketplace.supply.content import plan_terms
from marketplace.supply.deliverability import delivery_gap
from marketplace.supply.errors import ListingRefused
from marketplace.supply.on_sale import OffSale
from pricing import CHARGE_FORM_LABELS, CapExceeded, check_cap

# check code → form field its failure belongs to
CHECK_FIELDS = {"scope": "domain", "registration": "registration_code", "grade": "security_grade",
                "download": "type", "cap": "plans", "cap_missing": "plans",
                "delivery": "offline_delivery"}
# The review checks that are R3, R5 and R6 of supply.on_sale: a failure refuses approval with the same reason
# as every sale path.
CHECK_REASONS = {"agreement": OffSale.AGREEMENT, "term": OffSale.AGREEMENT, "scope": OffSale.SCOPE,
                 "grade": OffSale.CORE, "mandate": OffSale.MANDATE, "cap_missing": OffSale.NO_CAP,
                 "cap": OffSale.ABOVE_CAP}
# A revision may be submitted while the authority has not yet set a cap: the reviewer sees the failed check
# and approval is refused until a cap is in force (R3).
UNTIL_APPROVAL = frozenset({"cap_missing"})


def _check(code: str, ok: bool, message: str) -> dict:
    return {"code": code, "ok": bool(ok), "message": message}


def _agreement_checks(agreement: Agreement | None, domain: str, today: date) -> list[dict]:
    if agreement is None:
        return [_check("agreement", False, "没有关联的授权运营协议")]
    status_ok = agreement.status == AgreementStatus.ACTIVE
    in_term = agreement.start_date <= today <= agreement.end_date
    in_scope = domain in agreement_domains(agreement)
    label = DOMAINS.get(domain, domain)
    return [
        _check("agreement", status_ok, f"授权运营协议 {agreement.code} " + ("有效" if status_ok else "已终止或已到期")),
        _check("term", in_term, f"今天{'在' if in_term else '不在'}协议期限内（{agreement.start_date} 至 "
                                f"{agreement.end_date}）"),
        _check("scope", in_scope, f"数据领域「{label}」{'在' if in_scope else '不在'}"
                                  f"协议 {agreement.code} 的授权范围内"),
    ]


def _content_checks(content: dict) -> list[dict]:
    code = content.get("registration_code", "")
    grade, ptype = content.get("security_grade"), content.get("type")
    download = grade == "important" and ptype == "package"
    return [
        _check("registration", bool(code), f"登记码 {code}" if code else "缺少数据产品登记码，不能上架"),
        _check("grade", grade != "core", "核心数据不得上架" if grade == "core" else "数据分级不是核心数据"),
        _check("download", not download, "重要数据只能以接口、模型或报告结果提供，不得作为数据包下载"
               if download else "未以下载方式提供重要数据"),
    ]


def _cap_checks(session: Session, product_id: int | None, plans: list[dict], today: date, *,
                require_cap: bool = True) -> list[dict]:
    """R3 per plan; a draft may be saved before the authority set a cap (`require_cap=False`), never above one."""
    out = []
    for plan in plans:
        terms = plan_terms(plan)
        cap = applicable_cap(session, product_id, terms.form.value, today=today) if product_id else None
        label = f"方案「{plan['name']}」（{CHARGE_FORM_LABELS[terms.form]}）"
        try:
            check_cap(terms, cap_fen=cap.cap_fen if cap else None)
        except CapExceeded as e:
            out.append(_check("cap", False, f"{label}：{e.text}"))
            continue
        problem = cap_problem(terms, cap)  # R3: a charged plan needs a cap in force (free and 面议 need none)
        note = "没有生效的上限收费标准，不能上架" if problem else ("不高于上限收费标准" if cap else "无需上限收费标准")
        out.append(_check("cap_missing" if problem else "cap", problem is None or not require_cap, f"{label}{note}"))
    return out


def _delivery_check(session: Session, product: Product, content: dict) -> list[dict]:
    offline = bool(content.get("offline_delivery"))
    gap = delivery_gap(session, product_id=product.id, ptype=content["type"], offline=offline)
    ok_text = "线下/合同交付，由运营单位登记交付、买方确认收货" if offline else "交付文件或数据接口已就绪"
    return [_check("delivery", gap is None, gap or ok_text)]


def _broker_checks(session: Session, product: Product, today: date) -> list[dict]:
    if product.broker_id is None:
        return []
    broker = session.get(Organization, product.broker_id)
    qual = valid_qualification(session, product.broker_id, today)
    mandate = covering_mandate(session, broker_id=product.broker_id, product_id=product.id, today=today)
    return [
        _check("qualification", qual is not None, f"经纪人 {broker.name} " +
               (f"资质有效（证书 {qual.cert_no}）" if qual else "没有有效的数据经纪人资质")),
        _check("mandate", mandate is not None, f"经纪人 {broker.name} " +
               ("持有该产品的有效委托" if mandate else "没有运营单位对该产品的有效委托")),
    ]


def run_checks(session: Session, *, product: Product, content: dict, plans: list[dict], today: date) -> list[dict]:
    """Every check as {code, ok, message}, in the order the reviewer reads them."""
    agreement = session.get(Agreement, product.agreement_id)
    return (_agreement_checks(agreement, content["domain"], today) + _content_checks(content)
            + _delivery_check(session, product, content) + _cap_checks(session, product.id, plans, today)
            + _broker_checks(session, product, today))


def failed_reasons(checks: list[dict]) -> list[OffSale]:
    """The on-sale reasons (supply.on_sale.OffSale) of the failed checks, in order, without repeats."""
    found = [CHECK_REASONS[c["code"]] for c in checks if not c["ok"] and c["code"] in CHECK_REASONS]
    return list(dict.fromkeys(found))


def raise_if_failed(checks: list[dict], *, tolerate: frozenset[str] = frozenset()) -> None:
    """Refuse with every failing check's message (except the `tolerate` codes); the field is the first failure's."""
    failed = [c for c in checks if not c["ok"] and c["code"] not in tolerate]
    if failed:
        message = "；".join(c["message"] for c in failed)
        raise ListingRefused(message, checks=checks, field=CHECK_FIELDS.get(failed[0]["code"]))
