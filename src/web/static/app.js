// vigia: keyboard shortcuts for the inbox. The site works without this file;
// it only adds j / k (next / previous mention), Enter (open) and / (search).
(function () {
  "use strict";
  function links() { return Array.prototype.slice.call(document.querySelectorAll("a.row-link")); }
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(document.activeElement)) { return; }
    var list = links();
    if (e.key === "/") {
      var q = document.querySelector("input[name=q]");
      if (q) { e.preventDefault(); q.focus(); }
      return;
    }
    if (!list.length || (e.key !== "j" && e.key !== "k")) { return; }
    var at = list.indexOf(document.activeElement);
    var next = e.key === "j" ? Math.min(at + 1, list.length - 1) : Math.max(at - 1, 0);
    if (at === -1) { next = 0; }
    e.preventDefault();
    list[next].focus();
    list[next].scrollIntoView({ block: "nearest" });
  });
})();
