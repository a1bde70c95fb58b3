// Room pages: after a live stage arrives, the far panels (the inspector) refresh as after a step,
// and the "live" badge says whether the event stream is connected (htmx-ext-sse reconnects itself).
(function () {
  "use strict";
  document.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "stage") htmx.trigger(document.body, "step-done");
  });
  function live(on) {
    var badge = document.getElementById("room-live");
    if (badge) badge.classList.toggle("is-offline", !on);
  }
  document.addEventListener("htmx:sseOpen", function () { live(true); });
  document.addEventListener("htmx:sseError", function () { live(false); });
})();
