// Checkout: preview the up-front amount (the server prices the order; this is only a preview).
(function () {
  const form = document.getElementById("checkout-form");
  if (!form) return;
  const plan = form.querySelector("[name=plan_id]");
  const qty = form.querySelector("[name=quantity]");
  const use = form.querySelectorAll("[name=use_type]");
  const out = document.getElementById("checkout-total");
  const meteredNote = document.getElementById("checkout-metered");
  const qtyBox = qty ? qty.closest(".mb-3") : null;
  const fmt = (fen) => "¥" + (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  function update() {
    const row = document.querySelector(`tr[data-plan="${plan.value}"]`);
    const q = parseInt(qty.value, 10);
    const isPublic = Array.from(use).some((r) => r.checked && r.value === "public");
    const metered = !!row && row.dataset.metered === "1";
    // Usage-billed plans have nothing to buy in quantity: keep 1 and say how they are billed.
    if (qtyBox) qtyBox.classList.toggle("d-none", metered);
    if (meteredNote) meteredNote.classList.toggle("d-none", !metered || isPublic);
    if (metered && qty.value !== "1") qty.value = "1";
    if (!row || !(q >= 1 && q <= 1000)) { out.textContent = "—"; return; }
    out.textContent = isPublic ? fmt(0) : fmt(parseInt(row.dataset.upfront, 10) * q);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", () => { document.getElementById("place-order").disabled = true; });
  update();
})();
