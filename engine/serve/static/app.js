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
