// Pricing desk: refresh the comparable listings from /api/v1/price-reference when the charge form,
// type, domain, title or summary changes (the figures below it are recomputed by the desk's 计算 button).
(function () {
  "use strict";
  var desk = document.getElementById("pricing-desk");
  if (!desk) { return; }
  var ref = desk.querySelector("[data-desk-reference]");
  var formSelect = desk.querySelector("#desk_form");
  function field(id) { return document.getElementById(id); }
  function value(id, fallback) { var el = field(id); return el ? el.value : fallback; }
  function yuan(fen) {
    if (fen === null || fen === undefined) { return ""; }
    var text = (Number(fen) / 100).toFixed(4).replace(/0{1,2}$/, "");
    var parts = text.split(".");
    return "¥" + Number(parts[0]).toLocaleString("en-US") + "." + parts[1];
  }
  function render(body) {
    ref.querySelector("[data-ref-stats]").hidden = body.count === 0;
    ref.querySelector("[data-ref-none]").hidden = body.count !== 0;
    ref.querySelector('[data-ref="count"]').textContent = body.count;
    ref.querySelector('[data-ref="median"]').textContent = yuan(body.median);
    ref.querySelector('[data-ref="iqr"]').textContent = yuan(body.quartiles.q1) + " – " + yuan(body.quartiles.q3);
    ref.querySelector('[data-ref="range"]').textContent = yuan(body.lowest) + " / " + yuan(body.highest);
    var list = ref.querySelector("[data-ref-list]");
    list.textContent = "";
    body.comparables.forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = c.url; a.textContent = c.title;
      var price = document.createElement("span");
      price.className = "text-nowrap"; price.textContent = " " + yuan(c.unit_price);
      li.appendChild(a); li.appendChild(price);
      if (!c.same_charge_form) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-light ms-1"; badge.textContent = list.dataset.otherForm;
        li.appendChild(badge);
      }
      list.appendChild(li);
    });
  }
  var timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var params = new URLSearchParams({ charge_form: formSelect.value });
      var type = value("type", desk.dataset.type), domain = value("domain", desk.dataset.domain);
      var q = field("title") ? (value("title", "") + "\n" + value("summary", "")) : desk.dataset.q;
      if (type) { params.set("type", type); }
      if (domain) { params.set("domain", domain); }
      if (q.trim()) { params.set("q", q.slice(0, 1000)); }
      if (desk.dataset.exclude) { params.set("exclude", desk.dataset.exclude); }
      fetch(desk.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body) { render(body); } })
        .catch(function () { /* keep the figures the server rendered */ });
    }, 300);
  }
  // Opened on a default by product type (no priced plan yet): follow the type until the user picks a form.
  var fileTypes = (desk.dataset.fileTypes || "").split(" ").filter(Boolean);
  var typeSelect = field("type");
  if (fileTypes.length && typeSelect) {
    typeSelect.addEventListener("change", function () {
      formSelect.value = fileTypes.indexOf(typeSelect.value) >= 0 ? "one_off" : "per_call_flat";
    });
    formSelect.addEventListener("change", function () { fileTypes = []; }, { once: true });
  }
  formSelect.addEventListener("change", refresh);
  ["type", "domain", "title", "summary"].forEach(function (id) {
    var el = field(id);
    if (el) { el.addEventListener("change", refresh); }
  });
})();
