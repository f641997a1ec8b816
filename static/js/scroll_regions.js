// A table wider than the screen scrolls inside its .table-responsive box; keyboard users reach that scroll only
// when the box can take the focus (then the arrow keys scroll it). Boxes that fit are left out of the Tab order.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive, .overflow-x-auto").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var hasFocusable = box.querySelector("a[href], button, input, select, textarea, [tabindex]") !== null;
      if (scrolls && !hasFocusable) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(mark, 150); });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mark); } else { mark(); }
})();
