/* The campaign page's live figures: read the counters endpoint every few seconds,
   and count down to the start of an upcoming stream. No dependencies. */
(function () {
    "use strict";
    var page = document.getElementById("campaign");
    if (!page) { return; }
    var url = page.getAttribute("data-counters-url");
    var every = parseInt(page.getAttribute("data-refresh-seconds") || "5", 10) * 1000;
    var startsAt = Date.parse(page.getAttribute("data-starts-at"));
    var badge = document.getElementById("campaign-state");
    var countdown = document.getElementById("campaign-countdown");
    var lang = (document.documentElement.getAttribute("lang") || "zh-hans").toLowerCase();
    var zh = lang.indexOf("zh") === 0;

    function show(counters) {
        ["orders", "sales", "buyers", "households"].forEach(function (name) {
            var cells = page.querySelectorAll('[data-counter="' + name + '"]');
            for (var i = 0; i < cells.length; i++) {
                cells[i].textContent = counters[name];
            }
        });
        var label = counters.state && page.getAttribute("data-label-" + counters.state);
        if (badge && label) {
            badge.textContent = label;
        }
        if (counters.state && counters.state !== page.getAttribute("data-state")) {
            page.setAttribute("data-state", counters.state);
        }
        page.setAttribute("data-counters-as-of", counters.as_of);
    }

    function refresh() {
        var request = new XMLHttpRequest();
        request.open("GET", url);
        request.setRequestHeader("Accept", "application/json");
        request.onload = function () {
            if (request.status === 200) {
                try { show(JSON.parse(request.responseText)); } catch (e) { /* keep the last figures */ }
            }
        };
        request.send();
    }

    function pad(n) { return (n < 10 ? "0" : "") + n; }

    function tick() {
        if (!countdown || page.getAttribute("data-state") !== "upcoming" || isNaN(startsAt)) {
            if (countdown) { countdown.classList.add("d-none"); }
            return;
        }
        var left = Math.max(0, Math.floor((startsAt - Date.now()) / 1000));
        var days = Math.floor(left / 86400);
        var rest = pad(Math.floor(left % 86400 / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
        countdown.textContent = (zh ? "距开播 " : "Starts in ") + (days ? days + (zh ? " 天 " : " d ") : "") + rest;
        countdown.classList.remove("d-none");
    }

    refresh();
    window.setInterval(refresh, every);
    tick();
    window.setInterval(tick, 1000);
}());
