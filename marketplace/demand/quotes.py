"""Quotes (询价/报价): the buyer asks, the seller offers privately under the cap, the buyer accepts or declines."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as today_local
from marketplace.demand.common import (
    DemandError,
    clean_text,
    get_listed_product,
    parse_use_type,
    require_verified_buyer,
)
from marketplace.demand.parties import current_cap_fen, load_quote, seller_org_id
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import PricePlan, UseType
from marketplace.models.base import utcnow
from marketplace.models.demand import OfferStatus, QuoteMessage, QuoteOffer, QuoteRequest, QuoteStatus
from marketplace.notifications import Notice, notify
from marketplace.supply.on_sale import NotOnSale, OffSale, require_on_sale
from pricing import PlanTerms, check_quote_cap, format_fen
from pricing.charge_forms import PACKAGE_PRICED_FORMS, PRICE_UNITS
from pricing.errors import CapExceeded, PricingError

MESSAGE_MAX = 2000
MAX_OFFER_FEN = 2_000_000_000  # ¥20,000,000: order amounts are 32-bit integer columns
MAX_VALIDITY_DAYS = 180
OFFER_FORMS = PACKAGE_PRICED_FORMS  # an offer is a definite sum: one-off, subscription or prepaid calls
LIVE = (QuoteStatus.OPEN, QuoteStatus.OFFERED)


def request_quote(session: Session, *, actor: Actor, slug: str, volume: str, period: str, use_type: str,
                  message: str) -> QuoteRequest:
    """Open a quote request; one live request per buyer and product."""
    org = require_verified_buyer(session, actor)
    product = get_listed_product(session, slug)
    use = parse_use_type(use_type)
    if use == UseType.PUBLIC:
        raise DemandError(N_("公共治理、公益用途免费使用，无需询价，请在产品页选择公益用途提交申请"), field="use_type")
    volume = clean_text(volume, field="volume", label="需求量", max_len=200, required=False)
    period = clean_text(period, field="period", label="使用期限", max_len=100, required=False)
    message = clean_text(message, field="message", label="需求说明", max_len=MESSAGE_MAX)
    live = session.execute(select(QuoteRequest.id).where(
        QuoteRequest.buyer_org_id == org.id, QuoteRequest.product_id == product.id,
        QuoteRequest.status.in_(LIVE))).first()
    if live:
        raise Conflict(N_("贵单位已有该产品进行中的询价单 #%(quote_id)s，请在询价单中继续沟通"),
                       params={"quote_id": live.id})
    quote = QuoteRequest(product_id=product.id, buyer_org_id=org.id, user_id=actor.user_id,
                         seller_org_id=seller_org_id(session, product), volume=volume, period=period,
                         use_type=use, message=message)
    session.add(quote)
    session.flush()
    record_audit(session, actor=actor, action="quote.request", object_type="quote_request", object_id=quote.id,
                 org_id=org.id, after={"product": product.slug, "seller": quote.seller_org_id,
                                       "volume": volume, "period": period, "use_type": use})
    session.flush()
    return quote


def _offer_terms(price_fen: int, terms: dict) -> PlanTerms:
    """Validated offer terms whose price is the offer price."""
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or price_fen <= 0:
        raise DemandError(N_("报价金额必须大于 0"), field="price")
    if price_fen > MAX_OFFER_FEN:
        raise DemandError(N_("报价金额过大（单笔不超过 ¥20,000,000.00）"), field="price")
    try:
        parsed = PlanTerms.from_dict(terms)
    except PricingError as e:
        raise DemandError(e.message, params=getattr(e, "params", None), field="charge_form") from None
    if parsed.form not in OFFER_FORMS:
        raise DemandError(N_("报价须为一次性买断、按月/按年订阅或预付费次数包"), field="charge_form")
    if parsed.price_fen != price_fen:
        raise DemandError(N_("方案价格必须与报价金额一致"), field="price")
    return parsed


def _check_offer_cap(session: Session, product_id: int, terms: PlanTerms) -> None:
    """Refuse an offer without a cap in force (its charge form's or 面议's) or above it, naming the cap (R3)."""
    cap = current_cap_fen(session, product_id, terms.form.value)
    if cap is None:
        raise NotOnSale(OffSale.NO_CAP, field="price")
    try:
        check_quote_cap(terms.price_fen, cap_fen=cap, unit=PRICE_UNITS.get(terms.form, ""))
    except CapExceeded as e:
        raise DemandError(e.message, params=getattr(e, "params", None), field="price") from None


def _check_validity(valid_until: date) -> None:
    today = today_local()
    if not isinstance(valid_until, date) or valid_until < today:
        raise DemandError(N_("有效期不能早于今天"), field="valid_until")
    if valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise DemandError(N_("有效期不能超过 %(MAX_VALIDITY_DAYS)s 天"),
                          params={"MAX_VALIDITY_DAYS": MAX_VALIDITY_DAYS}, field="valid_until")


def make_offer(session: Session, *, actor: Actor, quote_id: int, price_fen: int, terms: dict,
               valid_until: date, note: str = "") -> QuoteOffer:
    """The seller answers with a private offer; a newer offer withdraws the open one."""
    quote, product, _ = load_quote(session, actor=actor, quote_id=quote_id, side="seller")
    if quote.status not in (*LIVE, QuoteStatus.DECLINED):
        raise Conflict(N_("该询价单已成交或已关闭，不能再报价"))
    require_on_sale(session, product)
    parsed = _offer_terms(price_fen, terms)
    _check_validity(valid_until)
    note = clean_text(note, field="note", label="报价说明", max_len=1000, required=False)
    _check_offer_cap(session, product.id, parsed)
    _withdraw_open_offers(session, quote.id)
    plan = PricePlan(product_id=product.id, name=f"询价单 #{quote.id} 专属报价", charge_form=parsed.form.value,
                     terms=json.dumps(parsed.to_dict()), active=False)
    session.add(plan)
    session.flush()
    offer = QuoteOffer(quote_id=quote.id, seller_org_id=actor.org_id, user_id=actor.user_id, price_fen=price_fen,
                       charge_form=parsed.form.value, terms=plan.terms, plan_id=plan.id, valid_until=valid_until,
                       note=note)
    session.add(offer)
    before, quote.status, quote.updated_at = quote.status, QuoteStatus.OFFERED, utcnow()
    session.flush()
    record_audit(session, actor=actor, action="quote.offer", object_type="quote_offer", object_id=offer.id,
                 org_id=quote.buyer_org_id, before={"quote_status": before},
                 after={"quote": quote.id, "price_fen": price_fen, "terms": parsed.to_dict(), "plan": plan.id,
                        "valid_until": valid_until.isoformat()})
    notify(session, Notice("offer_received", (quote.buyer_org_id,), {
        "quote": quote.id, "product": product.title, "price": format_fen(price_fen),
        "valid_until": valid_until.isoformat()}, subject_type="quote", subject_id=quote.id))
    session.flush()
    return offer


def _withdraw_open_offers(session: Session, quote_id: int) -> None:
    for old in session.execute(select(QuoteOffer).where(
            QuoteOffer.quote_id == quote_id, QuoteOffer.status == OfferStatus.OPEN)).scalars():
        old.status, old.decided_at = OfferStatus.WITHDRAWN, utcnow()


def quote_id_for_buyer(session: Session, *, actor: Actor, offer_id: int) -> int:
    """The quote id of an offer made to the actor's organization; NotFound for anyone else."""
    offer = session.get(QuoteOffer, offer_id)
    if offer is None:
        raise NotFound(N_("报价不存在"))
    quote, _, _ = load_quote(session, actor=actor, quote_id=offer.quote_id, side="buyer")
    return quote.id


