// Kamerzoek: small progressive enhancements. The pages work without this file.
(function () {
  "use strict";

  // "/" puts the cursor in the search box (unless one is typing already).
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    var typing = tag === "input" || tag === "textarea" || tag === "select";
    if (event.key === "/" && !typing) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });

  // Sorting submits on change.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // "Citeer": copy the citation with a stable link to the passage.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "skip";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }
  document.querySelectorAll("button.cite").forEach(function (button) {
    button.addEventListener("click", function () {
      var link = new URL(button.getAttribute("data-link"), window.location.href).href;
      var text = button.getAttribute("data-citation") + " " + link;
      button.setAttribute("data-copied", text);
      copyText(text).then(function () {
        var label = button.textContent;
        button.classList.add("done");
        button.textContent = document.documentElement.lang === "en" ? "Copied" : "Gekopieerd";
        setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 2000);
      });
    });
  });

  // Document page: step through the hits, and open the original at the page in view.
  var marks = Array.prototype.slice.call(document.querySelectorAll(".pagetext mark"));
  var nav = document.querySelector(".hitnav");
  var position = document.getElementById("hit-position");
  var current = -1;
  function pageOf(mark) {
    var section = mark.closest("section.page");
    return section ? section.id.replace("p", "") : null;
  }
  function show(index) {
    if (!marks.length) { return; }
    if (current >= 0) { marks[current].classList.remove("current"); }
    current = (index + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    if (position) { position.textContent = (current + 1) + " / " + marks.length; }
    var page = pageOf(mark);
    if (page && history.replaceState) { history.replaceState(null, "", "#p" + page); }
    updateOriginal(page);
  }
  function updateOriginal(page) {
    var original = document.getElementById("original");
    if (original && page && original.getAttribute("data-format") === "pdf") {
      original.setAttribute("href", original.getAttribute("href").split("#")[0] + "#page=" + page);
    }
  }
  if (nav && marks.length) {
    nav.hidden = false;
    document.getElementById("next-hit").addEventListener("click", function () { show(current + 1); });
    document.getElementById("prev-hit").addEventListener("click", function () { show(current - 1); });
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea") { return; }
      if (event.key === "n") { show(current + 1); }
      if (event.key === "p") { show(current - 1); }
    });
  }
  // Arriving at #pN: start the hit navigation on that page, and point the original there.
  var hash = window.location.hash.match(/^#p(\d+)$/);
  if (hash) {
    updateOriginal(hash[1]);
    for (var i = 0; i < marks.length; i++) {
      if (pageOf(marks[i]) === hash[1]) { current = i - 1; break; }
    }
  }
})();
