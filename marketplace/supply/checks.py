"""The automatic listing checks (R3, R5, R6) run at submission and again at approval."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from marketplace.catalog_terms import DOMAINS
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, AgreementStatus, Organization, Product
from marketplace.supply.agreements import agreement_domains
from marketplace.supply.brokers import covering_mandate, valid_qualification
from marketplace.supply.caps import applicable_cap, cap_problem
from marketplace.supply.content import plan_terms
from marketplace.supply.deliverability import delivery_gap
from marketplace.supply.errors import ListingRefused, SupplyError
from marketplace.supply.on_sale import OffSale
from pricing import CHARGE_FORM_LABELS, CapExceeded, check_cap

# check code → form field its failure belongs to
CHECK_FIELDS = {"scope": "domain", "registration": "registration_code", "grade": "security_grade",
                "download": "type", "cap": "plans", "cap_missing": "plans",
                "delivery": "offline_delivery", "dictionary": "data_dictionary"}
# The review checks that are R3, R5 and R6 of supply.on_sale: a failure refuses approval with the same reason
# as every sale path.
CHECK_REASONS = {"agreement": OffSale.AGREEMENT, "term": OffSale.AGREEMENT, "scope": OffSale.SCOPE,
                 "grade": OffSale.CORE, "mandate": OffSale.MANDATE, "cap_missing": OffSale.NO_CAP,
                 "cap": OffSale.ABOVE_CAP}
# A revision may be submitted while the authority has not yet set a cap: the reviewer sees the failed check
# and approval is refused until a cap is in force (R3).
UNTIL_APPROVAL = frozenset({"cap_missing"})


def _check(check: str, ok: bool, template: str, /, **params) -> dict:
    """One check: its Chinese message (stored with the revision), and the template and values it was filled from
    (kept in memory only, for a refusal each language fills in; `stored_checks` drops them)."""
    filled = {k: getattr(v, "text", v) for k, v in params.items()}
    return {"code": check, "ok": bool(ok), "message": template % filled if params else template,
            "_template": template, "_params": params}


def stored_checks(checks: list[dict]) -> list[dict]:
    """The checks as a revision keeps them: code, ok and the Chinese message."""
    return [{k: v for k, v in c.items() if not k.startswith("_")} for c in checks]


def _agreement_checks(agreement: Agreement | None, domain: str, today: date) -> list[dict]:
    if agreement is None:
        return [_check("agreement", False, N_("没有关联的授权运营协议"))]
    status_ok = agreement.status == AgreementStatus.ACTIVE
    in_term = agreement.start_date <= today <= agreement.end_date
    in_scope = domain in agreement_domains(agreement)
    label, code = DOMAINS.get(domain, domain), agreement.code
    start, end = agreement.start_date.isoformat(), agreement.end_date.isoformat()
    return [
        _check("agreement", status_ok, N_("授权运营协议 %(code)s 有效") if status_ok
               else N_("授权运营协议 %(code)s 已终止或已到期"), code=code),
        _check("term", in_term, N_("今天在协议期限内（%(start)s 至 %(end)s）") if in_term
               else N_("今天不在协议期限内（%(start)s 至 %(end)s）"), start=start, end=end),
        _check("scope", in_scope, N_("数据领域「%(domain)s」在协议 %(code)s 的授权范围内") if in_scope
               else N_("数据领域「%(domain)s」不在协议 %(code)s 的授权范围内"), domain=label, code=code),
    ]


def _content_checks(content: dict) -> list[dict]:
    code = content.get("registration_code", "")
    grade, ptype = content.get("security_grade"), content.get("type")
    download = grade == "important" and ptype == "package"
    return [
        _check("registration", True, N_("登记码 %(code)s"), code=code) if code
        else _check("registration", False, N_("缺少数据产品登记码，不能上架")),
        _check("grade", grade != "core", N_("核心数据不得上架") if grade == "core" else N_("数据分级不是核心数据")),
        _check("download", not download, N_("重要数据只能以接口、模型或报告结果提供，不得作为数据包下载")
               if download else N_("未以下载方式提供重要数据")),
    ]


def _cap_checks(session: Session, product_id: int | None, plans: list[dict], today: date, *,
                require_cap: bool = True) -> list[dict]:
    """R3 per plan; a draft may be saved before the authority set a cap (`require_cap=False`), never above one."""
    out = []
    for plan in plans:
        terms = plan_terms(plan)
        cap = applicable_cap(session, product_id, terms.form.value, today=today) if product_id else None
        plan_label = {"plan": plan["name"], "form": CHARGE_FORM_LABELS[terms.form]}
        try:
            check_cap(terms, cap_fen=cap.cap_fen if cap else None)
        except CapExceeded as e:
            out.append(_check("cap", False, N_("方案「%(plan)s」（%(form)s）：%(reason)s"), **plan_label, reason=e))
            continue
        problem = cap_problem(terms, cap)  # R3: a charged plan needs a cap in force (free and 面议 need none)
        note = N_("方案「%(plan)s」（%(form)s）无需上限收费标准")
        if problem:
            note = N_("方案「%(plan)s」（%(form)s）没有生效的上限收费标准，不能上架")
        elif cap:
            note = N_("方案「%(plan)s」（%(form)s）不高于上限收费标准")
        out.append(_check("cap_missing" if problem else "cap", problem is None or not require_cap, note, **plan_label))
    return out


def _delivery_check(session: Session, product: Product, content: dict) -> list[dict]:
    offline = bool(content.get("offline_delivery"))
    gap = delivery_gap(session, product_id=product.id, ptype=content["type"], offline=offline)
    ok_text = N_("线下/合同交付，由运营单位登记交付、买方确认收货") if offline else N_("交付文件或数据接口已就绪")
    return [_check("delivery", gap is None, gap or ok_text)]


def _broker_checks(session: Session, product: Product, today: date) -> list[dict]:
    if product.broker_id is None:
        return []
    broker = session.get(Organization, product.broker_id)
    qual = valid_qualification(session, product.broker_id, today)
    mandate = covering_mandate(session, broker_id=product.broker_id, product_id=product.id, today=today)
    return [
        _check("qualification", True, N_("经纪人 %(broker)s 资质有效（证书 %(cert)s）"), broker=broker.name,
               cert=qual.cert_no) if qual
        else _check("qualification", False, N_("经纪人 %(broker)s 没有有效的数据经纪人资质"), broker=broker.name),
        _check("mandate", mandate is not None, N_("经纪人 %(broker)s 持有该产品的有效委托") if mandate
               else N_("经纪人 %(broker)s 没有运营单位对该产品的有效委托"), broker=broker.name),
    ]


def awaits_dictionary(product: Product, content: dict) -> bool:
    """An imported listing whose source exchange listed no fields, still without a data dictionary: it shows
    数据字典待补充 and stays out of review until the lister fills the dictionary in."""
    return bool(product.source_key) and not content.get("data_dictionary")


def _dictionary_check(product: Product, content: dict) -> list[dict]:
    if not product.source_key:
        return []
    if awaits_dictionary(product, content):
        return [_check("dictionary", False, N_("数据字典待补充：导入的挂牌须先填写数据字典（字段名、类型和含义），"
                                               "才能提交审核"))]
    return [_check("dictionary", True, N_("导入的挂牌已补充数据字典"))]


def run_checks(session: Session, *, product: Product, content: dict, plans: list[dict], today: date) -> list[dict]:
    """Every check as {code, ok, message}, in the order the reviewer reads them."""
    agreement = session.get(Agreement, product.agreement_id)
    return (_agreement_checks(agreement, content["domain"], today) + _content_checks(content)
            + _dictionary_check(product, content) + _delivery_check(session, product, content)
            + _cap_checks(session, product.id, plans, today)
            + _broker_checks(session, product, today))


def failed_reasons(checks: list[dict]) -> list[OffSale]:
    """The on-sale reasons (supply.on_sale.OffSale) of the failed checks, in order, without repeats."""
    found = [CHECK_REASONS[c["code"]] for c in checks if not c["ok"] and c["code"] in CHECK_REASONS]
    return list(dict.fromkeys(found))


def raise_if_failed(checks: list[dict], *, tolerate: frozenset[str] = frozenset()) -> None:
    """Refuse with every failing check's message (except the `tolerate` codes); the field is the first failure's."""
    failed = [c for c in checks if not c["ok"] and c["code"] not in tolerate]
    if failed:
        field = CHECK_FIELDS.get(failed[0]["code"])
        errors = [SupplyError(c["_template"], params=c["_params"] or None, field=field) for c in failed]
        raise ListingRefused("；".join(c["message"] for c in failed), checks=stored_checks(checks), field=field,
                             errors=errors)
