// The Chinese address form's cascading selects: province → city → district or county.
// The tree comes once from the site itself (shop.address.views.divisions_json). Without this
// script the form still works: the server lists each select's options from the choice above
// it and checks that the district lies in the city and province chosen.
(function () {
  "use strict";

  function fill(select, items, prompt, keep) {
    select.textContent = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = prompt;
    select.appendChild(first);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item[0];
      option.textContent = item[1];
      if (item[0] === keep) { option.selected = true; }
      select.appendChild(option);
    });
  }

  function find(items, code) {
    for (var i = 0; i < items.length; i += 1) {
      if (items[i][0] === code) { return items[i]; }
    }
    return null;
  }

  function wire(box, tree) {
    var province = box.querySelector("select[data-division=province]");
    var city = box.querySelector("select[data-division=city]");
    var district = box.querySelector("select[data-division=district]");
    if (!province || !city || !district) { return; }
    var cityPrompt = city.options.length ? city.options[0].textContent : "";
    var districtPrompt = district.options.length ? district.options[0].textContent : "";

    function cities() {
      var chosen = find(tree, province.value);
      return chosen ? chosen[2] : [];
    }
    function districts() {
      var chosen = find(cities(), city.value);
      return chosen ? chosen[2] : [];
    }
    province.addEventListener("change", function () {
      fill(city, cities(), cityPrompt, null);
      fill(district, [], districtPrompt, null);
    });
    city.addEventListener("change", function () {
      fill(district, districts(), districtPrompt, null);
    });
    // A form shown again after an error keeps what the buyer chose.
    fill(city, cities(), cityPrompt, city.value);
    fill(district, districts(), districtPrompt, district.value);
    box.setAttribute("data-address-cascade-ready", "");
  }

  function start() {
    var boxes = document.querySelectorAll("[data-address-cascade]");
    if (!boxes.length) { return; }
    var url = boxes[0].getAttribute("data-address-cascade");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("divisions " + response.status); }
        return response.json();
      })
      .then(function (tree) {
        boxes.forEach(function (box) { wire(box, tree); });
      })
      .catch(function () {
        // The server's own lists stay: choose, send, and the next list appears.
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
