// quellenlage: progress on analyse, and highlighting across articles. No inline handlers (CSP).
"use strict";
(function () {
  function clearHighlights() {
    document.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
  }
  function highlightSpan(aid, s, e) {
    var first = null;
    document.querySelectorAll('.article-text [data-aid="' + aid + '"]').forEach(function (el) {
      var ps = +el.dataset.s, pe = +el.dataset.e;
      if (ps < e && pe > s) { el.classList.add("hl"); if (!first) first = el; }
    });
    return first;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("analyse-form");
    if (form) {
      form.addEventListener("submit", function () {
        document.getElementById("progress").hidden = false;
        document.getElementById("analyse-button").disabled = true;
      });
    }
    // A claim: highlight every claim of the same group in all articles.
    document.querySelectorAll(".claim[data-group]").forEach(function (el) {
      var show = function () {
        clearHighlights();
        document.querySelectorAll('.claim[data-group="' + el.dataset.group + '"]').forEach(function (o) { o.classList.add("hl"); });
      };
      el.addEventListener("mouseenter", show);
      el.addEventListener("click", show);
    });
    // A briefing sentence or a reference: highlight the spans it rests on.
    document.querySelectorAll(".bsent").forEach(function (p) {
      p.addEventListener("click", function () {
        clearHighlights();
        var first = null;
        (p.dataset.spans || "").split(" ").forEach(function (item) {
          var parts = item.split(":");
          if (parts.length === 3) { var f = highlightSpan(parts[0], +parts[1], +parts[2]); first = first || f; }
        });
        if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
      });
    });
    document.querySelectorAll("a.ref, .conflict-side").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault(); ev.stopPropagation();
        clearHighlights();
        var f = highlightSpan(a.dataset.aid, +a.dataset.s, +a.dataset.e);
        if (f) f.scrollIntoView({ block: "center", behavior: "smooth" });
      });
    });
  });
})();
