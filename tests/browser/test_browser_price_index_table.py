"""The price-index table: its series column stays in view while the months scroll sideways, and the "scroll for
earlier months" hint shows only while the table is wider than its box (real app.css and price_index.js)."""

from __future__ import annotations

import pytest

from tests.browser.steps import shot


def _table(page, live_server, months: int, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(f"{live_server}/healthz")  # the store's origin, so its static files load
    head = "".join(f"<th class='text-end text-nowrap'>2026-{m:02d}</th>" for m in range(months, 0, -1))
    cells = "".join("<td class='text-end text-nowrap'>¥54,900.00<div>n=1</div></td>" for _ in range(months))
    rows = "".join(f"<tr><th class='pi-series fw-normal text-nowrap' scope='row'>金融 · 按次计费 {i}"
                   f"<div>挂牌价 · 元/次</div></th>{cells}</tr>" for i in range(3))
    page.set_content(
        f"<link rel='stylesheet' href='{live_server}/static/vendor/bootstrap-5.3.9/bootstrap.min.css'>"
        f"<link rel='stylesheet' href='{live_server}/static/css/app.css'>"
        "<main class='container'><h2>各月中位数 <small>最近的月份在前"
        "<span class='pi-scroll-hint'>，左右滑动查看更早的月份</span></small></h2>"
        "<div class='table-responsive'><table class='table table-sm small' id='price-index-table'>"
        f"<thead><tr><th class='pi-series'>数据领域 · 收费方式 · 来源</th>{head}</tr></thead><tbody>{rows}</tbody>"
        "</table></div></main>")
    page.add_script_tag(url=f"{live_server}/static/js/price_index.js")


@pytest.mark.parametrize(("months", "width", "scrolls"), [(12, 390, True), (36, 1280, True), (3, 1280, False)])
def test_the_series_column_stays_and_the_hint_shows_only_when_the_months_scroll(page, live_server, months, width,
                                                                                 scrolls):
    _table(page, live_server, months, width)
    hint = page.locator(".pi-scroll-hint")
    assert hint.is_visible() is scrolls
    if scrolls:
        series, month = page.locator("tbody .pi-series").first, page.locator("tbody td").first
        before = (series.bounding_box()["x"], month.bounding_box()["x"])
        page.eval_on_selector(".table-responsive", "box => { box.scrollLeft = 400; }")
        after = (series.bounding_box()["x"], month.bounding_box()["x"])
        assert abs(after[0] - before[0]) < 1  # the series column stays where it was
        assert before[1] - after[1] > 300  # while the months moved
        shot(page, f"price-index-table-{months}-{width}")
