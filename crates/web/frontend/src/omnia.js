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
    // A live filter (the findings of a flow) refreshes its results while the user types: the
    // focus stays in the filter, the count in the results speaks (role="status").
    if (target.hasAttribute("data-filtro-live")) return;
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
  // Flow upload (templates/flows/_upload_form.html): the same multipart form sent by XHR, to
  // show its progress. A checked flow leads to its page (the redirect the XHR followed); bad
  // input brings the form back with its errors, which replaces the page's content.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-invio-flusso]")) return;
    if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;
    event.preventDefault();
    var box = form.querySelector("#avanzamento");
    var bar = form.querySelector("#avanzamento-barra");
    var text = form.querySelector("#avanzamento-testo");
    var button = form.querySelector('button[type="submit"]');
    var file = form.querySelector('input[type="file"]');
    var chosen = file ? file.files : null;
    var announced = -1;
    function show(pct) {
      bar.value = pct;
      // The live region speaks every ten percent, not at every event.
      var step = Math.floor(pct / 10) * 10;
      if (step !== announced) {
        announced = step;
        text.textContent = step + "%";
      }
    }
    box.hidden = false;
    button.disabled = true;
    show(0);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable && e.total > 0) show(Math.floor((e.loaded * 100) / e.total));
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = "100% — " + text.getAttribute("data-inviato");
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);
        return;
      }
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var main = document.getElementById("main");
      var fresh = page.getElementById("main");
      if (!main || !fresh) {
        window.location.reload();
        return;
      }
      main.innerHTML = fresh.innerHTML;
      document.title = page.title;
      // Keep the file the user chose (a note was missing, say): no need to pick it again.
      var again = main.querySelector("form[data-invio-flusso] input[type=\"file\"]");
      if (again && chosen && chosen.length) {
        try { again.files = chosen; } catch (e) { /* older browsers: choose it again */ }
      }
      var focus = main.querySelector("[aria-invalid=\"true\"]") || main.querySelector("h1") || main;
      if (!focus.hasAttribute("tabindex") && !/^(INPUT|TEXTAREA|SELECT)$/.test(focus.tagName)) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    });
    xhr.addEventListener("error", function () {
      text.textContent = text.getAttribute("data-errore");
      button.disabled = false;
    });
    xhr.send(new FormData(form));
  });
})();
