// Usage charts (buyer and seller pages): billable calls per day, one line per key/product or product/buyer.
(function () {
  "use strict";
  var canvas = document.getElementById("usage-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "{}");
  var days = (data.labels || []).length;
  var box = canvas.parentElement;
  if (box && box.classList.contains("chart-box")) {
    box.style.minWidth = days * 10 + "px";  // at least 10 px a day: 90 days scroll sideways in the card on a phone
  }
  var narrow = window.matchMedia("(max-width: 575.98px)").matches;
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
      maintainAspectRatio: false,  // the box sets the height (.chart-box), the chart fills it
      interaction: { mode: "index", intersect: false },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 },
                title: { display: true, text: canvas.dataset.label || "" } } },
      plugins: { legend: { position: "bottom", align: "start", labels: narrow ? { boxWidth: 10, font: { size: 10 } } : {} } }
    }
  });
  canvas.dataset.drawn = "1";
})();
