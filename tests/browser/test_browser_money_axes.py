"""The money charts' y axes: whole-fen steps in yuan, every tick label distinct, also when every amount is zero."""

from __future__ import annotations

import json

import pytest

ZERO_RETURNS = {"labels": ["01", "02", "03"], "cumulative": [0, 0, None], "allowed": 0, "forecast": 0,
                "names": {"cumulative": "累计实际收入", "allowed": "允许收入", "forecast": "全年预测"}}
SMALL_RETURNS = {**ZERO_RETURNS, "cumulative": [1, 2, None], "allowed": 3, "forecast": None}
ZERO_MONEY = {"labels": ["2026-10", "2026-11"], "datasets": [{"label": "毛额", "data": [0, 0]}]}
LARGE_MONEY = {"labels": ["2026-10", "2026-11"], "datasets": [{"label": "毛额", "data": [1234567, 7654321]}]}

CASES = [("return-chart", "js/returns.js", ZERO_RETURNS), ("return-chart", "js/returns.js", SMALL_RETURNS),
         ("money-chart", "js/money.js", ZERO_MONEY), ("money-chart", "js/money.js", LARGE_MONEY)]


def _tick_labels(page, live_server, canvas_id: str, script: str, data: dict) -> list[str]:
    page.goto(f"{live_server}/healthz")  # the store's origin, so its static files load
    page.set_content(f"<div style='width:800px'><canvas id='{canvas_id}' data-label='金额（元）'></canvas></div>")
    page.eval_on_selector(f"#{canvas_id}", "(c, d) => { c.dataset.chart = d; }", json.dumps(data, ensure_ascii=False))
    for src in ("vendor/chartjs-4.6.1/chart.umd.min.js", "js/fen_axis.js", script):
        page.add_script_tag(url=f"{live_server}/static/{src}")
    return page.evaluate(f"Chart.getChart(document.getElementById('{canvas_id}')).scales.y.ticks.map(t => t.label)")


@pytest.mark.parametrize("canvas_id,script,data", CASES,
                         ids=["returns-zero", "returns-fen", "money-zero", "money-large"])
def test_money_axis_ticks_are_distinct_yuan(page, live_server, canvas_id, script, data):
    labels = _tick_labels(page, live_server, canvas_id, script, data)
    assert len(labels) >= 2 and all(label.startswith("¥") for label in labels), labels
    assert len(set(labels)) == len(labels), f"repeated tick labels: {labels}"
    assert labels[0] == "¥0.00"
