// The workbench's own script: loaded from /static (CSP 'self'), never from the data.
// Review queue shortcuts: a / r / s press the buttons that carry data-key (not while typing).
document.addEventListener("keydown", function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) { return; }
  var t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) { return; }
  var button = document.querySelector('#review-pair button[data-key="' + e.key.toLowerCase() + '"]');
  if (button) { e.preventDefault(); button.click(); }
});
// Printing: the page's margin boxes (print.css) show the protective marking and, on a person's page,
// their name and id on every printed page. CSS cannot read the page's text, so the two are handed
// to it as custom properties holding CSS strings (every character outside a-z, 0-9 and space
// hex-escaped: a name stays text whatever it holds). Set through the CSSOM, which the CSP allows.
(function () {
  "use strict";
  function cssString(text) {
    return '"' + String(text).replace(/[^A-Za-z0-9 ]/g, function (c) {
      return "\\" + c.codePointAt(0).toString(16) + " ";
    }) + '"';
  }
  function set(name, el) {
    if (el) { document.documentElement.style.setProperty(name, cssString(el.textContent.trim())); }
  }
  set("--print-marking", document.getElementById("marking-top"));
  set("--print-running", document.querySelector(".print-running"));
})();
