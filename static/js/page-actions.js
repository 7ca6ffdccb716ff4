// Buttons that print the page, go back or close a pop-up, and the dashboard's picture
// inputs, wired here rather than in onclick=/onload= attributes, which the
// Content-Security-Policy refuses to run.
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

  // Oscar's dashboard picture input: a picture chosen for upload shows in its <img>; once it
  // loads the upload button hides, and a file that is no picture brings the button back.
  document.addEventListener("load", function (event) {
    var img = event.target;
    if (img instanceof HTMLImageElement && img.hasAttribute("data-yx-upload-button")) {
      var button = img.parentNode.querySelector("button");
      if (button) { button.style.display = "none"; }
    }
  }, true);
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img instanceof HTMLImageElement && img.hasAttribute("data-yx-upload-button") && img.getAttribute("src")) {
      var button = img.parentNode.querySelector("button");
      if (button) { button.style.display = ""; }
      window.alert(img.getAttribute("data-yx-bad-image"));
    }
  }, true);
})();
