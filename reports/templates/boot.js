(function () {
  "use strict";
  var target = document.getElementById("timeline-chart");
  var specEl = document.getElementById("timeline-spec");
  if (!target || !specEl) { return; }
  function fail() {
    target.setAttribute("data-status", "failed");
    var p = document.createElement("p");
    p.className = "chart-error";
    p.textContent = "The timeline could not be drawn in this browser. The chronology table below is complete.";
    target.appendChild(p);
  }
  if (typeof window.vegaEmbed !== "function") { fail(); return; }
  var spec = JSON.parse(specEl.textContent);
  window.vegaEmbed(target, spec, {
    mode: "vega-lite",
    renderer: "svg",
    actions: false,
    ast: true,
    defaultStyle: false,
    tooltip: { theme: "light" }
  }).then(function (result) {
    target.setAttribute("data-status", "rendered");
    window.chronolinkView = result.view;
  }).catch(fail);
})();
