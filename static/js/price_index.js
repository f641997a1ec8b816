// Price index chart (/price-index): monthly median unit prices, given in fen (decimal strings); settled sales dashed.
(function () {
  "use strict";
  // The "scroll for earlier months" hint shows only while the table is wider than its box.
  var table = document.getElementById("price-index-table"), hint = document.querySelector(".pi-scroll-hint");
  if (table && hint) {
    var showHint = function () { hint.hidden = table.parentElement.scrollWidth <= table.parentElement.clientWidth; };
    showHint();
    window.addEventListener("resize", showHint);
  }
  var canvas = document.getElementById("price-index-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#dc3545", "#6c757d"];
  var values = [];
  (data.datasets || []).forEach(function (ds, i) {
    var color = palette[i % palette.length];
    ds.data = ds.data.map(function (v) { return v === null ? null : Number(v) / 100; });
    ds.data.forEach(function (v) { if (v !== null && v > 0) { values.push(v); } });
    ds.borderColor = color;
    ds.backgroundColor = color;
    ds.borderDash = ds.settled ? [6, 4] : [];
    ds.spanGaps = true;
    ds.tension = 0.2;
  });
  var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
  var logScale = values.length > 1 && high / low > 50;  // prices far apart: a log axis keeps each readable
  // Unit prices run far below one fen (¥0.00004 a call): the digits shown follow the value (a tooltip, a log
  // tick) or the step between ticks (a linear axis), so no two labels read alike and none reads ¥0.00.
  function digitsBelow(v) { return v > 0 && v < 1 ? Math.min(10, Math.ceil(-Math.log10(v) - 1e-9)) : 0; }
  function yuan(v, digits) {
    var most = Math.max(2, digits === undefined ? Math.max(v < 1 ? 4 : 2, digitsBelow(v) + 1) : digits);
    return "¥" + v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: most });
  }
  new Chart(canvas, {
    type: "line",
    data: data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { type: logScale ? "logarithmic" : "linear", beginAtZero: !logScale,
                     ticks: { maxTicksLimit: 8, callback: function (v, i, ticks) {
                       v = Number(v);
                       if (!logScale) {
                         var step = ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : v;
                         return yuan(v, digitsBelow(step));
                       }
                       var lead = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
                       return [1, 2, 5].some(function (k) { return Math.abs(lead - k) < 1e-6; }) ? yuan(v, digitsBelow(v)) : "";
                     } },
                     title: { display: true, text: canvas.dataset.label || "" } } },
      plugins: { legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "line" } },
                 subtitle: { display: true, text: canvas.dataset.settled || "", position: "bottom" },
                 tooltip: { callbacks: { label: function (c) {
                   return c.parsed.y === null ? "" : c.dataset.label + ": " + yuan(c.parsed.y); } } } }
    }
  });
})();
