// Draws the timeline from the JSON block the page carries (data, never code), with the vendored
// Vega bundle; `ast: true` runs Vega's expression interpreter, so no eval is needed (CSP).
(function () {
  "use strict";
  function draw() {
    var target = document.getElementById("timeline-chart");
    var specEl = document.getElementById("timeline-spec");
    if (!target || !specEl || target.getAttribute("data-status") === "rendered") { return; }
    if (typeof window.vegaEmbed !== "function") { target.setAttribute("data-status", "failed"); return; }
    var spec = JSON.parse(specEl.textContent);
    window.vegaEmbed(target, spec, {
      mode: "vega-lite", renderer: "svg", actions: false, ast: true, defaultStyle: false,
      tooltip: { theme: "light", disableDefaultStyle: true }
    }).then(function (result) {
      target.setAttribute("data-status", "rendered");
      window.chronolinkView = result.view;
    }).catch(function () {
      target.setAttribute("data-status", "failed");
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = "The timeline could not be drawn. The chronology table below is complete.";
      target.appendChild(p);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
