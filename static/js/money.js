// Money charts (finance dashboard, operator/broker/authority pages): amounts per month, given in fen.
(function () {
  "use strict";
  var canvas = document.getElementById("money-chart");
  if (!canvas || typeof Chart === "undefined" || typeof FenAxis === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384"];
  var yuan = FenAxis.yuan;
  (data.datasets || []).forEach(function (ds, i) {
    ds.backgroundColor = palette[i % palette.length];
    ds.borderColor = palette[i % palette.length];
  });
  new Chart(canvas, {
    type: "bar",
    data: data,
    options: {
      responsive: true,
      aspectRatio: window.innerWidth < 576 ? 1.1 : 2,
      interaction: { mode: "index", intersect: false },
      scales: { y: FenAxis.yAxis(canvas.dataset.label, [].concat.apply([], (data.datasets || []).map(function (ds) {
        return ds.data || []; }))) },
      plugins: { legend: { position: "bottom" },
                 tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + yuan(c.parsed.y); } } } }
    }
  });
})();
