/*
 * Charts of coverage by UN regional group and by regional organisation, with the vendored Chart.js
 * (static/vendor/chartjs/chart.umd.min.js).
 *
 * Each <canvas data-coverage-chart="ID" data-chart-key="KEY"> draws JSON[KEY] of the json_script block
 * <script id="ID" type="application/json">, a list of {"code", "name", "percent", "reporting", "states"}:
 * one horizontal bar per group, its coverage in percent (the share of applicable cells marked X in its
 * reporting States' latest published matrices). Texts arrive translated in the canvas's data attributes
 * (data-axis, data-tooltip with {reporting} and {states}). The table beside each chart has the same
 * figures: without JavaScript nothing is lost.
 *
 * In a right-to-left page (<html dir="rtl">) the bars grow from the right, the labels stand on the
 * right and the tooltips read right to left; numbers use the page's language with Western digits.
 */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var COLOR = "#2171b5";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-coverage-chart"));
    var groups;
    try {
      groups = JSON.parse(source.textContent)[canvas.getAttribute("data-chart-key")];
    } catch (error) {
      return;
    }
    if (!groups || !groups.length) {
      return;
    }
    var box = canvas.parentNode;
    box.style.position = "relative";
    box.style.height = Math.max(160, groups.length * 26 + 70) + "px";
    var tooltip = canvas.getAttribute("data-tooltip");
    // On a narrow screen the bars are labelled with the groups' codes (AU, CARICOM...), whose names
    // are in the tooltips and the table.
    var narrow = box.clientWidth < 576;
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    var locale = (document.documentElement.getAttribute("lang") || "en") + "-u-nu-latn";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: groups.map(function (group) { return narrow && group.code ? group.code : group.name; }),
        datasets: [{
          label: canvas.getAttribute("data-axis"),
          data: groups.map(function (group) { return group.percent; }),
          backgroundColor: COLOR,
          borderColor: COLOR,
          borderWidth: 1
        }]
      },
      options: {
        indexAxis: "y",
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        scales: {
          x: {beginAtZero: true, max: 100, reverse: rtl, title: {display: true, text: canvas.getAttribute("data-axis")}},
          y: {position: rtl ? "right" : "left", ticks: {autoSkip: false}}
        },
        plugins: {
          legend: {display: false, rtl: rtl, textDirection: rtl ? "rtl" : "ltr"},
          tooltip: {
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
            callbacks: {
              title: function (items) {
                return items.length ? groups[items[0].dataIndex].name : "";
              },
              afterLabel: function (context) {
                return fill(tooltip, groups[context.dataIndex]);
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-coverage-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
