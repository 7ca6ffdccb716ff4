/* A page served from the shared cache was rendered for an anonymous visitor. When the
   server marks this copy as a signed-in buyer's or a basket holder's (this script's
   data-load="1"), fetch their own account links and basket and put them in place
   of the anonymous ones (cms/campaigns/personal.py). No dependencies. */
(function () {
    "use strict";
    var script = document.currentScript;
    if (!script || script.getAttribute("data-load") !== "1") { return; }
    var url = script.getAttribute("data-url");
    if (!url) { return; }
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
        if (request.status !== 200) { return; }
        var parts = JSON.parse(request.responseText).parts || {};
        var marked = document.querySelectorAll("[data-yx-personal]");
        for (var i = 0; i < marked.length; i++) {
            var name = marked[i].getAttribute("data-yx-personal");
            if (Object.prototype.hasOwnProperty.call(parts, name)) {
                marked[i].innerHTML = parts[name];
            }
        }
        document.documentElement.setAttribute("data-yx-personal", "filled");
    };
    request.send();
}());
