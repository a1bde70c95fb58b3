// Lesson page 7: keep the node that backward() just reached in view inside the wide graph.
(function () {
  "use strict";

  function showCurrent() {
    var scroller = document.querySelector(".autograd-scroll");
    var current = scroller && scroller.querySelector(".ag-current");
    if (!current) return;
    var box = current.getBoundingClientRect();
    var frame = scroller.getBoundingClientRect();
    if (box.left < frame.left || box.right > frame.right) {
      scroller.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
    }
  }

  document.addEventListener("DOMContentLoaded", showCurrent);
  document.addEventListener("htmx:afterSettle", showCurrent);
})();
