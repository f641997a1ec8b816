// Product editor: show only the inputs the chosen charge form uses, what it means, and the cap it is held to.
(function () {
  "use strict";
  var editor = document.querySelector("[data-plan-editor]");
  if (!editor) { return; }
  var fields = JSON.parse(editor.dataset.fields || "{}");
  var hints = JSON.parse(editor.dataset.hints || "{}");
  var caps = JSON.parse(editor.dataset.caps || "{}");
  var UNCAPPED = ["negotiated", "free_public"];

  function capText(form) {
    if (caps[form]) { return editor.dataset.capLabel + "：" + caps[form]; }
    return UNCAPPED.indexOf(form) >= 0 ? "" : (editor.dataset.noCap || "");
  }

  function update(plan) {
    var form = plan.querySelector("[data-plan-form]").value;
    var used = form ? (fields[form] || []) : [];
    plan.querySelectorAll("[data-plan-field]").forEach(function (box) {
      var name = box.dataset.planField;
      var hasError = box.querySelector(".is-invalid") !== null;
      box.hidden = !hasError && (name === "name" ? !form : used.indexOf(name) < 0);
    });
    var note = plan.querySelector("[data-plan-note]");
    note.hidden = !form;
    note.querySelector("[data-plan-hint]").textContent = hints[form] || "";
    note.querySelector("[data-plan-cap]").textContent = form ? capText(form) : "";
    plan.classList.toggle("bg-body-tertiary", !form);
    var rate = plan.querySelector("[data-plan-rate]");  // a per-key call limit: only for products called by key
    if (rate) { rate.hidden = rate.querySelector(".is-invalid") === null && (!form || !keyed()); }
  }

  var typeSelect = document.getElementById("type");
  var keyedTypes = (editor.dataset.keyedTypes || "").split(" ");
  function keyed() { return !typeSelect || keyedTypes.indexOf(typeSelect.value) >= 0; }
  var plans = editor.querySelectorAll("[data-plan]");
  plans.forEach(function (plan) {
    plan.querySelector("[data-plan-form]").addEventListener("change", function () { update(plan); });
    update(plan);
  });
  if (typeSelect) { typeSelect.addEventListener("change", function () { plans.forEach(update); }); }
})();
