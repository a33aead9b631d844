// The network view: cytoscape.js (canvas) over the JSON block the page carries (data, never code).
// Legible by construction: short labels (a place's first line; the full text on hover or select),
// edge labels only where they carry news (an edge a flag relies on, a found path, the edge under the
// pointer), a deterministic start (rings by hops from the child), cose spacing nodes by their
// labels' size, then a sweep that moves apart any two nodes whose label boxes still overlap.
(function () {
  "use strict";
  var box = document.getElementById("network");
  var dataEl = document.getElementById("network-data");
  if (!box || !dataEl || typeof window.cytoscape !== "function") { if (box) { box.setAttribute("data-status", "failed"); } return; }
  var elements = JSON.parse(dataEl.textContent);
  var GAP = 6; // px between two nodes' label boxes
  var labelText = { "font-size": 12, "text-wrap": "wrap", "text-max-width": 120, "text-valign": "bottom",
                    "text-margin-y": 3, "color": "#1b1e23", "text-background-color": "#fcfcfd",
                    "text-background-opacity": 0.85, "text-background-padding": 1 };
  var edgeText = { "label": "data(label)", "font-size": 9, "text-rotation": "autorotate", "text-background-color": "#fcfcfd",
                   "text-background-opacity": 0.9, "text-background-padding": 1 };
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    wheelSensitivity: 0.3,
    layout: { name: "preset" },
    style: [
      { selector: "node", style: Object.assign({ "label": "data(short)" }, labelText) },
      { selector: "node[kind = 'person']", style: { "shape": "ellipse", "background-color": "#4c78a8", "width": 22, "height": 22 } },
      { selector: "node[kind = 'place']", style: { "shape": "round-rectangle", "background-color": "#d9d9d9", "width": 18, "height": 14,
                                                  "border-width": 1, "border-color": "#777", "color": "#444" } },
      { selector: "node[?childplace]", style: { "background-color": "#f2d7a0" } },
      { selector: "node[risk != '']", style: { "background-color": "#b00020", "border-width": 3, "border-color": "#600" } },
      { selector: "node[?child]", style: { "background-color": "#1e7a34", "width": 32, "height": 32, "font-weight": "bold" } },
      { selector: "node.full, node:selected", style: { "label": "data(label)", "text-max-width": 240, "z-index": 20,
                                                       "text-background-opacity": 1 } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#9aa0a6", "curve-style": "bezier", "label": "", "color": "#555" } },
      { selector: "edge[?flagged]", style: Object.assign({ "width": 5, "line-color": "#c00000", "color": "#c00000" }, edgeText) },
      { selector: "edge.hover, edge:selected", style: Object.assign({ "z-index": 20 }, edgeText) },
      { selector: "edge.path", style: Object.assign({ "line-color": "#ff9800", "width": 6, "z-index": 9 }, edgeText) },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#ff9800" } }
    ]
  });
  layout(cy, box.getAttribute("data-child"));
  window.chronolinkNetwork = cy;
  box.setAttribute("data-status", "rendered");

  cy.on("tap", "node[kind = 'person']", function (e) { window.location.href = "/child/" + encodeURIComponent(e.target.id()); });
  cy.on("mouseover", "node", function (e) { e.target.addClass("full"); });
  cy.on("mouseout", "node", function (e) { e.target.removeClass("full"); });
  cy.on("mouseover", "edge", function (e) { e.target.addClass("hover"); });
  cy.on("mouseout", "edge", function (e) { e.target.removeClass("hover"); });

  var form = document.getElementById("path-form");
  var result = document.getElementById("path-result");
  function clear() { cy.elements().removeClass("path"); result.textContent = ""; result.removeAttribute("data-hops"); }
  document.getElementById("path-clear").addEventListener("click", clear);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clear();
    var from = cy.getElementById(document.getElementById("path-from").value);
    var to = cy.getElementById(document.getElementById("path-to").value);
    var found = cy.elements().aStar({ root: from, goal: to, directed: false });
    if (!found.found) { result.textContent = "No path between them in this network."; result.setAttribute("data-hops", "none"); return; }
    found.path.addClass("path");
    var steps = [];
    found.path.forEach(function (el) {
      if (el.isNode()) { steps.push(el.data("label")); } else { steps.push("(" + el.data("label") + (el.data("flags") ? "; flag: " + el.data("flags") : "") + ")"); }
    });
    result.textContent = "Path, " + found.path.edges().length + " step(s): " + steps.join(" \u2192 ");
    result.setAttribute("data-hops", String(found.path.edges().length));
  });

  // Rings by hops from the child (ids in order within a ring): the same start, so the same picture, every time.
  function rings(cy, childId) {
    var root = cy.getElementById(childId);
    var hops = {};
    if (root.nonempty()) {
      cy.elements().bfs({ roots: root, directed: false, visit: function (v, e, u, i, depth) { hops[v.id()] = depth; } });
    }
    var byRing = {};
    cy.nodes().forEach(function (n) {
      var h = hops[n.id()] === undefined ? 3 : hops[n.id()];
      (byRing[h] = byRing[h] || []).push(n);
    });
    Object.keys(byRing).forEach(function (h) {
      var ring = byRing[h].sort(function (a, b) { return a.id() < b.id() ? -1 : 1; });
      var radius = 90 * Number(h);
      ring.forEach(function (n, i) {
        var angle = 2 * Math.PI * i / ring.length + Number(h) * 0.5;
        n.position({ x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
      });
    });
  }

  function layout(cy, childId) {
    rings(cy, childId);
    cy.layout({ name: "cose", animate: false, randomize: false, fit: false, nodeDimensionsIncludeLabels: true,
                idealEdgeLength: function () { return 60; }, nodeRepulsion: function () { return 20000; },
                nodeOverlap: 20, componentSpacing: 60, gravity: 1, numIter: 1500, padding: 30 }).run();
    separate(cy);
    cy.fit(undefined, 30);
  }

  // Move apart any two nodes whose label boxes overlap, along the axis where they overlap least, until
  // a whole sweep finds none (boxes sorted by left edge: a pair can overlap only while the next box
  // starts left of this one's right edge).
  function separate(cy) {
    var boxes = cy.nodes().map(function (n) {
      var p = n.position(), b = n.boundingBox({ includeLabels: true });
      return { n: n, x: p.x, y: p.y, l: b.x1 - p.x - GAP / 2, r: b.x2 - p.x + GAP / 2, t: b.y1 - p.y - GAP / 2, b: b.y2 - p.y + GAP / 2 };
    });
    for (var round = 0; round < 2000; round++) {
      var moved = false;
      boxes.sort(function (a, b) { return (a.x + a.l) - (b.x + b.l) || (a.n.id() < b.n.id() ? -1 : 1); });
      for (var i = 0; i < boxes.length; i++) {
        var A = boxes[i];
        for (var j = i + 1; j < boxes.length; j++) {
          var B = boxes[j];
          if (B.x + B.l >= A.x + A.r) { break; }
          var ox = Math.min(A.x + A.r, B.x + B.r) - Math.max(A.x + A.l, B.x + B.l);
          var oy = Math.min(A.y + A.b, B.y + B.b) - Math.max(A.y + A.t, B.y + B.t);
          if (ox <= 0 || oy <= 0) { continue; }
          moved = true;
          if (ox < oy) {
            var sx = (A.x + (A.l + A.r) / 2) <= (B.x + (B.l + B.r) / 2) ? 1 : -1;
            A.x -= sx * (ox / 2 + 0.5); B.x += sx * (ox / 2 + 0.5);
          } else {
            var sy = (A.y + (A.t + A.b) / 2) <= (B.y + (B.t + B.b) / 2) ? 1 : -1;
            A.y -= sy * (oy / 2 + 0.5); B.y += sy * (oy / 2 + 0.5);
          }
        }
      }
      if (!moved) { break; }
    }
    cy.batch(function () { boxes.forEach(function (b) { b.n.position({ x: b.x, y: b.y }); }); });
  }
})();
