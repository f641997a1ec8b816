// Money charts (finance dashboard, operator/broker/authority pages): amounts per month, given in fen.
(function () {
  "use strict";
  var canvas = document.getElementById("money-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384"];
  function yuan(fen) {
    return "¥" + (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
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
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return yuan(v); } },
                title: { display: true, text: canvas.dataset.label || "" } } },
      plugins: { legend: { position: "bottom" },
                 tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + yuan(c.parsed.y); } } } }
    }
  });
})();
