// The back office's evaluations page: while a run is in progress, reload every few seconds.
(function () {
  "use strict";
  var running = document.querySelector("[data-refresh-seconds]");
  if (running) {
    var seconds = parseInt(running.getAttribute("data-refresh-seconds"), 10) || 3;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
