// Buttons that print the page, go back or close a pop-up, wired here rather than in onclick= attributes,
// which the Content-Security-Policy refuses to run.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-yx-print], [data-yx-back], [data-yx-close]") : null;
    if (!target) {
      return;
    }
    event.preventDefault();
    if (target.hasAttribute("data-yx-print")) {
      window.print();
    } else if (target.hasAttribute("data-yx-close")) {
      window.close();
    } else {
      window.history.back();
    }
  });
})();
