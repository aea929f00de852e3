/*
 * Draws the turnaround charts with the vendored Chart.js (static/vendor/chartjs/chart.umd.min.js).
 *
 * The figures come from a JSON block written by Django's json_script filter (not executed, so the
 * strict CSP allows it). Each <canvas data-chart-source="ID" data-chart-key="KEY"> draws JSON[KEY]
 * of <script id="ID" type="application/json">, shaped as:
 *   {"type": "bar", "labels": [...], "datasets": [{"label": "...", "data": [number|null, ...]}],
 *    "unit": "hours", "horizontal": false}
 * Labels arrive translated. The tables next to each chart remain the accessible source of the
 * figures: without JavaScript nothing is lost.
 *
 * In a right-to-left page (<html dir="rtl">) the charts read from the right: the category axis runs
 * right to left (horizontal bars grow from the right), the value axis stands on the right, and the
 * legend and tooltips read right to left. Numbers use the page's language with Western digits.
 */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var COLORS = ["#0b4f8a", "#d4a72c", "#2f7d4f", "#8a3b0b", "#6c4f9e", "#4a5560"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var sources = {};
  var rtl = document.documentElement.getAttribute("dir") === "rtl";
  var locale = (document.documentElement.getAttribute("lang") || "en") + "-u-nu-latn";
  var direction = rtl ? "rtl" : "ltr";

  function source(id) {
    if (!(id in sources)) {
      var element = document.getElementById(id);
      try {
        sources[id] = element ? JSON.parse(element.textContent) : null;
      } catch (error) {
        sources[id] = null;
      }
    }
    return sources[id];
  }

  function draw(canvas) {
    var figures = source(canvas.getAttribute("data-chart-source"));
    var spec = figures && figures[canvas.getAttribute("data-chart-key")];
    if (!spec || !spec.labels || !spec.labels.length) {
      return;
    }
    var horizontal = Boolean(spec.horizontal);
    var box = canvas.parentNode;
    // Horizontal bars get the height their labels need; vertical ones keep Chart.js's aspect ratio.
    if (horizontal) {
      box.style.position = "relative";
      box.style.height = Math.max(220, spec.labels.length * spec.datasets.length * 14 + 80) + "px";
    }
    var valueAxis = {
      beginAtZero: true,
      title: {display: Boolean(spec.unit), text: spec.unit || ""}
    };
    var scales = horizontal
      ? {x: Object.assign(valueAxis, {reverse: rtl}), y: {position: rtl ? "right" : "left", ticks: {autoSkip: false}}}
      : {x: {reverse: rtl, ticks: {autoSkip: false}}, y: Object.assign(valueAxis, {position: rtl ? "right" : "left"})};
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: COLORS[index % COLORS.length],
            borderColor: COLORS[index % COLORS.length],
            borderWidth: 1
          };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        locale: locale,
        responsive: true,
        maintainAspectRatio: !horizontal,
        animation: reduceMotion ? false : undefined,
        scales: scales,
        plugins: {
          legend: {display: spec.datasets.length > 1, position: "bottom", rtl: rtl, textDirection: direction},
          tooltip: {rtl: rtl, textDirection: direction}
        }
      }
    });
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart-source]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
