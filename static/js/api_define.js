// "Define API product from CSV": read the CSV header in the browser, let the operator pick a role and a
// masking rule per column, and write the definition JSON into the form's textarea (the server checks it).
(function () {
  "use strict";
  var form = document.getElementById("define-form");
  if (!form) { return; }
  var file = form.querySelector('input[type="file"]');
  var verification = form.querySelector('input[name="verification"]');
  var output = form.querySelector('textarea[name="definition"]');
  var body = document.getElementById("columns-body");
  var template = document.getElementById("column-row");

  function parseHeader(text) {
    var line = text.replace(/^\ufeff/, "").split(/\r?\n/)[0] || "";
    return line.split(",").map(function (s) { return s.trim().replace(/^"|"$/g, ""); }).filter(Boolean);
  }

  function write() {
    var def = { key_fields: [], match_fields: [], fields: [] };
    body.querySelectorAll("tr").forEach(function (tr) {
      var name = tr.querySelector(".col-name").textContent;
      var role = tr.querySelector(".col-role").value;
      if (role === "key") { def.key_fields.push(name); }
      if (role === "match") { def.match_fields.push(name); }
      if (role === "return") {
        def.fields.push({ name: name, rule: tr.querySelector(".col-rule").value,
          first: parseInt(tr.querySelector(".col-first").value || "0", 10),
          last: parseInt(tr.querySelector(".col-last").value || "0", 10),
          step: parseInt(tr.querySelector(".col-step").value || "0", 10) });
      }
    });
    output.value = JSON.stringify(def);
  }

  function build(columns) {
    body.innerHTML = "";
    columns.forEach(function (name, i) {
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector(".col-name").textContent = name;
      row.querySelectorAll("select, input").forEach(function (el) {  // "金额 · 脱敏规则": which column's setting
        el.setAttribute("aria-label", name + " · " + el.getAttribute("aria-label"));
      });
      row.querySelector(".col-role").value = i === 0 ? "key" : (verification.checked ? "match" : "return");
      body.appendChild(row);
    });
    document.getElementById("columns-editor").classList.remove("d-none");
    write();
  }

  file.addEventListener("change", function () {
    if (!file.files.length) { return; }
    var reader = new FileReader();
    reader.onload = function () { build(parseHeader(String(reader.result))); };
    reader.readAsText(file.files[0].slice(0, 65536), "utf-8");
  });
  body.addEventListener("change", write);
  body.addEventListener("input", write);
  verification.addEventListener("change", function () {
    body.querySelectorAll(".col-role").forEach(function (sel) {
      if (sel.value === "return" && verification.checked) { sel.value = "match"; }
      if (sel.value === "match" && !verification.checked) { sel.value = "return"; }
    });
    write();
  });
})();
