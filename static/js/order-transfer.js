// Bank-transfer details (templates/shop/order/_bank_transfer.html): the copy button for the
// payment reference and the countdown (data-yx-countdown: seconds since the epoch) to the end
// of the stock hold. A file, not inline script, so the Content-Security-Policy lets it run.
(function () {
  "use strict";
  if (window.yxOrderTransfer) {
    return;
  }
  window.yxOrderTransfer = true;

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-yx-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-yx-copy"));
    if (!source) {
      return;
    }
    var text = source.textContent.trim();
    var done = function () {
      button.textContent = button.getAttribute("data-yx-copied");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        if (document.execCommand("copy")) {
          done();
        }
      } catch (e) {
        // The reference stays selected for the buyer to copy by hand.
      }
    }
  });

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-yx-countdown]").forEach(function (node) {
      var left = Math.floor(parseInt(node.getAttribute("data-yx-countdown"), 10) - now / 1000);
      if (isNaN(left)) {
        return;
      }
      if (left <= 0) {
        node.textContent = node.getAttribute("data-yx-expired");
        return;
      }
      var days = Math.floor(left / 86400);
      var hours = Math.floor((left % 86400) / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      node.textContent = node.getAttribute("data-yx-left")
        .replace("{days}", days).replace("{hours}", hours).replace("{minutes}", minutes);
    });
  }

  function start() {
    tick();
    window.setInterval(tick, 30000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
