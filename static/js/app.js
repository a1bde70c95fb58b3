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

  var SVG_NS = "http://www.w3.org/2000/svg";

  // A black band with a yellow core along an edge, drawn above every layer at full strength (a
  // faded layer's edge would stay faded), for the selected edge and the focused one.
  function band(edge, kind) {
    var layer = document.getElementById("net-selection");
    if (!layer || !edge) return;
    var width = parseFloat(edge.getAttribute("stroke-width")) || 1;
    [["selection-band", width + 7], ["selection-core", width + 3]].forEach(function (part) {
      var line = document.createElementNS(SVG_NS, "line");
      ["x1", "y1", "x2", "y2"].forEach(function (name) { line.setAttribute(name, edge.getAttribute(name)); });
      line.setAttribute("class", part[0] + " " + kind);
      line.setAttribute("stroke-width", part[1]);
      layer.appendChild(line);
    });
    var copy = edge.cloneNode(false);  // the edge's own colour on top of the band
    copy.removeAttribute("id");
    copy.removeAttribute("tabindex");
    copy.setAttribute("class", "selection-edge " + kind);
    layer.appendChild(copy);
  }

  function clearBands(kind) {
    document.querySelectorAll("#net-selection ." + kind).forEach(function (el) { el.remove(); });
  }

  // Keep the inspected element outlined after every swap of the drawing.
  function markSelected() {
    var inspector = document.getElementById("inspector");
    document.querySelectorAll("#network .selected").forEach(function (el) { el.classList.remove("selected"); });
    clearBands("for-selected");
    if (!inspector || !inspector.dataset.kind) return;
    var d = inspector.dataset;
    var id = d.kind === "edge" ? "edge-" + d.layer + "-" + d.to + "-" + d.from : "unit-" + d.layer + "-" + d.to;
    var selected = document.getElementById(id);
    if (!selected) return;
    selected.classList.add("selected");
    if (d.kind === "edge") band(selected, "for-selected");
  }

  // Hovering or focusing a hidden unit shows its map in the big data plot, as TF Playground does.
  function showUnitMap(element, on) {
    var unit = element && element.closest ? element.closest("#network .unit") : null;
    var image = document.getElementById("plane-image");
    var plot = document.getElementById("data-plot");
    var showing = document.getElementById("plane-showing");
    if (!image || !plot || !showing) return;
    var use = unit ? unit.querySelector(".unit-map") : null; // a <use> of the unit's map in #net-maps
    var map = use ? document.getElementById(use.getAttribute("href").slice(1)) : null;
    if (on && map) {
      image.setAttribute("href", map.getAttribute("href"));
      plot.classList.add("showing-unit");
      showing.textContent = unit.querySelector("title").textContent.split(":")[0];
    } else if (!on) {
      image.setAttribute("href", image.dataset.output);
      plot.classList.remove("showing-unit");
      showing.textContent = showing.dataset.output;
    }
  }

  // An update swaps the plane's maps alone: the unit under the pointer or the focus shows its new
  // map, and with none the plane shows the output's again (its label too).
  function refreshUnitMap() {
    var plot = document.getElementById("data-plot");
    if (!plot || !plot.classList.contains("showing-unit")) return;
    var unit = document.querySelector("#network .unit:hover") ||
      (document.activeElement && document.activeElement.closest ? document.activeElement.closest("#network .unit") : null);
    if (unit) showUnitMap(unit, true); else showUnitMap(null, false);
  }

  // The data plot's check boxes (discretize, test data) are remembered and survive every swap.
  function applyPlotToggles() {
    var plot = document.getElementById("data-plot");
    if (!plot) return;
    plot.querySelectorAll(".plot-toggle").forEach(function (box) {
      var on = window.localStorage && localStorage.getItem("bplab-" + box.dataset.toggle) === "1" && !box.disabled;
      box.checked = on;
      plot.classList.toggle(box.dataset.toggle, on);
    });
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
      // The slice in flight (at most stepping.CHUNK_SECONDS of work, one locked request that
      // cannot be cut short) finishes; no slice starts after it: its answer sends stop=1.
      trainStopped = true;
      event.target.closest(".train-stop").disabled = true;
      return;
    }
    var message = event.target.closest && event.target.closest("#messages .message");
    if (message) { message.remove(); return; }  // a message floats over the page: a click puts it away
    var hook = hookOf(event.target);
    if (hook) inspect(hook);
  });

  // The language list switches on its own; its button stays for pages without JavaScript.
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("plot-toggle")) {
      if (window.localStorage) localStorage.setItem("bplab-" + event.target.dataset.toggle, event.target.checked ? "1" : "0");
      applyPlotToggles();
      return;
    }
    if (event.target.id === "lang-select" && event.target.form) {
      returnHere(event.target.form);
      event.target.form.submit(); // submit() fires no submit event: returnHere is called first
    }
  });

  document.addEventListener("mouseover", function (event) { showReadout(event.target); showUnitMap(event.target, true); });
  document.addEventListener("mouseout", function (event) { showUnitMap(event.target, false); });
  document.addEventListener("focusin", function (event) {
    showReadout(event.target);
    showUnitMap(event.target, true);
    clearBands("for-focus");
    var hook = hookOf(event.target);
    if (hook && hook.classList.contains("edge")) band(hook, "for-focus");
  });
  document.addEventListener("focusout", function (event) { showUnitMap(event.target, false); clearBands("for-focus"); });

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

  document.addEventListener("htmx:afterSettle", function () { markSelected(); applyPlotToggles(); refreshUnitMap(); });
  document.addEventListener("DOMContentLoaded", function () { markSelected(); applyPlotToggles(); });

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
