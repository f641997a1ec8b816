// Usage charts (buyer and seller pages): billable calls per day, one line per key/product or product/buyer.
(function () {
  "use strict";
  var canvas = document.getElementById("usage-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d"];
  (data.datasets || []).forEach(function (ds, i) {
    ds.borderColor = palette[i % palette.length];
    ds.backgroundColor = palette[i % palette.length];
    ds.tension = 0.2;
  });
  new Chart(canvas, {
    type: data.labels && data.labels.length > 31 ? "line" : "bar",
    data: data,
    options: {
      responsive: true,
      // the canvas's own 300×110 ratio leaves a phone a strip a few pixels high once the legend is drawn
      aspectRatio: window.innerWidth < 576 ? 0.9 : 2.7,
      interaction: { mode: "index", intersect: false },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
                title: { display: true, text: canvas.dataset.label || "" } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
