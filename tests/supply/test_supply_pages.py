"""Supply pages as users read them: workbench filters, plan editor, readable review diff, caps, admin users."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.models import Mandate, Role, User
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.listing import submit_revision, update_product
from marketplace.supply.review import listed_revision
from marketplace.web.supply.forms import PLAN_HINTS
from pricing import ChargeForm
from tests.factories import make_user
from tests.supply.conftest import TODAY, product_data


def test_dashboard_tabs_count_filter_search_and_page(web, world):
    for i in range(23):
        world.create(title=f"示例产品{i:02d}")
    world.listed(title="已上架的信用接口")
    web.login(world.op_user.email)
    html = web.get("/supply/").get_data(as_text=True)
    assert re.search(r"全部 <span[^>]*>24</span>", html) and re.search(r"草稿 <span[^>]*>23</span>", html)
    assert html.count("/edit") == 20 and "page=2" in html
    listed = web.get("/supply/?status=listed").get_data(as_text=True)
    assert "已上架的信用接口" in listed and "示例产品00" not in listed
    found = web.get("/supply/?q=产品07").get_data(as_text=True)
    assert "示例产品07" in found and "示例产品08" not in found and "找到 1 个产品" in found
    assert "没有符合搜索条件的产品" in web.get("/supply/?q=不存在").get_data(as_text=True)
    assert web.get("/supply/?page=x&status=bogus").status_code == 200


def test_product_form_has_no_example_values_and_knows_the_caps(web, world):
    product = world.listed()
    set_cap(world.session, actor=world.actor(world.auth_user), product_id=product.id, charge_form="per_call_flat",
            cap_fen=Decimal(60))
    web.login(world.op_user.email)
    new = web.get("/supply/products/new").get_data(as_text=True)
    assert "placeholder" not in new.split('id="plans-0-tiers"')[1].split(">")[0]
    assert "data-plan-editor" in new and "supply_plans.js" in new
    edit = web.get(f"/supply/products/{product.id}/edit").get_data(as_text=True)
    assert "¥0.60/次" in edit  # the cap in force, shown beside the plans
    assert '"per_call_graduated": "\\u00a50.60/\\u6b21"' in edit  # tiers fall back to the per-call cap


def test_empty_plan_price_names_the_missing_input(web, world):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", {
        "type": "api", "title": "x", "domain": "credit", "region": "福建省", "openness": "unconditional",
        "security_grade": "general", "update_frequency": "daily", "agreement_id": "0",
        "plans-0-charge_form": "prepaid_calls", "plans-0-plan_name": "包", "plans-0-package_calls": "100"})
    assert resp.status_code == 400 and "第 1 个价格方案请填写价格" in resp.get_data(as_text=True)


def test_review_shows_first_listing_and_changes_in_words(web, world):
    product = world.create()
    world.cap(product, [{"form": "per_call_flat", "unit_price_fen": "60"}])
    first = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    web.login(world.reviewer.email)
    html = web.get(f"/review/revisions/{first.id}").get_data(as_text=True)
    assert "首次上架，以下为全部内容" in html and "数据接口" in html and "单价 ¥0.50/次" in html
    assert "unit_price_fen" not in html and '"masked"' not in html
    assert web.post(f"/review/revisions/{first.id}/approve").status_code == 302
    world.session.expire_all()
    update_product(world.session, actor=world.actor(world.op_user), product_id=product.id,
                   data=product_data(update_frequency="monthly"),
                   plans=[{"name": "阶梯", "form": "per_call_graduated", "free_quota": 100,
                           "tiers": [{"up_to": 1000, "unit_price_fen": "60"},
                                     {"up_to": None, "unit_price_fen": "40"}]}])
    second = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    assert listed_revision(world.session, product.id).id == first.id
    html = web.get(f"/review/revisions/{second.id}").get_data(as_text=True)
    assert "与上架版本 v1 的差异" in html and "每日" in html and "每月" in html
    assert "至第 1,000 次 ¥0.60/次；其余 ¥0.40/次" in html and "免费额度 100 次" in html
    assert "产品名称" not in html.split("与上架版本")[1]  # unchanged fields are left out


def test_review_shows_yes_or_no_for_a_checkbox_not_python_booleans(web, world):
    product = world.create()  # declared offline delivery (线下/合同交付)
    world.cap(product)
    revision = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    web.login(world.reviewer.email)
    html = web.get(f"/review/revisions/{revision.id}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "线下/合同交付 是 " in text and "True" not in text


def test_caps_page_lists_plans_and_preselects_a_form(web, world):
    product = world.create()  # R3: the authority caps a draft before it can be listed
    web.login(world.auth_user.email)
    html = web.get(f"/authority/products/{product.id}/caps?form=per_call_flat").get_data(as_text=True)
    assert "单价 ¥0.50/次" in html and "未设定" in html
    assert '<option selected value="per_call_flat">' in html
    web.post(f"/authority/products/{product.id}/caps", {"charge_form": "per_call_flat", "cap": "0.6"})
    html = web.get(f"/authority/products/{product.id}/caps").get_data(as_text=True)
    assert "¥0.60/次" in html
    agreement = web.get(f"/authority/agreements/{world.agreement.id}").get_data(as_text=True)
    assert "1 种收费方式" in agreement


def test_mandate_products_are_checkboxes(web, world):
    world.qualify()
    a, b = world.create(title="甲"), world.create(title="乙")
    web.login(world.op_user.email)
    page = web.get("/supply/mandates").get_data(as_text=True)
    assert f'type="checkbox" name="product_ids" value="{a.id}"' in page
    resp = web.post("/supply/mandates", {"broker_id": world.broker.id, "product_ids": [a.id, b.id],
                                         "commission_pct": "8.5", "start_date": TODAY.isoformat(),
                                         "end_date": (TODAY + timedelta(days=30)).isoformat()})
    assert resp.status_code == 302
    assert world.session.execute(select(Mandate.commission_bps)).scalar_one() == 850
    bad = web.post("/supply/mandates", {"broker_id": world.broker.id, "commission_pct": "abc",
                                        "start_date": TODAY.isoformat(), "end_date": TODAY.isoformat()})
    assert bad.status_code == 400 and "佣金比例格式不正确" in bad.get_data(as_text=True)


def test_admin_users_status_and_action_are_distinct(web, session):
    admin = make_user(session, Role.ADMIN)
    other = make_user(session, Role.BUYER)
    web.login(admin.email)
    html = web.get("/admin/users").get_data(as_text=True)
    row = html.split(other.email)[1].split("</tr>")[0]
    assert "正常" in row and "停用账号" in row
    own = html.split(admin.email)[1].split("</tr>")[0]
    assert "当前登录" in own and "停用账号" not in own
    assert web.post(f"/admin/users/{other.id}/active", {}).status_code == 302
    session.expire_all()
    assert session.get(User, other.id).active is False
    page = web.get("/admin/users").get_data(as_text=True)
    assert f"已停用 {other.email}" in page
    row = page.split(other.email + "<")[1].split("</tr>")[0]
    assert "已停用" in row and "恢复启用" in row


def test_negotiated_hint_says_the_mandated_broker_quotes_for_its_listings(web, world):
    """The 面议 hint once said only the operator quotes; demand.parties lets the mandated broker answer."""
    web.login(world.op_user.email)
    page = web.get("/supply/products/new").get_data(as_text=True)
    hint = str(PLAN_HINTS[ChargeForm.NEGOTIATED])
    assert json.dumps(hint)[1:-1] in page  # the plan editor's hints, as the page embeds them
    assert "受托的数据经纪人" in hint and "运营单位" in hint
