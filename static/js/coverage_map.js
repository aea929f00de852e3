/*
 * The world map of coverage on the published matrices page: one SVG path per State, coloured by the
 * share of applicable cells marked X in the State's latest published matrix of one regime.
 *
 * Shapes: world-atlas's countries-50m.json (vendored, static/vendor/world-atlas), read with
 * topojson-client (static/vendor/topojson-client, the `topojson` global), projected here with the
 * Natural Earth projection (the formula of d3-geo's geoNaturalEarth1); no tiles, nothing from
 * outside the portal. Geometries are matched to States by ISO 3166-1 numeric code (State.m49).
 *
 * Figures: the JSON block written by json_script (id in data-map-source), shaped as
 *   {"regime", "bins": [0, 25, 50, 75], "members": {M49 code: name, for every UN Member State},
 *    "states": [{"iso3", "m49", "name", "percent", "covered", "applicable", "class", "url"}]}
 * where "states" holds the States with a published matrix; the other members are drawn grey. Names
 * are the portal's, in the page's language: world-atlas's English names ("Antigua and Barb.") are
 * never shown. Shapes that are not a UN Member State (territories, Antarctica) are drawn as plain
 * land with no name; a territory that world-atlas files under a State's code (Ashmore and Cartier
 * Is., under Australia's) takes the State's colour but no tooltip or dot of its own: each State has
 * one tooltip, on its largest shape.
 * Texts arrive translated in data attributes of the container (data-label-published and
 * data-label-none, with {name}, {percent} ("84%"), {covered}, {applicable}). The table of the same figures
 * below the map stays the accessible source: without JavaScript nothing is lost.
 *
 * Geography is never mirrored, in a right-to-left page too: the SVG has no text and ignores the
 * page's direction, while the legend (HTML, under the map) flows from the reading side. Percentages
 * are written in the page's language, with Western digits.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 960;
  // A State smaller than this (in map units) also gets a dot, so that small islands can be seen.
  var SMALL = 4;
  var DOT = 2.6;

  function naturalEarth(lon, lat) {
    var lambda = lon * Math.PI / 180;
    var phi = lat * Math.PI / 180;
    var phi2 = phi * phi;
    var phi4 = phi2 * phi2;
    return [
      lambda * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))),
      phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    ];
  }

  // The projection's extent: longitude +-180 at the equator, latitude +-90.
  var X_MAX = naturalEarth(180, 0)[0];
  var Y_MAX = naturalEarth(0, 90)[1];
  var SCALE = WIDTH / (2 * X_MAX);
  var HEIGHT = Math.round(2 * Y_MAX * SCALE);

  function project(point) {
    var xy = naturalEarth(point[0], point[1]);
    return [(xy[0] + X_MAX) * SCALE, (Y_MAX - xy[1]) * SCALE];
  }

  // A ring that crosses the antimeridian (Russia's far east, Fiji) jumps from +180 to -180: its points
  // on the smaller side are moved by 360 degrees so that it stays whole, and the map is clipped to the
  // sphere's outline. Polar rings (Antarctica) go round the pole and are left as they are.
  function unwrap(ring) {
    var crosses = false;
    var east = 0;
    for (var i = 0; i < ring.length; i += 1) {
      if (ring[i][1] < -80) {
        return ring;
      }
      if (i && Math.abs(ring[i][0] - ring[i - 1][0]) > 180) {
        crosses = true;
      }
      if (ring[i][0] > 0) {
        east += 1;
      }
    }
    if (!crosses) {
      return ring;
    }
    var toEast = east * 2 >= ring.length;
    return ring.map(function (point) {
      if (toEast && point[0] < 0) {
        return [point[0] + 360, point[1]];
      }
      if (!toEast && point[0] > 0) {
        return [point[0] - 360, point[1]];
      }
      return point;
    });
  }

  function ringPath(ring, box) {
    ring = unwrap(ring);
    var parts = [];
    for (var i = 0; i < ring.length; i += 1) {
      var xy = project(ring[i]);
      box[0] = Math.min(box[0], xy[0]);
      box[1] = Math.min(box[1], xy[1]);
      box[2] = Math.max(box[2], xy[0]);
      box[3] = Math.max(box[3], xy[1]);
      parts.push((i ? "L" : "M") + xy[0].toFixed(1) + "," + xy[1].toFixed(1));
    }
    return parts.join("") + "Z";
  }

  function geometryPath(geometry, box) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    var d = "";
    for (var p = 0; p < polygons.length; p += 1) {
      for (var r = 0; r < polygons[p].length; r += 1) {
        d += ringPath(polygons[p][r], box);
      }
    }
    return d;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values && values[key] !== null ? String(values[key]) : match;
    });
  }

  function element(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    return node;
  }

  var percentFormat = window.Intl
    ? new Intl.NumberFormat((document.documentElement.getAttribute("lang") || "en") + "-u-nu-latn", {style: "percent"})
    : null;

  function percentText(value) {
    return percentFormat ? percentFormat.format(value / 100) : value + "%";
  }

  function draw(container, figures, topology) {
    var byCode = {};
    var names = figures.members || {};
    Object.keys(names).forEach(function (code) {
      byCode[code] = null;
    });
    figures.states.forEach(function (state) {
      byCode[state.m49] = state;
    });
    var features = window.topojson.feature(topology, topology.objects.countries).features;
    var svg = element("svg", {
      viewBox: "0 0 " + WIDTH + " " + HEIGHT,
      role: "img",
      "aria-labelledby": container.getAttribute("data-labelledby"),
      class: "coverage-map-svg",
      preserveAspectRatio: "xMidYMid meet"
    });
    var outline = [];
    for (var lat = -90; lat <= 90; lat += 5) { outline.push(project([-180, lat])); }
    for (lat = 90; lat >= -90; lat -= 5) { outline.push(project([180, lat])); }
    var sphere = "M" + outline.map(function (xy) { return xy[0].toFixed(1) + "," + xy[1].toFixed(1); }).join("L") + "Z";
    var clip = element("clipPath", {id: "coverage-map-clip"});
    clip.appendChild(element("path", {d: sphere}));
    svg.appendChild(clip);
    svg.appendChild(element("path", {d: sphere, class: "coverage-map-sphere"}));
    var clipped = {"clip-path": "url(#coverage-map-clip)"};
    var states = element("g", Object.assign({class: "coverage-map-states"}, clipped));
    var others = element("g", Object.assign({class: "coverage-map-others", "aria-hidden": "true"}, clipped));
    var dots = element("g", {class: "coverage-map-dots"});
    var labelPublished = container.getAttribute("data-label-published");
    var labelNone = container.getAttribute("data-label-none");
    // The shapes, and for each State's code the largest of its shapes (the one that gets the tooltip).
    var shapes = [];
    var largest = {};
    features.forEach(function (feature) {
      if (!feature.geometry) {
        return;
      }
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      var d = geometryPath(feature.geometry, box);
      var area = (box[2] - box[0]) * (box[3] - box[1]);
      var shape = {feature: feature, box: box, d: d, area: area};
      shapes.push(shape);
      if (feature.id in byCode && (!largest[feature.id] || largest[feature.id].area < area)) {
        largest[feature.id] = shape;
      }
    });
    shapes.forEach(function (shape) {
      var feature = shape.feature;
      var box = shape.box;
      var d = shape.d;
      if (!(feature.id in byCode)) {
        // Not a UN Member State (territories, Antarctica...): drawn as land, never coloured.
        others.appendChild(element("path", {d: d, class: "coverage-map-other"}));
        return;
      }
      var state = byCode[feature.id] || {iso3: "", name: names[feature.id] || "", "class": "coverage-none"};
      if (largest[feature.id] !== shape) {
        // Another shape filed under the State's code (a territory): its colour, no name of its own.
        states.appendChild(element("path", {
          d: d, class: "coverage-map-state " + state["class"], "data-m49": feature.id, "aria-hidden": "true"
        }));
        return;
      }
      var title = fill(byCode[feature.id] ? labelPublished : labelNone, {
        name: state.name,
        percent: percentText(state.percent),
        covered: state.covered,
        applicable: state.applicable
      });
      var path = element("path", {d: d, class: "coverage-map-state " + state["class"], "data-m49": feature.id});
      var tip = element("title", {});
      tip.textContent = title;
      path.appendChild(tip);
      if (state.url) {
        // A click opens the State's matrix (the table below links it for keyboards and screen readers).
        path.setAttribute("data-iso3", state.iso3);
        path.addEventListener("click", function () {
          window.location.href = state.url;
        });
      }
      states.appendChild(path);
      if (box[2] - box[0] < SMALL && box[3] - box[1] < SMALL) {
        var dot = element("circle", {
          cx: ((box[0] + box[2]) / 2).toFixed(1),
          cy: ((box[1] + box[3]) / 2).toFixed(1),
          r: DOT,
          class: "coverage-map-dot " + state["class"],
          "data-m49": feature.id
        });
        var dotTip = element("title", {});
        dotTip.textContent = title;
        dot.appendChild(dotTip);
        dots.appendChild(dot);
      }
    });
    svg.appendChild(others);
    svg.appendChild(states);
    svg.appendChild(dots);
    container.appendChild(svg);
    var legend = document.getElementById(container.getAttribute("data-legend"));
    if (legend) {
      legend.hidden = false;
    }
    container.setAttribute("data-drawn", "true");
  }

  function start() {
    var containers = document.querySelectorAll("[data-coverage-map]");
    Array.prototype.forEach.call(containers, function (container) {
      var source = document.getElementById(container.getAttribute("data-map-source"));
      var figures;
      try {
        figures = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      if (typeof window.topojson === "undefined" || typeof window.fetch !== "function") {
        return;
      }
      window.fetch(container.getAttribute("data-coverage-map"), {credentials: "same-origin"})
        .then(function (answer) {
          if (!answer.ok) {
            throw new Error("map shapes: " + answer.status);
          }
          return answer.json();
        })
        .then(function (topology) {
          draw(container, figures, topology);
        })
        .catch(function () {
          // The table below the map has the same figures.
          container.hidden = true;
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
