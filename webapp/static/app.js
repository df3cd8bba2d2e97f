// Kamerzoek: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var english = document.documentElement.lang === "en";

  function typingIn(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // "/" puts the cursor in the search box (unless one is typing already).
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !typingIn(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });

  // The language switch keeps the place on the page (#p4).
  var langSwitch = document.getElementById("lang-switch");
  if (langSwitch) {
    langSwitch.addEventListener("click", function () {
      if (window.location.hash) { langSwitch.setAttribute("href", langSwitch.getAttribute("href").split("#")[0] + window.location.hash); }
    });
  }

  // On a phone the filters start folded, unless one is in use.
  var facets = document.getElementById("facets");
  if (facets && window.matchMedia && window.matchMedia("(max-width: 48rem)").matches &&
      !facets.querySelector("a.on, .bar.on")) {
    facets.open = false;
  }

  // "Citeer": copy the citation with a stable link to the passage.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; },
                                                       function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }
  document.querySelectorAll("button.cite").forEach(function (button) {
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var link = new URL(button.getAttribute("data-link"), window.location.href).href;
      var text = button.getAttribute("data-citation") + ", " + link;
      button.setAttribute("data-copied", text);
      copyText(text).then(function (ok) {
        button.classList.add("done");
        button.textContent = ok ? (english ? "Copied" : "Gekopieerd") : text;
        button.setAttribute("aria-live", "polite");
        window.setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, ok ? 2000 : 15000);
      });
    });
  });

  // Document page: step through the hits, and open the original at the page in view.
  var marks = Array.prototype.slice.call(document.querySelectorAll(".pagetext mark"));
  var nav = document.querySelector(".hitnav:not(.pagehitnav)");  // the page view has its own (pageview.js)
  var position = document.getElementById("hit-position");
  var original = document.getElementById("original");
  var current = -1;
  function pageOf(mark) {
    var section = mark.closest("section.page");
    return section ? section.id.replace("p", "") : null;
  }
  function pointOriginalAt(page) {
    if (original && page && original.getAttribute("data-format") === "pdf") {
      original.setAttribute("href", original.getAttribute("href").split("#")[0] + "#page=" + page);
    }
  }
  function show(index) {
    if (!marks.length) { return; }
    if (current >= 0 && marks[current]) { marks[current].classList.remove("current"); }
    current = (index + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    if (position) { position.textContent = (current + 1) + " / " + marks.length; }
    var page = pageOf(mark);
    if (page && history.replaceState) { history.replaceState(history.state, "", "#p" + page); }
    pointOriginalAt(page);
  }
  if (nav && marks.length) {
    nav.hidden = false;
    if (position) { position.textContent = "– / " + marks.length; }
    document.getElementById("next-hit").addEventListener("click", function () { show(current + 1); });
    document.getElementById("prev-hit").addEventListener("click", function () { show(current < 0 ? -1 : current - 1); });
    document.addEventListener("keydown", function (event) {
      if (typingIn(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "n") { show(current + 1); }
      if (event.key === "p") { show(current < 0 ? -1 : current - 1); }
    });
  }
  // Arriving at #pN: the next hit is the first on that page, and the original opens there.
  function arrive() {
    var hash = window.location.hash.match(/^#p(\d+)$/);
    if (!hash) { return; }
    pointOriginalAt(hash[1]);
    for (var i = 0; i < marks.length; i++) {
      if (Number(pageOf(marks[i])) >= Number(hash[1])) { current = i - 1; return; }
    }
  }
  arrive();
  window.addEventListener("hashchange", arrive);
})();

// Document page: a long document shows a window of pages. An old link (#p4000 without
// ?page=) whose page lies outside the window goes to the window that holds it.
(function () {
  "use strict";
  var article = document.querySelector("article.document[data-first]");
  function follow() {
    var m = /^#p(\d+)$/.exec(window.location.hash);
    if (!article || !m || document.getElementById("p" + m[1])) { return; }
    var page = parseInt(m[1], 10);
    var first = parseInt(article.getAttribute("data-first"), 10);
    var last = parseInt(article.getAttribute("data-last"), 10);
    var pages = parseInt(article.getAttribute("data-pages"), 10);
    if (page >= first && page <= last) { return; }  // an empty page inside the window
    if (page < 1 || page > pages) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("page", String(page));
    url.hash = "p" + page;
    window.location.replace(url.href);
  }
  follow();
  window.addEventListener("hashchange", follow);
})();
