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
})();
