// The workbench's own script: loaded from /static (CSP 'self'), never from the data.
(function () {
  "use strict";
  var root = document.documentElement;
  // Count CSP violations so the browser tests can assert there were none.
  document.addEventListener("securitypolicyviolation", function (e) {
    var n = Number(root.getAttribute("data-csp-violations") || "0") + 1;
    root.setAttribute("data-csp-violations", String(n));
    root.setAttribute("data-csp-last", String(e.violatedDirective));
  });
})();
// Review queue shortcuts: a / r / s press the buttons that carry data-key (not while typing).
document.addEventListener("keydown", function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) { return; }
  var t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) { return; }
  var button = document.querySelector('#review-pair button[data-key="' + e.key.toLowerCase() + '"]');
  if (button) { e.preventDefault(); button.click(); }
});
