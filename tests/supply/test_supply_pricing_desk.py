"""The pricing desk beside the plan editor and the cap form: reference, cost-based price, headroom, cap."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.models import AuditRecord
from marketplace.supply.cap_setting import set_cap


def _setup(world):
    product = world.listed()  # 企业信用评分接口, ¥0.50 per call
    other = world.listed(
        title="企业信用核验接口",
        summary="核验企业信用",
        plans=({"name": "按次", "form": "per_call_flat", "unit_price_fen": "30"},),
    )
    set_cap(
        world.session,
        actor=world.actor(world.auth_user),
        product_id=product.id,
        charge_form="per_call_flat",
        cap_fen=Decimal(60),
        trial=False,
        trial_expires=None,
        authority_id=world.authority.id,
    )
    world.session.commit()
    return product, other


def test_plan_editor_shows_the_desk(web, world):
    product, other = _setup(world)
    web.login(world.op_user.email)
    before = world.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    resp = web.get(f"/supply/products/{product.id}/edit?desk_cost=10000&desk_volume=1000")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="pricing-desk"' in html
    assert f'href="/products/{other.slug}"' in html and "企业信用核验接口" in html  # comparable, linked
    assert f'href="/products/{product.slug}"' not in html  # the product itself is not its own comparable
    assert "¥10.80/次" in html  # (¥10,000 + 8%) / 1,000 calls
    assert "¥10,800.00 → ¥10,300.00" in html  # headroom before → after 1,000 calls at ¥0.50
    assert "拟定价格 ¥0.50 未超过上限" in html and "¥0.60/次" in html
    assert world.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == before  # GET: no writes


def test_cap_form_shows_the_desk_and_an_over_cap_price(web, world):
    product, other = _setup(world)
    web.login(world.auth_user.email)
    html = web.get(
        f"/authority/products/{product.id}/caps?form=per_call_flat&desk_price=0.7&desk_cost=100&desk_volume=100000"
    ).get_data(as_text=True)
    assert 'id="pricing-desk"' in html and f'href="/products/{other.slug}"' in html
    assert "拟定价格 ¥0.70 超过上限" in html
    assert "按此价格和销量将超出允许收入" in html  # ¥70,000 of sales against ¥108 allowed


def test_desk_bad_inputs_are_messages_not_errors(web, world):
    product, _ = _setup(world)
    web.login(world.op_user.email)
    resp = web.get(f"/supply/products/{product.id}/edit?desk_volume=abc&desk_price=-1&desk_form=barter")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请填写正整数" in html and "金额不能为负数" in html
    assert "填写年度成本和预计年销量后显示" in html


def test_new_product_page_shows_the_desk(web, world):
    world.listed()
    web.login(world.op_user.email)
    resp = web.get("/supply/products/new?desk_form=per_call_flat")
    assert resp.status_code == 200 and "定价参考" in resp.get_data(as_text=True)


def _desk_form(html: str) -> str:
    desk = html[html.index('id="pricing-desk"'):]
    return re.search(r'<option value="([a-z_]+)" selected>', desk).group(1)


def test_desk_opens_on_one_off_prices_for_negotiated_and_file_products(web, world):
    negotiated_api = world.create(plans=({"name": "面议", "form": "negotiated"},))
    report = world.create(type="report", plans=({"name": "公益", "form": "free_public"},))
    api = world.create()  # ¥0.50 per call
    web.login(world.op_user.email)
    assert _desk_form(web.get(f"/supply/products/{negotiated_api.id}/edit").get_data(as_text=True)) == "one_off"
    assert _desk_form(web.get(f"/supply/products/{report.id}/edit").get_data(as_text=True)) == "one_off"
    assert _desk_form(web.get("/supply/products/new").get_data(as_text=True)) == "one_off"  # a package by default
    assert _desk_form(web.get(f"/supply/products/{api.id}/edit").get_data(as_text=True)) == "per_call_flat"
    assert _desk_form(web.get(f"/supply/products/{api.id}/edit?desk_form=subscription_year")
                      .get_data(as_text=True)) == "subscription_year"  # the desk's own choice still wins
