// The lesson pages: live slider readouts, a screen-reader summary after each update, and the
// descent Step/Run buttons.
// Everything else (the request, the swap, the address bar) is htmx on the form; without this file
// the form still works through its submit button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // dx = 10^-k printed as the server prints it (app/lesson/format.py dx_text)
  function pow10neg(k) {
    if (k === 0) return "1";
    if (Number.isInteger(k)) return "1e-" + k;
    const parts = Math.pow(10, -k).toExponential(1).split("e");
    return parts[0] + "e" + parseInt(parts[1], 10);
  }

  function readoutText(input) {
    const value = Number(input.value);
    const text = input.dataset.format === "pow10neg" ? pow10neg(value) : input.value;
    return (input.dataset.prefix || "") + text + (input.dataset.suffix || "");
  }

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.readout) return;
    const output = document.getElementById(input.dataset.readout);
    const text = readoutText(input);
    if (output) output.textContent = text;
    input.setAttribute("aria-valuetext", text);
  });

  // Screen readers hear the one-line summary of the new figure, not the whole figure again.
  document.addEventListener("htmx:afterSwap", function (event) {
    const announcer = document.getElementById("lesson-announcer");
    if (!announcer || !(event.target instanceof Element)) return;
    const sentences = Array.from(event.target.querySelectorAll("[data-announce]"), function (el) {
      return el.textContent.replace(/\s+/g, " ").trim();
    });
    announcer.textContent = sentences.join(" ");
  });

  // Gradient descent: Step adds steps, Run adds one step at a time until it is pressed again.
  let runTimer = null;

  function stopRun(button) {
    clearInterval(runTimer);
    runTimer = null;
    if (button) button.setAttribute("aria-pressed", "false");
  }

  function advance(input, by) {
    const max = Number(input.max);
    const next = Math.max(Number(input.min), Math.min(max, Number(input.value) + by));
    if (next === Number(input.value)) return false;
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return next < max;
  }

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("button[data-advance]") : null;
    if (!button) return;
    const input = document.getElementById(button.dataset.advanceInput);
    if (!input) return;
    event.preventDefault();
    if (button.dataset.run === "true") {
      if (runTimer) { stopRun(button); return; }
      button.setAttribute("aria-pressed", "true");
      runTimer = setInterval(function () {
        if (!document.body.contains(input) || !advance(input, 1)) stopRun(button);
      }, Number(button.dataset.interval || 250));
    } else {
      stopRun(document.querySelector("button[data-run='true']"));
      advance(input, Number(button.dataset.advance));
    }
  });
})();
