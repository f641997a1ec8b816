"""The money charts' y axes: whole-fen steps in yuan, every tick label distinct, also when every amount is zero."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from marketplace.clock import today
from marketplace.returns.review import submit_report
from tests.browser.steps import actor_of, arrange_exchange, login, shot

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


# --- the axis rule itself (static/js/fen_axis.js, the one place the money charts' y ticks come from) -----------

AXIS_CASES = [
    ("all-zero", [0, 0, 0]),
    ("nothing", []),
    ("one-fen", [0, 1]),
    ("three-fen", [1, 2, 3]),
    ("99-fen", [0, 99]),
    ("101-fen", [101]),
    ("refund-month", [-500, 1200]),
    ("large", [1_234_567, 7_654_321, 0]),
]


def _axis(page, live_server, values: list[int]) -> dict:
    """A bar chart of `values` (fen) on FenAxis.yAxis: its y ticks (values and labels) and the formatter's text."""
    page.goto(f"{live_server}/healthz")
    page.set_content("<div style='width:800px'><canvas id='c'></canvas></div>")
    for src in ("vendor/chartjs-4.6.1/chart.umd.min.js", "js/fen_axis.js"):
        page.add_script_tag(url=f"{live_server}/static/{src}")
    return page.evaluate(
        """(values) => {
          const chart = new Chart(document.getElementById('c'), {type: 'bar',
            data: {labels: values.map((_, i) => String(i)), datasets: [{label: 'x', data: values}]},
            options: {animation: false, scales: {y: FenAxis.yAxis('金额（元）', values)}}});
          const ticks = chart.scales.y.ticks;
          return {values: ticks.map(t => t.value), labels: ticks.map(t => t.label),
                  formatted: ticks.map(t => FenAxis.yuan(t.value))};
        }""",
        values,
    )


@pytest.mark.parametrize("values", [v for _name, v in AXIS_CASES], ids=[name for name, _v in AXIS_CASES])
def test_fen_axis_ticks_rise_in_whole_fen_with_distinct_labels(page, live_server, values):
    axis = _axis(page, live_server, values)
    ticks, labels = axis["values"], axis["labels"]
    assert len(ticks) >= 2, axis
    assert all(b > a for a, b in zip(ticks, ticks[1:], strict=False)), f"ticks not strictly increasing: {ticks}"
    assert all(t == int(t) for t in ticks), f"ticks between whole fen: {ticks}"
    assert len(set(labels)) == len(labels), f"repeated tick labels: {labels}"
    assert labels == axis["formatted"] and all(label.startswith(("¥", "¥-")) for label in labels), labels
    assert ticks[0] <= min([0, *values]) and ticks[-1] >= max([0, *values]), (ticks, values)
    if not any(values):
        assert labels[0] == "¥0.00" and labels[-1] == "¥1.00", labels  # an empty chart runs to ¥1.00
    if values == [0, 1]:
        assert labels == ["¥0.00", "¥0.01"], labels


# --- the real pages with nothing to show yet ---------------------------------------------------------------------


def _zero_report_submitted(w) -> str:
    """The operator submits this year's report with no revenue and no costs: the authority reads it."""
    with Session(w.engine) as s:
        report = submit_report(s, actor=actor_of(w.op_user), operator_id=w.operator.id, year=today().year,
                               today=today())
        s.commit()
        return f"/authority/returns/report/{report.id}"


# The money pages (finance, party) draw no chart until a month has billed lines; their all-zero axis is the
# "money-zero" case above and the rule the table test checks.
ZERO_PAGES = {  # name → (who signs in, arrange and give the page, its chart)
    "operator-returns": ("seller@operator.cn", lambda w: f"/money/returns/{today().year}", "return-chart"),
    "authority-returns": ("official@authority.cn", _zero_report_submitted, "return-chart"),
}


@pytest.mark.parametrize("name", list(ZERO_PAGES))
def test_zero_data_pages_draw_distinct_tick_labels(page, live_server, name):
    email, arrange, canvas_id = ZERO_PAGES[name]
    path = arrange(arrange_exchange(live_server.app))  # an operator with an agreement, nothing sold, no costs
    login(page, live_server.url, email)
    page.goto(live_server.url + path)
    chart = "(id) => window.Chart && Chart.getChart(document.getElementById(id))"
    page.wait_for_function(chart, arg=canvas_id)
    data = page.evaluate(f"(id) => ({chart})(id).data.datasets.map(d => d.data)", canvas_id)
    labels = page.evaluate(f"(id) => ({chart})(id).scales.y.ticks.map(t => t.label)", canvas_id)
    shot(page, f"zero-axis-{name}")
    assert data and not any(v for series in data for v in series), data  # the chart holds only zeros (or gaps)
    assert len(labels) >= 2 and labels[0] == "¥0.00" and labels[-1] == "¥1.00", labels
    assert len(set(labels)) == len(labels), f"repeated tick labels on {path}: {labels}"
