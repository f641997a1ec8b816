"""Hole 5: purposes, scenarios and quote messages over their limit are refused with a message, never cut."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.models.demand import AccessApplication, QuoteRequest
from tests.demand.test_demand_web import as_user, shop  # noqa: F401  (fixture)


@pytest.mark.parametrize(("field", "label"), [("purpose", "用途说明"), ("scenario", "应用场景")])
def test_application_text_over_the_limit_is_refused(web, session, shop, field, label):  # noqa: F811
    as_user(web, shop["buyer"])
    page = web.get(f"/products/{shop['cond'].slug}/apply").get_data(as_text=True)
    assert "maxlength" not in page  # a browser would cut a paste at the limit without a word
    data = {"use_type": "industry", "purpose": "贷前核验", "scenario": "授信系统"} | {field: "长" * 20000}
    resp = web.post(f"/products/{shop['cond'].slug}/apply", data)
    assert resp.status_code == 400 and f"{label}最多 2000 个字，现在是 20000 个" in resp.get_data(as_text=True)
    assert session.execute(select(AccessApplication)).first() is None


def test_quote_message_over_the_limit_is_refused(web, session, shop):  # noqa: F811
    as_user(web, shop["buyer"])
    resp = web.post(
        f"/products/{shop['nego'].slug}/quote",
        {"volume": "全量", "period": "一年", "use_type": "industry", "message": "询" * 2001},
    )
    assert resp.status_code == 400 and "需求说明最多 2000 个字，现在是 2001 个" in resp.get_data(as_text=True)
    resp = web.post(
        f"/products/{shop['nego'].slug}/quote",
        {"volume": "量" * 201, "period": "一年", "use_type": "industry", "message": "需要全量数据"},
    )
    assert resp.status_code == 400 and "需求量最多 200 个字" in resp.get_data(as_text=True)
    assert session.execute(select(QuoteRequest)).first() is None
