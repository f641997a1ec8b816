"""The pricing desk takes its cost and revenue from the cost ledger: attributed + equal share of the rest."""

from __future__ import annotations

import re

from marketplace.returns.desk import desk_defaults
from tests.factories import make_product
from tests.returns.conftest import TODAY


def _value(html: str, name: str) -> str:
    return re.search(rf'id="{name}" name="{name}" inputmode="decimal" value="([^"]*)"', html).group(1)


def test_desk_defaults_share_unattributed_costs_equally(session, books):
    assert desk_defaults(session, product=books.product, year=2026) is None  # no entries: the desk asks
    second = make_product(session, agreement=books.agreement)
    make_product(session, agreement=books.agreement, status="draft")  # not listed: shares nothing
    books.cost(30_000, product=books.product, category="compute_storage")
    books.cost(100_001)  # shared by the two listed products: 50,000 each, 1 fen unshared
    books.cost(5_000, category="taxes")  # left out
    books.order(10600, paid="2026-03-10")
    books.settle("2026-03")
    mine = desk_defaults(session, product=books.product, year=TODAY.year)
    assert (mine.attributed_fen, mine.shared_fen, mine.sharing, mine.cost_fen) == (30_000, 50_000, 2, 80_000)
    assert mine.revenue_fen == 10100
    theirs = desk_defaults(session, product=second, year=2026)
    assert (theirs.cost_fen, theirs.revenue_fen) == (50_000, 0)


def test_plan_editor_desk_uses_the_ledger_and_stays_overridable(session, web, books):
    books.cost(40_000, product=books.product)
    books.order(10600, paid="2026-03-10")
    books.settle("2026-03")
    web.login(books.op_user.email)
    html = web.get(f"/supply/products/{books.product.id}/edit").get_data(as_text=True)
    assert _value(html, "desk_cost") == "400" and _value(html, "desk_revenue") == "101"
    assert "data-desk-ledger" in html
    html = web.get(f"/supply/products/{books.product.id}/edit?desk_cost=9&desk_volume=10").get_data(as_text=True)
    assert _value(html, "desk_cost") == "9" and _value(html, "desk_revenue") == "101"
