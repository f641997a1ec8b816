"""A refusal built with values reads in the user's language, values filled (Chinese text unchanged)."""

from __future__ import annotations

FORM = {"type": "api", "title": "x", "domain": "credit", "region": "福建省", "openness": "unconditional",
        "security_grade": "general", "update_frequency": "daily", "agreement_id": "0",
        "plans-0-charge_form": "prepaid_calls", "plans-0-plan_name": "包", "plans-0-package_calls": "100"}


def test_plan_error_in_chinese_and_english(web, world):
    web.login(world.op_user.email)
    zh = web.post("/supply/products/new", FORM)
    assert zh.status_code == 400 and "第 1 个价格方案请填写价格" in zh.get_data(as_text=True)
    web.get("/lang/en?next=/")
    en = web.post("/supply/products/new", FORM)
    html = en.get_data(as_text=True)
    assert en.status_code == 400 and "Price plan 1: please enter Price" in html
    assert "价格方案" not in html.split("<main")[1]


def test_tier_error_in_english(web, world):
    web.login(world.op_user.email)
    web.get("/lang/en?next=/")
    form = {**FORM, "plans-0-charge_form": "per_call_graduated", "plans-0-tiers": "abc"}
    html = web.post("/supply/products/new", form).get_data(as_text=True)
    assert "Price plan 1: tiers must read &#34;limit:unit price&#34;" in html
