// The Stripe Payment Element for one order. Card, Alipay and WeChat Pay are
// collected by Stripe.js; the order is marked paid only by Stripe's webhook.
(function () {
  "use strict";
  var form = document.getElementById("yx-stripe-form");
  if (!form) { return; }
  var message = document.getElementById("yx-payment-message");
  var button = document.getElementById("yx-pay");
  if (typeof Stripe === "undefined") {
    // Stripe.js did not load (a blocked or failed network): say so, never fake a form.
    message.textContent = form.dataset.unavailable;
    message.classList.remove("d-none");
    button.disabled = true;
    return;
  }
  var stripe = Stripe(form.dataset.publishableKey, { locale: form.dataset.locale });
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#yx-payment-element");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    stripe.confirmPayment({
      elements: elements,
      confirmParams: { return_url: form.dataset.returnUrl }
    }).then(function (result) {
      // Only reached when the payment could not be attempted (a declined card,
      // a missing field); otherwise Stripe sends the buyer to the return URL.
      if (result.error) {
        message.textContent = result.error.message;
        message.classList.remove("d-none");
        button.disabled = false;
      }
    });
  });
})();
