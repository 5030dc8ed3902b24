// omnia's own progressive enhancements. Every core path works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // After an htmx swap, move the focus to the first element marked data-focus-after-swap
  // (or to the swapped region) so keyboard and screen-reader users follow the change.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    var focus = target.querySelector("[data-focus-after-swap]") || target;
    if (!focus.hasAttribute("tabindex") && focus === target) {
      focus.setAttribute("tabindex", "-1");
    }
    focus.focus();
  });
})();
