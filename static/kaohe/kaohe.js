// Small behaviours every page may use, bound from data attributes. The
// Content-Security-Policy forbids inline event handlers (onclick="…"), so they live here.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option sends its form (the language switch).
  document.addEventListener("change", function (e) {
    var select = e.target.closest && e.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  // <button data-confirm="…">: ask first; cancelling sends nothing.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  // <button data-close-dialog>: closes the dialog it sits in (content swapped in by htmx too).
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-close-dialog]");
    var dialog = button && button.closest("dialog");
    if (dialog) dialog.close();
  });
  // [data-autofocus]: a page that answers a form (a refusal's summary, a confirmation
  // step) moves focus there, so screen readers read it and the keyboard starts there.
  var first = document.querySelector("[data-autofocus]");
  if (first) first.focus();
  // A table box that scrolls sideways must be reachable by keyboard, or its hidden columns
  // are out of reach without a mouse (GB/T 37668, axe scrollable-region-focusable). Done
  // here for every .table-wrap, on load, after htmx swaps and when the window resizes.
  function focusableScrollers() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("data-made-focusable", "");
        }
        if (!box.hasAttribute("role")) {
          var table = box.querySelector("table");
          var caption = table && table.caption;
          var heading = caption || nearestHeading(box);
          if (heading) {
            box.setAttribute("role", "region");
            box.setAttribute("aria-label", heading.textContent.trim());
          }
        }
      } else if (box.hasAttribute("data-made-focusable")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-made-focusable");
      }
    }
  }
  function nearestHeading(element) {
    for (var node = element; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) return prev;
      }
    }
    return null;
  }
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  document.addEventListener("htmx:afterSettle", focusableScrollers);
  window.addEventListener("resize", focusableScrollers);
})();
