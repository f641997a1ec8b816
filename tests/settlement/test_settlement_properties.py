"""Properties: the ledger balances and every source is taken in once, after any sequence of sales, usage bills,
refunds, late bills, closes and confirmations; each share is within one fen of its exact share."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from marketplace.models.settlement import BilledLine, PeriodStatus, SettlementPeriod
from marketplace.settlement.close import close_period, confirm_period
from marketplace.settlement.verify import verify_ledger
from tests.settlement.conftest import ACTOR

_years = itertools.count(2101)

op = st.one_of(
    st.tuples(st.just("order"), st.integers(0, 2), st.integers(1, 10**7), st.booleans(), st.integers(0, 3000)),
    st.tuples(st.just("bill"), st.integers(0, 2), st.integers(1, 10**6), st.booleans(), st.booleans()),
    st.tuples(st.just("refund"), st.integers(0, 20), st.integers(0, 2)),
    st.tuples(st.just("close"), st.integers(0, 2)),
    st.tuples(st.just("confirm"), st.integers(0, 2)),
)


def _run(app, fn, **kw):
    if fn is close_period:
        kw["today"] = date(2999, 1, 1)  # the generated months lie in the future: bill them as if they had ended
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        fn(s, actor=ACTOR, **kw)
        s.commit()


def _status(session, period):
    row = session.execute(select(SettlementPeriod).where(SettlementPeriod.period == period)).scalar_one_or_none()
    return row.status if row else None


def _apply(app, session, books, year, step, orders, expected):
    month = lambda m: f"{year}-{m + 1:02d}"  # noqa: E731
    kind = step[0]
    if kind == "order":
        _, m, gross, broker, bps = step
        orders.append((books.order(gross, paid=f"{month(m)}-10", broker=broker, commission_bps=bps), m))
        expected.append(gross)
    elif kind == "bill":
        _, m, amount, paid, late = step
        books.bill(amount, period=month(m), issued=f"{month(m + 1 if m < 2 else m)}-0{1 + late}", paid=paid)
        expected.append(amount)
    elif kind == "refund" and orders:
        _, index, later = step
        order, m = orders[index % len(orders)]
        if order.status != "refunded":
            books.refund(order, on=f"{month(min(2, m + later))}-20")
            expected.append(-order.total_fen)
    elif kind == "close":
        _run(app, close_period, period=month(step[1]))
    elif kind == "confirm" and _status(session, month(step[1])) == PeriodStatus.CLOSED:
        _run(app, confirm_period, period=month(step[1]))


def _within_one_fen(line: BilledLine) -> bool:
    exact = {
        "platform_fen": line.platform_fee_bps,
        "broker_fen": line.commission_bps,
        "authority_fen": line.authority_share_bps,
    }
    return all(
        abs(Decimal(getattr(line, part)) - Decimal(line.net_fen) * bps / 10000) < 1 for part, bps in exact.items()
    )


def test_ledger_balances_after_any_sequence(app, session, books):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(op, max_size=12))
    def check(steps):
        year, orders, expected = next(_years), [], []
        for step in steps:
            _apply(app, session, books, year, step, orders, expected)
            report = verify_ledger(session)
            assert report.ok, report.problem
        for m in range(3):  # settle everything: each month closed and confirmed, then the next month's close
            _run(app, close_period, period=f"{year}-{m + 1:02d}")
            _run(app, confirm_period, period=f"{year}-{m + 1:02d}")
        _run(app, close_period, period=f"{year}-04")
        report = verify_ledger(session)
        assert report.ok, report.problem
        periods = select(SettlementPeriod.id).where(SettlementPeriod.period.like(f"{year}-%"))
        lines = session.execute(select(BilledLine).where(BilledLine.period_id.in_(periods))).scalars().all()
        assert sorted(line.gross_fen for line in lines) == sorted(expected)
        assert all(_within_one_fen(line) for line in lines)

    check()
