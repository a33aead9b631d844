// The network view: cytoscape.js (canvas) over the JSON block the page carries (data, never code).
(function () {
  "use strict";
  var box = document.getElementById("network");
  var dataEl = document.getElementById("network-data");
  if (!box || !dataEl || typeof window.cytoscape !== "function") { if (box) { box.setAttribute("data-status", "failed"); } return; }
  var elements = JSON.parse(dataEl.textContent);
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    wheelSensitivity: 0.3,
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 9000, idealEdgeLength: 90, padding: 20 },
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 140,
                                   "text-valign": "bottom", "text-margin-y": 3, "color": "#1b1e23" } },
      { selector: "node[kind = 'person']", style: { "shape": "ellipse", "background-color": "#4c78a8", "width": 22, "height": 22 } },
      { selector: "node[kind = 'place']", style: { "shape": "round-rectangle", "background-color": "#d9d9d9", "width": 18, "height": 14,
                                                  "border-width": 1, "border-color": "#777" } },
      { selector: "node[?childplace]", style: { "background-color": "#f2d7a0" } },
      { selector: "node[risk != '']", style: { "background-color": "#b00020", "border-width": 3, "border-color": "#600" } },
      { selector: "node[?child]", style: { "background-color": "#1e7a34", "width": 32, "height": 32, "font-weight": "bold" } },
      { selector: "edge", style: { "width": 1.5, "line-color": "#9aa0a6", "curve-style": "bezier", "label": "data(label)",
                                   "font-size": 8, "color": "#555", "text-rotation": "autorotate" } },
      { selector: "edge[?flagged]", style: { "width": 5, "line-color": "#c00000", "color": "#c00000" } },
      { selector: ".path", style: { "line-color": "#ff9800", "background-color": "#ff9800", "width": 6, "z-index": 9 } },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#ff9800" } }
    ]
  });
  window.chronolinkNetwork = cy;
  box.setAttribute("data-status", "rendered");
  cy.on("tap", "node[kind = 'person']", function (e) { window.location.href = "/child/" + encodeURIComponent(e.target.id()); });
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
})();
