"""Which plans a product offered at the end of a day: the newest version made by then (Asia/Shanghai days);
a replaced version's plans count until it was replaced, a withdrawn plan of the newest version never counts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from marketplace.models import PricePlan
from marketplace.supply.on_sale import plans_in_force
from tests.factories import make_product

V1 = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 2 March 00:30 in Shanghai
V2 = datetime(2026, 6, 30, 15, 59, tzinfo=UTC)  # 30 June 23:59 in Shanghai


def _plan(product, name: str, price: int, version: int, at: datetime, active: bool) -> PricePlan:
    return PricePlan(product_id=product.id, name=name, charge_form="one_off", version=version, active=active,
                     terms=json.dumps({"form": "one_off", "price_fen": price}), created_at=at)


def test_the_newest_version_made_by_the_end_of_the_day_is_in_force(session):
    product = make_product(session, plans=())
    session.add_all([
        _plan(product, "标准版", 10000, 1, V1, active=False),
        _plan(product, "年度版", 50000, 1, V1, active=False),  # replaced with version 1: counted until then
        _plan(product, "标准版", 8000, 2, V2, active=True),
        _plan(product, "试用版", 100, 2, V2, active=False),  # withdrawn from the newest version: never counted
    ])
    session.commit()

    def names(on: date) -> list[tuple[str, int]]:
        return [(p.name, p.version) for p in plans_in_force(session, product.id, on)]

    assert names(date(2026, 3, 1)) == []  # before version 1 was made (in Shanghai)
    assert names(date(2026, 3, 2)) == [("标准版", 1), ("年度版", 1)]
    assert names(date(2026, 6, 29)) == [("标准版", 1), ("年度版", 1)]
    assert names(date(2026, 6, 30)) == [("标准版", 2)]  # made at 23:59 that day
    assert names(date(2027, 1, 1)) == [("标准版", 2)]
    active = session.execute(select(PricePlan).where(PricePlan.product_id == product.id, PricePlan.active))
    assert [p.name for p in active.scalars()] == [p[0] for p in names(date(2027, 1, 1))]  # today: the active ones
