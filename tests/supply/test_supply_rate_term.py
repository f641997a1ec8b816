"""A seller sets a plan's own data API rate limit in the product form; the reviewer sees it (issue 10, failure 9)."""

from __future__ import annotations

import json

from sqlalchemy import select

from marketplace.models import PricePlan, Product, ProductRevision
from tests.supply.test_supply_web import _form


def test_plan_rate_limit_from_the_product_form(web, world):
    web.login(world.op_user.email)
    assert 'name="plans-0-rate_per_second"' in web.get("/supply/products/new").get_data(as_text=True)
    resp = web.post("/supply/products/new", _form(submit_review="1", **{"plans-0-rate_per_second": "5"}))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    revision = world.session.execute(select(ProductRevision)).scalar_one()
    world.cap(world.session.get(Product, revision.product_id), json.loads(revision.content)["plans"])  # R3
    web.logout()
    web.login(world.reviewer.email)
    assert "调用频率上限 每秒 5 次" in web.get(f"/review/revisions/{revision.id}").get_data(as_text=True)
    assert web.post(f"/review/revisions/{revision.id}/approve").status_code == 302
    product = world.session.execute(select(Product)).scalar_one()
    terms = [
        json.loads(p.terms)
        for p in world.session.execute(
            select(PricePlan).where(PricePlan.product_id == product.id).order_by(PricePlan.id)
        ).scalars()
    ]
    assert [t.get("rate_per_second") for t in terms] == [5, None]


def test_out_of_range_rate_limit_is_a_400(web, world):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", _form(**{"plans-0-rate_per_second": "5000"}))
    assert resp.status_code == 400
    assert world.session.execute(select(Product)).first() is None
