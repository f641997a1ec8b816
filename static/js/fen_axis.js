// The y axis of the money charts (finance, party and reasonable-return pages): amounts in fen shown in yuan.
// Ticks are whole fen apart and, when every amount is zero, the axis runs to ¥1.00: left alone, Chart.js ticks
// 0.1 fen apart there, and the labels repeat (¥0.00 ¥0.00 … ¥0.01 ¥0.01).
(function () {
  "use strict";
  function yuan(fen) {
    return "¥" + (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function yAxis(title, values) {
    var shown = values.filter(function (v) { return typeof v === "number" && isFinite(v); });
    var top = shown.length ? Math.max.apply(null, shown) : 0;
    var axis = { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return yuan(v); } },
                 title: { display: true, text: title || "" } };
    if (top <= 0) { axis.suggestedMax = 100; }
    return axis;
  }
  window.FenAxis = { yuan: yuan, yAxis: yAxis };
})();
