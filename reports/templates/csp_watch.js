// Counts Content-Security-Policy violations on the page's root element, so the browser tests can
// assert there were none. One file for both homes: inlined in every static report ahead of its
// boot script, served to the workbench's pages at /static/csp-watch.js.
(function () {
  "use strict";
  var root = document.documentElement;
  document.addEventListener("securitypolicyviolation", function (e) {
    var n = Number(root.getAttribute("data-csp-violations") || "0") + 1;
    root.setAttribute("data-csp-violations", String(n));
    root.setAttribute("data-csp-last", String(e.violatedDirective));
  });
})();
