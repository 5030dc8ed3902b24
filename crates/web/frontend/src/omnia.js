// omnia's own progressive enhancements. Every core path works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // After an htmx swap, move the focus to the first element marked data-focus-after-swap
  // (or to the swapped region) so keyboard and screen-reader users follow the change.
  // A live region (the autosave's status line) announces itself: the focus stays where
  // the user is typing.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.matches('[role="status"], [aria-live]')) return;
    var focus = target.querySelector("[data-focus-after-swap]") || target;
    if (!focus.hasAttribute("tabindex") && focus === target) {
      focus.setAttribute("tabindex", "-1");
    }
    focus.focus();
  });

  // Wizard steps (templates/wizard): the fields inside [data-autosalva] save themselves, the
  // buttons post the form; both are queued on the form (hx-sync). Once a button's request is
  // on its way, a later autosave would replace it in the queue or follow it with a stale
  // version: drop it (the button's request carries every field anyway).
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var trigger = event.detail.triggeringEvent;
    if (elt.tagName === "FORM" && trigger && trigger.type === "submit") {
      elt.setAttribute("data-inviato", "");
    } else if (elt.hasAttribute("data-autosalva") && elt.closest("form[data-inviato]")) {
      event.preventDefault();
    }
  });

  // The button pressed says where to go next ("Salva" stays, "Salva e continua" moves on);
  // take it from the submit event itself, which does not depend on where the focus went
  // while the request waited in the queue.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    var submitter = trigger && trigger.type === "submit" ? trigger.submitter : null;
    if (submitter && submitter.name) {
      event.detail.parameters[submitter.name] = submitter.value;
    }
  });

  // A save that did not get through (session expired, server or network down): say so in the
  // step's status line, whose text the page provides in its language.
  function saveFailed(event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (!form) return;
    form.removeAttribute("data-inviato");
    var status = form.querySelector("#salvataggio");
    if (status && status.getAttribute("data-errore")) {
      status.textContent = status.getAttribute("data-errore");
    }
  }
  document.addEventListener("htmx:responseError", saveFailed);
  document.addEventListener("htmx:sendError", saveFailed);
})();
