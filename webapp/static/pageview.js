// Kamerzoek page view: draws the hits over the page image and steps through them.
// The positions come from the figure's data-hits (fractions of the page), so the image
// itself never depends on the query.
(function () {
  "use strict";
  var figure = document.getElementById("pageimage");
  if (!figure) { return; }
  var hits = [];
  try { hits = JSON.parse(figure.getAttribute("data-hits") || "[]"); } catch (e) { hits = []; }
  var marks = [];  // one entry per hit: the elements of its boxes (two for a hyphenated word)
  hits.forEach(function (hit, index) {
    var boxes = hit.boxes.map(function (box) {
      var mark = document.createElement("span");
      mark.className = "pagemark";
      mark.setAttribute("data-hit", String(index));
      mark.setAttribute("data-term", hit.term);
      mark.title = hit.text;
      mark.style.left = (box[0] * 100) + "%";
      mark.style.top = (box[1] * 100) + "%";
      mark.style.width = ((box[2] - box[0]) * 100) + "%";
      mark.style.height = ((box[3] - box[1]) * 100) + "%";
      figure.appendChild(mark);
      return mark;
    });
    marks.push(boxes);
  });
  figure.setAttribute("data-marks-drawn", String(marks.length));

  var nav = document.getElementById("pagehitnav");
  var position = document.getElementById("hit-position");
  var prevHitUrl = figure.getAttribute("data-prev-hit-url");
  var nextHitUrl = figure.getAttribute("data-next-hit-url");
  var current = -1;
  function show(index) {
    if (current >= 0) { marks[current].forEach(function (m) { m.classList.remove("current"); }); }
    current = index;
    marks[current].forEach(function (m) { m.classList.add("current"); });
    marks[current][0].scrollIntoView({ block: "center" });
    if (position) { position.textContent = (current + 1) + " / " + marks.length; }
  }
  function next() {
    if (current + 1 < marks.length) { show(current + 1); } else if (nextHitUrl) { window.location.href = nextHitUrl; }
  }
  function previous() {
    if (current > 0) { show(current - 1); } else if (prevHitUrl) { window.location.href = prevHitUrl; }
  }
  if (nav && (marks.length || prevHitUrl || nextHitUrl)) {
    nav.hidden = false;
    if (position) { position.textContent = "– / " + marks.length; }
    document.getElementById("next-hit").addEventListener("click", next);
    document.getElementById("prev-hit").addEventListener("click", previous);
  }
  function typingIn(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }
  document.addEventListener("keydown", function (event) {
    if (typingIn(event.target) || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) { return; }
    if (event.key === "n") { next(); }
    else if (event.key === "p") { previous(); }
    else if (event.key === "ArrowRight") { go("next-page"); }
    else if (event.key === "ArrowLeft") { go("prev-page"); }
  });
  // Arriving from the previous or next page with hits: start at its first or last hit.
  if (marks.length && window.location.hash === "#hit-first") { show(0); }
  if (marks.length && window.location.hash === "#hit-last") { show(marks.length - 1); }
})();
