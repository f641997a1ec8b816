"""Disclosure fixtures: a fixed day in February (disclosing last year) and an operator with listed products."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.clock import FixedClock, use_clock
from marketplace.models import Agreement, CapPrice, OrgKind, PricePlan, Role
from tests.factories import make_org, make_product, make_user

FEB = datetime(2027, 2, 10, 2, 0, tzinfo=UTC)  # 2027-02-10 10:00 in Shanghai: disclosing 2026
LISTED_2026 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # when the fixture's products went on sale


@pytest.fixture
def clock():
    with use_clock(FixedClock(FEB)) as source:
        yield source


@pytest.fixture
def listed(session, clock):
    """An operator with one agreement, two products listed in 2026 (one-off ¥100, per call ¥0.05), a delisted one."""
    authority = make_org(session, OrgKind.AUTHORITY, name="示例省数据局")
    operator = make_org(session, OrgKind.OPERATOR, name="示例数据运营有限公司")
    agreement = Agreement(
        code="SQ-DISC-0001",
        title="示例公共数据授权运营协议（集中统一授权）",
        authority_id=authority.id,
        operator_id=operator.id,
        domains='["credit", "transport"]',
        scenarios="普惠金融",
        start_date=date(2026, 1, 1),
        end_date=date(2030, 12, 31),
    )
    session.add(agreement)
    session.commit()
    package = make_product(
        session,
        agreement=agreement,
        title="企业信用数据包",
        slug="a-package",
        plans=({"form": "one_off", "price_fen": 10000},),
    )
    api = make_product(
        session,
        agreement=agreement,
        title="交通接口",
        slug="b-api",
        domain="transport",
        type="api",
        plans=({"form": "per_call_flat", "unit_price_fen": "5"},),
    )
    make_product(session, agreement=agreement, title="已下架产品", slug="c-gone", status="delisted")
    package.listed_at = api.listed_at = LISTED_2026  # on sale since then, at these prices under these caps
    ids = [package.id, api.id]
    for plan in session.execute(select(PricePlan).where(PricePlan.product_id.in_(ids))).scalars():
        plan.created_at = LISTED_2026
    for cap in session.execute(select(CapPrice).where(CapPrice.product_id.in_(ids))).scalars():
        cap.effective_from = LISTED_2026
    session.commit()
    user = make_user(session, Role.OPERATOR, org=operator)
    return {
        "authority": authority,
        "operator": operator,
        "agreement": agreement,
        "package": package,
        "api": api,
        "user": user,
        "actor": Actor(user.id, user.email, operator.id),
    }
