"""Helpers for reasonable-return tests: an operator with sales settled and confirmed by month."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marketplace import clock
from marketplace.audit import Actor
from marketplace.models import Agreement
from marketplace.returns.costs import CostIn, add_cost
from marketplace.settlement.close import close_period, confirm_period
from tests.factories import make_user
from tests.settlement.conftest import Books

TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _fixed_clock():
    """Every reasonable-return test runs on 2 December 2026 (Asia/Shanghai): the year 2026 is still running."""
    with clock.use_clock(clock.FixedClock(datetime(2026, 12, 2, 4, 0, tzinfo=UTC))):
        yield


class Returns(Books):
    """Books whose agreement runs from 2025 (8% allowed return), with cost entries and confirmed months."""

    def __init__(self, session):
        super().__init__(session, platform_fee_bps=500, authority_share_bps=0)
        self.agreement = session.get(Agreement, self.product.agreement_id)
        self.agreement.start_date, self.agreement.allowed_return_bps = date(2025, 1, 1), 800
        self.op_user = make_user(session, "operator", org=self.operator)
        self.auth_user = make_user(session, "authority", org=self.authority)
        session.commit()
        self.actor = Actor(self.op_user.id, self.op_user.email, self.operator.id)
        self.auth_actor = Actor(self.auth_user.id, self.auth_user.email, self.authority.id)

    def cost(self, amount: int, *, year: int = 2026, category: str = "labour", product=None, day: int = 15):
        entry = add_cost(
            self.session,
            actor=self.actor,
            operator_id=self.operator.id,
            year=year,
            data=CostIn(category, amount, date(year, 3, day), "测试成本", product.id if product else None),
            today=TODAY,
        )
        self.session.commit()
        return entry

    def settle(self, *periods: str) -> None:
        for period in periods:
            close_period(self.session, period=period, actor=Actor.system("test"), today=TODAY)
            confirm_period(self.session, period=period, actor=Actor.system("test"))
        self.session.commit()


@pytest.fixture
def books(session) -> Returns:
    return Returns(session)