def buyer_open_offer(session: Session, *, actor: Actor, offer_id: int) -> tuple[QuoteOffer, QuoteRequest]:
    """The buyer's own open, unexpired offer; NotFound for another buyer's."""
    offer = session.get(QuoteOffer, offer_id)
    if offer is None:
        raise NotFound(N_("报价不存在"))
    quote, _, _ = load_quote(session, actor=actor, quote_id=offer.quote_id, side="buyer")
    if offer.status != OfferStatus.OPEN:
        raise Conflict(N_("该报价已失效（已接受、已拒绝或已被新报价替代）"))
    if offer.valid_until < today_local():
        raise DemandError(N_("该报价已于 %(valid_until)s 过期，不能接受，请联系对方重新报价"),
                          params={"valid_until": offer.valid_until.isoformat()})
    return offer, quote


def decline_offer(session: Session, *, actor: Actor, offer_id: int, reason: str = "") -> QuoteOffer:
    """The buyer declines an open offer."""
    offer, quote = buyer_open_offer(session, actor=actor, offer_id=offer_id)
    reason = clean_text(reason, field="reason", label="原因", max_len=1000, required=False)
    offer.status, offer.decided_at = OfferStatus.DECLINED, utcnow()
    quote.status, quote.updated_at = QuoteStatus.DECLINED, utcnow()
    if reason:
        session.add(QuoteMessage(quote_id=quote.id, author_org_id=actor.org_id, author_id=actor.user_id,
                                 body=f"拒绝报价：{reason}"))
    record_audit(session, actor=actor, action="quote.offer_decline", object_type="quote_offer",
                 object_id=offer.id, before={"status": OfferStatus.OPEN},
                 after={"status": offer.status, "reason": reason})
    session.flush()
    return offer


def post_message(session: Session, *, actor: Actor, quote_id: int, body: str) -> QuoteMessage:
    """Add a message to the thread; either side may write while the quote exists."""
    quote, _, _ = load_quote(session, actor=actor, quote_id=quote_id)
    body = clean_text(body, field="body", label="留言", max_len=MESSAGE_MAX)
    msg = QuoteMessage(quote_id=quote.id, author_org_id=actor.org_id, author_id=actor.user_id, body=body)
    session.add(msg)
    quote.updated_at = utcnow()
    session.flush()
    record_audit(session, actor=actor, action="quote.message", object_type="quote_request", object_id=quote.id,
                 after={"message": msg.id, "length": len(body)})
    session.flush()
    return msg


def close_quote(session: Session, *, actor: Actor, quote_id: int) -> QuoteRequest:
    """Either side closes a quote that has not been accepted; open offers are withdrawn."""
    quote, _, _ = load_quote(session, actor=actor, quote_id=quote_id)
    if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.CLOSED):
        raise Conflict(N_("该询价单已成交或已关闭"))
    before = quote.status
    _withdraw_open_offers(session, quote.id)
    quote.status, quote.updated_at = QuoteStatus.CLOSED, utcnow()
    record_audit(session, actor=actor, action="quote.close", object_type="quote_request", object_id=quote.id,
                 org_id=quote.buyer_org_id, before={"status": before}, after={"status": quote.status})
    session.flush()
    return quote
