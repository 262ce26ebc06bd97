// vigia: keyboard shortcuts for the inbox. The site works without this file;
// it only adds j / k (next / previous mention), Enter (open), / (search), x (tick the
// current mention for a bulk action), the "tick every mention" box, and n (on a mention:
// the next one in the same view).
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
    if (e.key === "n") {
      var next = document.getElementById("next-mention");
      if (next) { e.preventDefault(); next.click(); }
      return;
    }
    if (e.key === "x") {
      var row = document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr") : null;
      var box = row ? row.querySelector("input[name=m]") : null;
      if (box) { e.preventDefault(); box.checked = !box.checked; }
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
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  if (!all) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=m]"));
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
  });
})();
