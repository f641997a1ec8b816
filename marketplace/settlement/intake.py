"""Take a period's paid order lines, usage bills and refunds into billed lines, each split per R8.

A source belongs to the month of its date (order paid_at, bill period, refund date; Asia/Shanghai). Closing
period P takes the untaken sources of P, and, as adjustment lines, untaken sources of earlier periods that
are already confirmed (locked); sources of earlier periods that are not yet confirmed wait for their own
period's (re-)close. Lines with a zero gross (free public use) carry no money and are not taken in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from marketplace.models import Agreement, Order, OrderLine, Payment, Product
from marketplace.models.base import utcnow
from marketplace.models.billing import UsageBill
from marketplace.models.payments import PaymentKind
from marketplace.models.settlement import BilledLine, LineSource, SettlementPeriod
from marketplace.settlement.periods import SettlementError, local_date, month_bounds, period_of
from pricing import PricingError
from pricing.settlement import Split, refund_split, split_line


@dataclass(frozen=True)
class Terms:
    """What the product's agreement sets for the split."""

    authority_id: int
    platform_fee_bps: int
    authority_share_bps: int


def _prefetch_terms(session: Session, product_ids: set[int], cache: dict[int, Terms]) -> None:
    """The agreement terms of these products in one query."""
    missing = product_ids - set(cache)
    if missing:
        rows = session.execute(
            select(Product.id, Agreement.authority_id, Agreement.platform_fee_bps, Agreement.authority_share_bps)
            .join(Agreement, Product.agreement_id == Agreement.id)
            .where(Product.id.in_(missing))
        ).all()
        cache.update((pid, Terms(a, f, s)) for pid, a, f, s in rows)


def _terms(session: Session, product_id: int, cache: dict[int, Terms]) -> Terms:
    if product_id not in cache:
        agreement = session.execute(
            select(Agreement).join(Product, Product.agreement_id == Agreement.id).where(Product.id == product_id)
        ).scalar_one()
        cache[product_id] = Terms(agreement.authority_id, agreement.platform_fee_bps, agreement.authority_share_bps)
    return cache[product_id]


def _split(gross: int, vat_rate: int, terms: Terms, commission_bps: int) -> Split:
    try:
        return split_line(
            gross_fen=gross,
            vat_rate_bps=vat_rate,
            platform_fee_bps=terms.platform_fee_bps,
            broker_commission_bps=commission_bps,
            authority_share_bps=terms.authority_share_bps,
        )
    except PricingError as e:
        raise SettlementError(e.message, params=getattr(e, "params", None)) from None


def _parts(split: Split) -> dict:
    return dict(
        gross_fen=split.gross_fen,
        vat_fen=split.vat_fen,
        net_fen=split.net_fen,
        platform_fen=split.platform_fen,
        broker_fen=split.broker_fen,
        authority_fen=split.authority_fen,
        operator_fen=split.operator_fen,
    )


_ROW_DEFAULTS = {
    "order_line_id": None,
    "usage_bill_id": None,
    "payment_id": None,
    "adjusts_line_id": None,
    "broker_id": None,
    "is_adjustment": False,
    "description": "",
}


def _row(**fields) -> dict:
    """A billed line as a row for one bulk INSERT (every row has every column)."""
    return {**_ROW_DEFAULTS, **fields, "created_at": utcnow()}


def _belongs(natural: str, period: str, confirmed: set[str]) -> bool | None:
    """None: not this close's; False: a regular line of `period`; True: an adjustment of a locked period."""
    if natural == period:
        return False
    return True if natural < period and natural in confirmed else None


def take_order_lines(
    session: Session, *, period: SettlementPeriod, confirmed: set[str], cache: dict[int, Terms]
) -> list[dict]:
    """Billed lines for paid order lines (paid at sale: the VAT rate is the order's)."""
    _, end = month_bounds(period.period)
    taken = exists().where(and_(BilledLine.order_line_id == OrderLine.id, BilledLine.source == LineSource.ORDER_LINE))
    rows = session.execute(
        select(OrderLine, Order)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.paid_at.is_not(None), Order.paid_at < end, OrderLine.amount_fen != 0, ~taken)
        .order_by(OrderLine.id)
    ).all()
    lines = []
    for ol, order in rows:
        day = local_date(order.paid_at)
        adjustment = _belongs(period_of(day), period.period, confirmed)
        if adjustment is None:
            continue
        terms = _terms(session, ol.product_id, cache)
        split = _split(ol.amount_fen, order.vat_rate_bps, terms, ol.commission_bps if ol.broker_id else 0)
        lines.append(
            _row(
                period_id=period.id,
                source=LineSource.ORDER_LINE,
                source_key=f"order_line:{ol.id}",
                order_line_id=ol.id,
                is_adjustment=adjustment,
                occurred_on=day,
                product_id=ol.product_id,
                buyer_org_id=order.buyer_org_id,
                operator_id=ol.operator_id,
                broker_id=ol.broker_id,
                authority_id=terms.authority_id,
                description=f"{order.number} {ol.title}"[:300],
                vat_rate_bps=order.vat_rate_bps,
                platform_fee_bps=terms.platform_fee_bps,
                commission_bps=ol.commission_bps if ol.broker_id else 0,
                authority_share_bps=terms.authority_share_bps,
                **_parts(split),
            )
        )
    return lines


