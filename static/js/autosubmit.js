// Selects marked data-autosubmit send their form when changed (the catalog's sort, the disclosure year).
// A script file, not an onchange="" attribute: the Content-Security-Policy blocks inline handlers.
document.querySelectorAll('[data-autosubmit]').forEach(function (el) {
  el.addEventListener('change', function () { el.form.submit(); });
});
