// Backprop Lab pages: keyboard stepping, picking an edge or a unit for the inspector, the hover
// readout and the Stop of a training run. Requests and swaps are htmx's; no inline script anywhere.
(function () {
  "use strict";

  var NOT_TEXT = ["button", "submit", "reset", "checkbox", "radio", "range", "hidden", "color", "file", "image"];
  var trainStopped = false;

  // The language switch returns to the address as it is now (htmx rewrites it: ?focus=, the
  // lesson's sliders), not as it was when the page was rendered.
  function returnHere(form) {
    var next = form.querySelector("input[name='next']");
    if (next) next.value = window.location.pathname + window.location.search;
  }

  function isTextField(element) {
    var field = element && element.closest ? element.closest("input, textarea, select, [contenteditable]") : null;
    if (!field) return false;
    return field.tagName !== "INPUT" || NOT_TEXT.indexOf(field.type) < 0;
  }

  // The element whose data-* hooks name the thing to inspect (hit areas point at their edge).
  function hookOf(element) {
    var picked = element && element.closest ? element.closest("#network .unit, #network .edge, #network .edge-hit, #network .bias") : null;
    if (picked && picked.classList.contains("edge-hit")) picked = document.getElementById(picked.getAttribute("data-for"));
    return picked;
  }

  function inspect(hook) {
    var svg = document.getElementById("network");
    if (!hook || !svg || !window.htmx) return;
    var query = hook.classList.contains("edge")
      ? "kind=edge&layer=" + hook.dataset.layer + "&to=" + hook.dataset.to + "&from=" + hook.dataset.from
      : "kind=unit&layer=" + hook.dataset.layer + "&to=" + hook.dataset.unit;
    var focus = document.getElementById("focus");
    query += "&focus=" + encodeURIComponent(focus ? focus.value : "0");
    htmx.ajax("GET", "/s/" + encodeURIComponent(svg.dataset.session) + "/inspect?" + query, { target: "#inspector", swap: "outerHTML" });
  }

  // Keep the inspected element outlined after every swap of the drawing.
  function markSelected() {
    var inspector = document.getElementById("inspector");
    document.querySelectorAll("#network .selected").forEach(function (el) { el.classList.remove("selected"); });
    if (!inspector || !inspector.dataset.kind) return;
    var d = inspector.dataset;
    var id = d.kind === "edge" ? "edge-" + d.layer + "-" + d.to + "-" + d.from : "unit-" + d.layer + "-" + d.to;
    var selected = document.getElementById(id);
    if (selected) selected.classList.add("selected");
  }

  function showReadout(element) {
    var hook = hookOf(element);
    var readout = document.getElementById("readout");
    if (!hook || !readout) return;
    var title = hook.querySelector("title");
    if (title) {
      readout.textContent = title.textContent;
    } else if (hook.dataset.w) { // big networks send no tooltips: read the hooks
      readout.textContent = "w = " + Number(hook.dataset.w).toPrecision(4) +
        (hook.dataset.grad ? ", \u2202L/\u2202w = " + Number(hook.dataset.grad).toPrecision(4) : "");
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Enter" && hookOf(event.target) === event.target) {
      event.preventDefault();
      inspect(event.target);
      return;
    }
    var id = event.key === "ArrowRight" || event.key === " " ? "btn-step" : event.key === "ArrowLeft" ? "btn-back" : null;
    var button = id ? document.getElementById(id) : null;
    if (!button || isTextField(event.target)) return;
    event.preventDefault(); // no scrolling, and Space must not also click a focused button
    if (event.repeat) return; // one press, one step: a held key does not auto-repeat steps
    button.click(); // hx-sync="#controls:queue all" runs the steps one after the other, none lost
  });

  // Space activates a focused button on keyup: the step already ran on keydown.
  document.addEventListener("keyup", function (event) {
    if (event.key === " " && document.getElementById("btn-step") && !isTextField(event.target)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".train-stop")) {
      trainStopped = true;
      event.target.closest(".train-stop").disabled = true;
      return;
    }
    var hook = hookOf(event.target);
    if (hook) inspect(hook);
  });

  // The language list switches on its own; its button stays for pages without JavaScript.
  document.addEventListener("change", function (event) {
    if (event.target.id === "lang-select" && event.target.form) {
      returnHere(event.target.form);
      event.target.form.submit(); // submit() fires no submit event: returnHere is called first
    }
  });

  document.addEventListener("mouseover", function (event) { showReadout(event.target); });
  document.addEventListener("focusin", function (event) { showReadout(event.target); });

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.id === "train-form") trainStopped = false;
    if (elt.classList && elt.classList.contains("train-continue") && trainStopped) event.detail.parameters.stop = "1";
  });

  // A request without a usable answer (server down, or a server error) is said in the message area.
  function sayFailure(text) {
    var messages = document.getElementById("messages");
    if (!messages || !text) return;
    var line = document.createElement("p");
    line.className = "message message-error";
    line.textContent = text;
    messages.replaceChildren(line);
  }
  document.addEventListener("htmx:sendError", function () {
    var lab = document.querySelector(".lab");
    if (lab) sayFailure(lab.dataset.offline);
  });
  document.addEventListener("htmx:responseError", function () {
    var lab = document.querySelector(".lab");
    if (lab) sayFailure(lab.dataset.failed);
  });

  document.addEventListener("htmx:afterSettle", markSelected);
  document.addEventListener("DOMContentLoaded", markSelected);

  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches(".lang-switch")) returnHere(event.target);
  });

  // Projector mode on and off keeps the rest of the address (the sample in focus).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.keep-query");
    if (!link) return;
    var target = new URL(link.href, window.location.href);
    var merged = new URLSearchParams(window.location.search);
    merged.delete("projector");
    target.searchParams.forEach(function (value, key) { merged.set(key, value); });
    var query = merged.toString();
    event.preventDefault();
    window.location.assign(target.pathname + (query ? "?" + query : ""));
  });
})();