def _line_of(session: Session, **where) -> BilledLine | None:
    query = select(BilledLine)
    for name, value in where.items():
        query = query.where(getattr(BilledLine, name) == value)
    return session.execute(query.order_by(BilledLine.id).limit(1)).scalar_one_or_none()


_BILL_COLUMNS = (
    "id",
    "number",
    "period",
    "calls",
    "adjusts_bill_id",
    "issued_at",
    "product_id",
    "buyer_org_id",
    "operator_id",
    "broker_id",
    "commission_bps",
    "amount_fen",
    "vat_rate_bps",
)


def take_usage_bills(
    session: Session, *, period: SettlementPeriod, confirmed: set[str], cache: dict[int, Terms]
) -> list[dict]:
    """Billed lines for usage bills (accrual: taken in when issued, receivable until paid)."""
    taken = exists().where(and_(BilledLine.usage_bill_id == UsageBill.id, BilledLine.source == LineSource.USAGE_BILL))
    columns = [getattr(UsageBill, name) for name in _BILL_COLUMNS]  # plain rows: no ORM objects to build
    rows = session.execute(
        select(*columns)
        .where(UsageBill.period <= period.period, UsageBill.amount_fen != 0, ~taken)
        .order_by(UsageBill.id)
    ).all()
    lines = []
    _prefetch_terms(session, {bill.product_id for bill in rows}, cache)
    for bill in rows:
        adjustment = _belongs(bill.period, period.period, confirmed)
        if adjustment is None:
            continue
        terms = _terms(session, bill.product_id, cache)
        commission = bill.commission_bps if bill.broker_id else 0
        split = _split(bill.amount_fen, bill.vat_rate_bps, terms, commission)
        adjusts = _line_of(session, usage_bill_id=bill.adjusts_bill_id) if bill.adjusts_bill_id else None
        lines.append(
            _row(
                period_id=period.id,
                source=LineSource.USAGE_BILL,
                source_key=f"usage_bill:{bill.id}",
                usage_bill_id=bill.id,
                adjusts_line_id=adjusts.id if adjusts else None,
                is_adjustment=adjustment,
                occurred_on=local_date(bill.issued_at),
                product_id=bill.product_id,
                buyer_org_id=bill.buyer_org_id,
                operator_id=bill.operator_id,
                broker_id=bill.broker_id,
                authority_id=terms.authority_id,
                description=f"{bill.number} {bill.period} {bill.calls}次"[:300],
                vat_rate_bps=bill.vat_rate_bps,
                platform_fee_bps=terms.platform_fee_bps,
                commission_bps=commission,
                authority_share_bps=terms.authority_share_bps,
                **_parts(split),
            )
        )
    return lines


def refund_line(original: BilledLine, *, period: SettlementPeriod, payment: Payment, day, adjustment: bool) -> dict:
    """The exact reverse of `original`'s split (pricing.refund_split), pointing at it."""
    split = refund_split(
        Split(
            original.gross_fen,
            original.vat_fen,
            original.net_fen,
            original.platform_fen,
            original.broker_fen,
            original.authority_fen,
            original.operator_fen,
        )
    )
    return _row(
        period_id=period.id,
        source=LineSource.REFUND,
        source_key=f"refund:payment:{payment.id}:{original.order_line_id}",
        order_line_id=original.order_line_id,
        payment_id=payment.id,
        adjusts_line_id=original.id,
        is_adjustment=adjustment,
        occurred_on=day,
        product_id=original.product_id,
        buyer_org_id=original.buyer_org_id,
        operator_id=original.operator_id,
        broker_id=original.broker_id,
        authority_id=original.authority_id,
        description=f"退款 {original.description}"[:300],
        vat_rate_bps=original.vat_rate_bps,
        platform_fee_bps=original.platform_fee_bps,
        commission_bps=original.commission_bps,
        authority_share_bps=original.authority_share_bps,
        **_parts(split),
    )


def take_refunds(session: Session, *, period: SettlementPeriod, confirmed: set[str]) -> list[dict]:
    """Refund lines for refund payments; a refund waits until the line it reverses has been taken in."""
    _, end = month_bounds(period.period)
    refunds = (
        session.execute(
            select(Payment).where(Payment.kind == PaymentKind.REFUND, Payment.created_at < end).order_by(Payment.id)
        )
        .scalars()
        .all()
    )
    lines = []
    for payment in refunds:
        day = local_date(payment.created_at)
        adjustment = _belongs(period_of(day), period.period, confirmed)
        if adjustment is None:
            continue
        originals = (
            session.execute(
                select(BilledLine)
                .where(
                    BilledLine.source == LineSource.ORDER_LINE,
                    BilledLine.order_line_id.in_(select(OrderLine.id).where(OrderLine.order_id == payment.order_id)),
                )
                .order_by(BilledLine.id)
            )
            .scalars()
            .all()
        )
        for original in originals:
            key = f"refund:payment:{payment.id}:{original.order_line_id}"
            if _line_of(session, source_key=key) is None:
                lines.append(refund_line(original, period=period, payment=payment, day=day, adjustment=adjustment))
    return lines
