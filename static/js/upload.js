// Your own data on the home page: a CSV chosen or dropped is sent as it is (text/csv) to
// /datasets/preview; its answer (escaped HTML from the server) shows the first rows, the column
// types and a role for each column, and sizes the network's first and last layer. No inline script.
(function () {
  "use strict";

  var file = null;

  function byId(id) { return document.getElementById(id); }

  function roles() {
    var inputs = [], targets = [];
    document.querySelectorAll("#upload-preview .column-role").forEach(function (select) {
      if (select.value === "input") inputs.push(select.dataset.column);
      if (select.value === "target") targets.push(select.dataset.column);
    });
    return { inputs: inputs, targets: targets };
  }

  function sizeTheNetwork(preview) {
    var box = preview.querySelector(".upload-preview");
    if (!box || !box.dataset.layers) return;
    var fields = { "f-layers": box.dataset.layers, "f-output": box.dataset.output, "f-loss": box.dataset.loss, "f-activations": "" };
    Object.keys(fields).forEach(function (id) {
      var field = byId(id);
      if (field && fields[id] !== undefined) field.value = fields[id];
    });
  }

  function send(withRoles) {
    var zone = byId("drop-zone"), preview = byId("upload-preview");
    if (!file || !zone || !preview) return;
    var query = "";
    if (withRoles) {
      var chosen = roles();
      query = "?" + new URLSearchParams({ inputs: chosen.inputs.join(","), targets: chosen.targets.join(",") }).toString();
    }
    zone.classList.add("busy");
    fetch(zone.dataset.previewUrl + query, { method: "POST", body: file, headers: { "Content-Type": "text/csv" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        preview.innerHTML = html;
        sizeTheNetwork(preview);
        byId("csv-clear").hidden = false;
      })
      .catch(function () { preview.textContent = zone.dataset.offline || ""; })
      .finally(function () { zone.classList.remove("busy"); });
  }

  function choose(chosen) {
    if (!chosen) return;
    file = chosen;
    send(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var zone = byId("drop-zone"), input = byId("csv-file"), preview = byId("upload-preview"), clear = byId("csv-clear");
    if (!zone || !input) return;
    input.addEventListener("change", function () { choose(input.files && input.files[0]); });
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) choose(files[0]);
    });
    preview.addEventListener("change", function (event) {
      if (event.target.classList.contains("column-role")) send(true);
    });
    clear.addEventListener("click", function () {
      file = null;
      input.value = "";
      preview.innerHTML = "";
      clear.hidden = true;
    });
  });
})();
