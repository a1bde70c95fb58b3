// "In PyTorch": the toggle beside the narration, off by default and remembered in localStorage,
// so it stays on across steps (the narration is swapped), reloads and projector mode.
(function () {
  "use strict";

  var KEY = "bplab.pytorch";

  function isOn() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (error) { return false; }
  }

  function show() {
    var on = isOn();
    document.documentElement.classList.toggle("show-pytorch", on);
    var toggle = document.getElementById("pytorch-toggle");
    if (toggle) {
      toggle.checked = on;
      toggle.setAttribute("aria-expanded", on ? "true" : "false");
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.id !== "pytorch-toggle") return;
    try { window.localStorage.setItem(KEY, event.target.checked ? "1" : "0"); } catch (error) { /* private mode: this page only */ }
    document.documentElement.classList.toggle("show-pytorch", event.target.checked);
    event.target.setAttribute("aria-expanded", event.target.checked ? "true" : "false");
  });

  document.addEventListener("DOMContentLoaded", show);
  document.addEventListener("htmx:afterSettle", show);
  show();
})();
