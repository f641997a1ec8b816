"""The price-index chart's y axis: unit prices (medians in fen, often below one fen) get distinct tick labels
and tooltips that show the price, not ¥0.0000, on linear and on log axes."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.steps import shot

CASES = {  # name → one series of monthly medians in fen (decimal strings, as the page gives them)
    "hundredths-of-a-fen": ["0.003", "0.005", "0.004"],
    "fractions-of-a-fen": ["0.2", "0.5", "0.9"],
    "one-price": ["0.003"],
    "yuan": ["15000", "20000", "18000"],
    "far-apart-log": ["0.004", "500", None, "30"],
}


def _chart(page, live_server, medians: list) -> dict:
    page.goto(f"{live_server}/healthz")  # the store's origin, so its static files load
    page.set_content("<div style='width:800px;height:300px'><canvas id='price-index-chart' "
                     "data-label='元/次' data-settled='虚线为成交价'></canvas></div>")
    data = {"labels": [f"2026-{m:02d}" for m in range(1, len(medians) + 1)],
            "datasets": [{"label": "挂牌价中位数", "data": medians}]}
    page.eval_on_selector("#price-index-chart", "(c, d) => { c.dataset.chart = d; }", json.dumps(data))
    for src in ("vendor/chartjs-4.6.1/chart.umd.min.js", "js/price_index.js"):
        page.add_script_tag(url=f"{live_server}/static/{src}")
    return page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById('price-index-chart'));
          const label = chart.options.plugins.tooltip.callbacks.label;
          const ds = chart.data.datasets[0];
          return {type: chart.scales.y.type, ticks: chart.scales.y.ticks.map(t => t.label),
                  tips: ds.data.filter(v => v !== null).map(v => label({parsed: {y: v}, dataset: ds}))};
        }""")


def _yuan(label: str) -> float:
    return float(re.sub(r"[^0-9.]", "", label))


@pytest.mark.parametrize("name", list(CASES))
def test_price_index_ticks_and_tooltips_show_the_price(page, live_server, name):
    medians = CASES[name]
    chart = _chart(page, live_server, medians)
    shot(page, f"price-index-axis-{name}")
    shown = [t for t in chart["ticks"] if t]
    assert len(shown) >= 2 and all(t.startswith("¥") for t in shown), chart
    assert len(set(shown)) == len(shown), f"repeated tick labels: {shown}"
    assert chart["type"] == ("logarithmic" if name == "far-apart-log" else "linear"), chart
    prices = [int(m) / 100 if m.isdigit() else float(m) / 100 for m in medians if m is not None]
    for tip, price in zip(chart["tips"], prices, strict=True):
        assert tip.startswith("挂牌价中位数: ¥"), tip
        assert _yuan(tip) == pytest.approx(price, rel=0.01), f"tooltip {tip!r} for ¥{price}"
