// Reasonable-return chart: cumulative revenue by month (bars) against allowed revenue and the forecast (lines).
(function () {
  "use strict";
  var canvas = document.getElementById("return-chart");
  if (!canvas || typeof Chart === "undefined" || typeof FenAxis === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var months = data.labels || [];
  var yuan = FenAxis.yuan;
  function flat(value) { return months.map(function () { return value; }); }
  var datasets = [
    { type: "bar", label: data.names.cumulative, data: data.cumulative, backgroundColor: "#0d6efd", order: 2 },
    { type: "line", label: data.names.allowed, data: flat(data.allowed), borderColor: "#dc3545",
      backgroundColor: "#dc3545", pointRadius: 0, borderWidth: 2, order: 1 }
  ];
  if (data.forecast !== null && data.forecast !== undefined) {
    datasets.push({ type: "line", label: data.names.forecast, data: flat(data.forecast), borderColor: "#fd7e14",
      backgroundColor: "#fd7e14", borderDash: [6, 4], pointRadius: 0, borderWidth: 2, order: 0 });
  }
  new Chart(canvas, {
    data: { labels: months, datasets: datasets },
    options: {
      responsive: true,
      aspectRatio: window.innerWidth < 576 ? 1.1 : 2,
      interaction: { mode: "index", intersect: false },
      scales: { y: FenAxis.yAxis(canvas.dataset.label, (data.cumulative || []).concat([data.allowed, data.forecast])) },
      plugins: { legend: { position: "bottom" },
                 tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + yuan(c.parsed.y); } } } }
    }
  });
})();
