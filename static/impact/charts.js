/* Draws the charts a page describes in its "yx-charts" JSON (see impact/report_tables.py) with Chart.js. */
(function () {
  "use strict";
  var source = document.getElementById("yx-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var specs = JSON.parse(source.textContent);
  window.yxCharts = {};
  specs.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) { return; }
    var horizontal = Boolean(spec.horizontal);
    var chart = new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set) {
          return { label: set.label, data: set.data, backgroundColor: set.color, borderColor: set.color };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: Boolean(spec.stacked), beginAtZero: true },
          y: { stacked: Boolean(spec.stacked), beginAtZero: true }
        }
      }
    });
    window.yxCharts[spec.id] = chart;
    canvas.dataset.rendered = "true";
  });
})();
