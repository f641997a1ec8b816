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
  }

  editor.querySelectorAll("[data-plan]").forEach(function (plan) {
    plan.querySelector("[data-plan-form]").addEventListener("change", function () { update(plan); });
    update(plan);
  });
})();
