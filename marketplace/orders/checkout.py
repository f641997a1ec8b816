"""Checkout: place an order for one plan of one product; the server prices it (R1, R5, R7)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as today_local
from marketplace.demand.applications import has_approved_access
from marketplace.i18n_marker import N_
from marketplace.models import (
    InvoiceKind,
    Order,
    OrderLine,
    OrderStatus,
    Organization,
    OrgKind,
    OrgStatus,
    PaymentMethod,
    PricePlan,
    Product,
    UseType,
)
from marketplace.models.demand import OfferStatus, QuoteRequest
from marketplace.orders.common import OrderError, order_summary, vat_rate_bps
from marketplace.orders.fulfilment import fulfil_order
from marketplace.orders.sellable import LineSeller, check_sellable, seller_of
from pricing import ChargeForm, PricingError, is_quoted, order_amount, split_vat, terms_from_json

MAX_PURPOSE = 2000
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone


@dataclass(frozen=True)
class InvoiceIn:
    """Invoice details entered at checkout (发票抬头, 税号 = the buyer's USCC, 专票 or 普票)."""

    title: str
    taxpayer_id: str
    kind: str = InvoiceKind.NORMAL


@dataclass(frozen=True)
class Priced:
    """What the server charges for one line."""

    unit_price_fen: int
    amount_fen: int
    vat_fen: int
    vat_rate_bps: int


def place_order(session: Session, *, actor: Actor, buyer_org_id: int, product_id: int, plan_id: int,
                quantity: int, use_type: str, purpose: str, invoice: InvoiceIn, submit_token: str,
                quote_offer=None) -> Order:
    """Create an order (or return the one this submit token already made); the caller commits.

    `quote_offer` is a marketplace.models.demand.QuoteOffer accepted by this buyer: its price_fen is the
    order's tax-inclusive total and its private plan (plan_id) is what the entitlement pins.
    """
    token = _check_token(submit_token)
    existing = _order_by_token(session, token)
    if existing is not None:
        return _same_buyer(existing, buyer_org_id)
    buyer = _check_buyer(session, buyer_org_id)
    use = _check_use(use_type, purpose)
    product = session.get(Product, product_id)
    check_sellable(session, product, product_only=True)
    plan = _check_plan(session, product, plan_id, quote_offer)
    check_sellable(session, product, plan=plan, offer=quote_offer is not None)  # R3: the cap in force today
    _check_access(session, buyer_org_id, product_id)
    invoice = _check_invoice(buyer, invoice)
    # VAT is the seller's output tax: the operator's taxpayer kind sets the rate (R7).
    vat_kind = session.get(Organization, product.operator_id).taxpayer_kind
    priced = _price(session, plan, quantity, quote_offer, buyer_org_id, product_id, vat_kind, use)
    seller = seller_of(session, product)
    return _insert(session, actor=actor, buyer=buyer, product=product, plan=plan, quantity=quantity, use=use,
                   purpose=purpose.strip(), invoice=invoice, token=token, priced=priced, seller=seller,
                   quote_offer=quote_offer)


def _check_token(token: str) -> str:
    token = (token or "").strip()
    if not 8 <= len(token) <= 64:
        raise OrderError(N_("表单已失效，请刷新页面后重新提交"))
    return token


def _order_by_token(session: Session, token: str) -> Order | None:
    return session.execute(select(Order).where(Order.submit_token == token)).scalar_one_or_none()


def _same_buyer(order: Order, buyer_org_id: int) -> Order:
    if order.buyer_org_id != buyer_org_id:
        raise OrderError(N_("表单已失效，请刷新页面后重新提交"))
    return order


def _check_buyer(session: Session, buyer_org_id: int) -> Organization:
    buyer = session.get(Organization, buyer_org_id)
    if buyer is None or buyer.kind != OrgKind.ENTERPRISE:
        raise OrderError(N_("只有需求方企业可以下单"))
    if buyer.status != OrgStatus.VERIFIED:
        raise OrderError(N_("贵单位尚未通过实名认证（统一社会信用代码核验），认证通过后才能下单支付"))
    return buyer


def _check_use(use_type: str, purpose: str) -> UseType:
    try:
        use = UseType(use_type)
    except ValueError:
        raise OrderError(N_("请选择数据用途"), field="use_type") from None
    text = (purpose or "").strip()
    if len(text) < 4:
        raise OrderError(N_("请填写具体用途说明（至少 4 个字）"), field="purpose")
    if len(text) > MAX_PURPOSE:
        raise OrderError(N_("用途说明不能超过 %(MAX_PURPOSE)s 个字"),
                         params={"MAX_PURPOSE": MAX_PURPOSE}, field="purpose")
    return use


def _check_plan(session: Session, product: Product, plan_id, quote_offer) -> PricePlan:
    plan = session.get(PricePlan, plan_id) if isinstance(plan_id, int) else None
    if plan is None or plan.product_id != product.id:
        raise OrderError(N_("所选价格方案不属于该产品"), field="plan_id")
    if quote_offer is not None:
        if quote_offer.plan_id is not None and quote_offer.plan_id != plan.id:
            raise OrderError(N_("报价对应的价格方案不一致"), field="plan_id")
        return plan
    if not plan.active:
        raise OrderError(N_("该价格方案已停用，请重新选择"), field="plan_id")
    if is_quoted(plan.charge_form):
        raise OrderError(N_("该方案为面议价格，请先询价，接受报价后下单"), field="plan_id")
    return plan


def _check_access(session: Session, buyer_org_id: int, product_id: int) -> None:
    if not has_approved_access(session, buyer_org_id=buyer_org_id, product_id=product_id):
        raise OrderError(N_("该产品为有条件开放，需先提交使用申请并经运营单位审核通过后才能下单"))


def _check_invoice(buyer: Organization, invoice: InvoiceIn) -> InvoiceIn:
    title = (invoice.title or "").strip()
    if not title or len(title) > 200:
        raise OrderError(N_("请填写发票抬头（不超过 200 个字）"), field="invoice_title")
    taxpayer_id = (invoice.taxpayer_id or "").strip().upper() or buyer.uscc
    if taxpayer_id != buyer.uscc:
        raise OrderError(N_("纳税人识别号须为贵单位的统一社会信用代码"), field="invoice_taxpayer_id")
    try:
        kind = InvoiceKind(invoice.kind)
    except ValueError:
        raise OrderError(N_("请选择发票类型"), field="invoice_kind") from None
    return InvoiceIn(title=title, taxpayer_id=taxpayer_id, kind=kind)


# How many units one order line may buy, per charge form: a one-off licence is one per line, a subscription
# is bought in periods, a prepaid call package in packages; plans billed on usage are bought once.
QUANTITY_LIMITS = {ChargeForm.SUBSCRIPTION_MONTH: 36, ChargeForm.SUBSCRIPTION_YEAR: 5, ChargeForm.PREPAID_CALLS: 1000}
QUANTITY_MESSAGES = {
    ChargeForm.ONE_OFF: N_("一次性购买的方案每笔订单只含 1 份使用许可，数量只能为 1"),
    ChargeForm.SUBSCRIPTION_MONTH: N_("按月订阅的数量为订阅月数，须为 1 到 36 之间的整数"),
    ChargeForm.SUBSCRIPTION_YEAR: N_("按年订阅的数量为订阅年数，须为 1 到 5 之间的整数"),
    ChargeForm.PREPAID_CALLS: N_("次数包的数量为购买包数，须为 1 到 1000 之间的整数"),
}
USAGE_QUANTITY_MESSAGE = N_("按实际用量结算的方案每笔订单只开通 1 份，数量只能为 1")


def quantity_limit(form: ChargeForm) -> int:
    """The most units one order line of a plan of this charge form may buy."""
    return QUANTITY_LIMITS.get(form, 1)


def _check_quantity(quantity, plan: PricePlan) -> int:
    try:
        form = ChargeForm(plan.charge_form)
    except ValueError:
        form = ChargeForm.ONE_OFF
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= quantity_limit(form):
        raise OrderError(QUANTITY_MESSAGES.get(form, USAGE_QUANTITY_MESSAGE), field="quantity")
    return quantity


def _price(session: Session, plan: PricePlan, quantity, quote_offer, buyer_org_id: int, product_id: int,
           taxpayer_kind: str, use: UseType) -> Priced:
    _check_quantity(quantity, plan)
    if use == UseType.PUBLIC:
        return Priced(0, 0, 0, vat_rate_bps(taxpayer_kind))  # R1: free once the operator approves
    if quote_offer is not None:
        gross = _offer_price(session, quote_offer, buyer_org_id, product_id, quantity)
        unit = gross
    else:
        try:
            terms = terms_from_json(plan.terms)
            gross = order_amount(terms, quantity=quantity)
        except (PricingError, ValueError) as e:
            raise OrderError(getattr(e, "message", None) or N_("价格方案无效，请联系运营单位"),
                             params=getattr(e, "params", None), field="plan_id") from None
        unit = gross // quantity
    rate = vat_rate_bps(taxpayer_kind)
    _, vat = split_vat(gross_fen=gross, rate_bps=rate)
    return Priced(unit, gross, vat, rate)


def _offer_price(session: Session, offer, buyer_org_id: int, product_id: int, quantity: int) -> int:
    quote = session.get(QuoteRequest, offer.quote_id)
    if quote is None or quote.buyer_org_id != buyer_org_id or quote.product_id != product_id:
        raise OrderError(N_("报价不存在"))
    if offer.status not in (OfferStatus.OPEN, OfferStatus.ACCEPTED) or offer.order_id is not None:
        raise OrderError(N_("该报价已失效"))
    if offer.valid_until < today_local():
        raise OrderError(N_("该报价已过有效期，请重新询价"))
    if quantity != 1:
        raise OrderError(N_("报价订单的数量固定为 1（报价即总价）"), field="quantity")
    return offer.price_fen


def _next_number(session: Session) -> str:
    prefix = f"PDX{today_local():%Y%m%d}"
    last = session.execute(select(func.max(Order.number)).where(Order.number.like(f"{prefix}%"))).scalar()
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _bank_reference() -> str:
    return "".join(secrets.choice(REF_ALPHABET) for _ in range(8))


def _status_for(use: UseType, total: int) -> OrderStatus:
    if use == UseType.PUBLIC:
        return OrderStatus.AWAITING_APPROVAL
    return OrderStatus.AWAITING_PAYMENT if total > 0 else OrderStatus.PAID


def _insert(session: Session, *, actor: Actor, buyer: Organization, product: Product, plan: PricePlan,
            quantity: int, use: UseType, purpose: str, invoice: InvoiceIn, token: str, priced: Priced,
            seller: LineSeller, quote_offer) -> Order:
    status = _status_for(use, priced.amount_fen)
    for _attempt in range(5):
        order = Order(number=_next_number(session), buyer_org_id=buyer.id, user_id=actor.user_id, status=status,
                      use_type=use, purpose=purpose, bank_reference=_bank_reference(), total_fen=priced.amount_fen,
                      vat_fen=priced.vat_fen, vat_rate_bps=priced.vat_rate_bps,
                      invoice_title=invoice.title, invoice_taxpayer_id=invoice.taxpayer_id,
                      invoice_kind=invoice.kind, submit_token=token,
                      payment_method=PaymentMethod.FREE if status != OrderStatus.AWAITING_PAYMENT
                      else PaymentMethod.BANK_TRANSFER,
                      quote_offer_id=quote_offer.id if quote_offer is not None else None)
        try:
            with session.begin_nested():
                session.add(order)
                session.flush()
        except IntegrityError:
            existing = _order_by_token(session, token)
            if existing is not None:  # a concurrent double submit won the race
                return _same_buyer(existing, buyer.id)
            continue  # order number or bank reference taken meanwhile: draw again
        return _finish(session, actor=actor, order=order, product=product, plan=plan, quantity=quantity,
                       priced=priced, seller=seller)
    raise OrderError(N_("系统繁忙，请稍后重试"))


def _finish(session: Session, *, actor: Actor, order: Order, product: Product, plan: PricePlan, quantity: int,
            priced: Priced, seller: LineSeller) -> Order:
    session.add(OrderLine(order_id=order.id, product_id=product.id, plan_id=plan.id, operator_id=product.operator_id,
                          broker_id=seller.broker_id, commission_bps=seller.commission_bps, title=product.title,
                          plan_name=plan.name, quantity=quantity, unit_price_fen=priced.unit_price_fen,
                          amount_fen=priced.amount_fen, vat_fen=priced.vat_fen))
    session.flush()
    record_audit(session, actor=actor, action="order.place", object_type="order", object_id=order.id,
                 org_id=order.buyer_org_id, after={**order_summary(order), "product": product.slug,
                                                   "plan": plan.id, "quantity": quantity, "use": order.use_type})
    if order.status == OrderStatus.PAID:  # nothing to pay up front (metered plans billed on usage)

        fulfil_order(session, actor=actor, order=order)
    session.flush()
    return order
