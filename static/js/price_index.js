// Price index chart (/price-index): monthly median unit prices, given in fen (decimal strings); settled sales dashed.
(function () {
  "use strict";
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
  function yuan(v) {
    return "¥" + v.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: v < 1 ? 4 : 2 });
  }
  new Chart(canvas, {
    type: "line",
    data: data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { type: logScale ? "logarithmic" : "linear", beginAtZero: !logScale,
                     ticks: { maxTicksLimit: 8, callback: function (v) {
                       if (!logScale) { return yuan(Number(v)); }
                       var lead = Number(v) / Math.pow(10, Math.floor(Math.log10(Number(v)) + 1e-9));
                       return [1, 2, 5].some(function (k) { return Math.abs(lead - k) < 1e-6; }) ? yuan(Number(v)) : "";
                     } },
                     title: { display: true, text: canvas.dataset.label || "" } } },
      plugins: { legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "line" } },
                 subtitle: { display: true, text: canvas.dataset.settled || "", position: "bottom" },
                 tooltip: { callbacks: { label: function (c) {
                   return c.parsed.y === null ? "" : c.dataset.label + ": " + yuan(c.parsed.y); } } } }
    }
  });
})();
