"""After load_demo, last month holds paid orders, calls of three plan kinds, a broker sale and a refund."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from marketplace.clock import SHANGHAI
from marketplace.clock import today as today_local
from marketplace.demo_history import previous_month
from marketplace.models import Order, OrderLine, OrderStatus, PricePlan
from marketplace.models.metering import UsageEvent
from marketplace.models.payments import Payment, PaymentKind
from marketplace.settlement.exports.invoices import invoice_rows, month_bounds


def _in_month(moment: datetime, period: str) -> bool:
    start, end = month_bounds(period)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return start <= moment < end


def test_demo_holds_last_month_ready_to_close(app, session, monkeypatch, tmp_path):
    monkeypatch.setattr("marketplace.orders.demo.DEFAULT_DIR", tmp_path)
    from marketplace.demo import load_demo

    load_demo(session)
    first, last = previous_month(today_local())
    period = f"{first:%Y-%m}"
    paid = [
        o
        for o in session.execute(select(Order).where(Order.paid_at.is_not(None))).scalars()
        if _in_month(o.paid_at, period)
    ]
    forms = set()
    for order in paid:
        for line in session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalars():
            forms.add(json.loads(session.get(PricePlan, line.plan_id).terms)["form"])
    assert {"one_off", "subscription_month", "prepaid_calls"} <= forms
    charged = [o for o in paid if o.total_fen > 0 and o.status == OrderStatus.DELIVERED]
    assert len(charged) >= 4
    broker_lines = (
        session.execute(
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.broker_id.is_not(None), OrderLine.commission_bps > 0, Order.id.in_([o.id for o in paid]))
        )
        .scalars()
        .all()
    )
    assert broker_lines and all(line.amount_fen > 0 for line in broker_lines)
    refunds = [
        p
        for p in session.execute(select(Payment).where(Payment.kind == PaymentKind.REFUND)).scalars()
        if _in_month(p.created_at, period)
    ]
    assert len(refunds) == 1 and refunds[0].amount_fen < 0
    assert session.get(Order, refunds[0].order_id).status == OrderStatus.REFUNDED
    days = (first.isoformat(), last.isoformat())
    kinds = session.execute(
        select(PricePlan.charge_form, func.count(UsageEvent.id))
        .join(PricePlan, PricePlan.id == UsageEvent.plan_id)
        .where(UsageEvent.day >= days[0], UsageEvent.day <= days[1], UsageEvent.billable.is_(True))
        .group_by(PricePlan.charge_form)
    ).all()
    by_kind = dict(kinds)
    assert {"per_call_flat", "per_call_graduated", "per_call_volume"} <= set(by_kind)
    assert by_kind["per_call_volume"] > 1000 and by_kind["per_call_graduated"] > 1000  # past the first tier
    event = session.execute(select(UsageEvent).where(UsageEvent.day == days[0])).scalars().first()
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    assert at.astimezone(SHANGHAI).date().isoformat() == event.day
    invoices = invoice_rows(session, period=period)
    assert {r.reference for r in invoices} >= {o.number for o in charged}
