// The scenario editor: a problem's "line L, column C" link puts the cursor there, and the
// cursor's own line and column show under the text. Without JS the link still focuses the text.
// The scene graph opens scrolled to its start scene.
(function () {
  function source() { return document.getElementById("source"); }

  function showCursor() {
    var text = source(), where = document.getElementById("cursor");
    if (!text || !where) return;
    var before = text.value.slice(0, text.selectionStart).split("\n");
    where.textContent = "Line " + before.length + ", column " + (before[before.length - 1].length + 1);
  }

  function jump(line, column) {
    var text = source();
    if (!text) return;
    var lines = text.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var offset = 0;
    for (var i = 0; i < line - 1; i++) offset += lines[i].length + 1;
    var at = offset + Math.max(0, Math.min(column - 1, lines[line - 1].length));
    text.focus();
    text.setSelectionRange(at, at);
    var height = parseFloat(getComputedStyle(text).lineHeight) || 20;
    text.scrollTop = Math.max(0, (line - 3) * height);
    showCursor();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.jump");
    if (!link || !source()) return;
    event.preventDefault();
    jump(parseInt(link.dataset.line, 10) || 1, parseInt(link.dataset.column, 10) || 1);
  });
  // A check that fails (the login or the form has expired, the server is away) says so in
  // the status line too, which would otherwise still report the last good check.
  function notChecked(why) {
    return function (event) {
      var ctx = event.detail && event.detail.ctx;
      var from = ctx && ctx.sourceElement;
      var status = document.getElementById("check-status");
      if (!status || from !== source()) return;
      status.textContent = why;
    };
  }
  document.addEventListener("htmx:response:error", notChecked("Not checked: see the message below."));
  document.addEventListener("htmx:error", notChecked("Not checked: the server could not be reached. Try again in a moment."));
  // Graphviz may lay the start out far from the drawing's left edge: a wide graph's first
  // screen on a phone was empty space. Each graph opens with its start scene in view.
  function showStart() {
    document.querySelectorAll(".graph-scroll[data-start]").forEach(function (box) {
      if (box.dataset.shown) return;
      var node = box.querySelector('g.node[id="graph-' + CSS.escape(box.dataset.start) + '"]');
      if (!node) return;
      box.dataset.shown = "1";
      var at = node.getBoundingClientRect(), frame = box.getBoundingClientRect();
      box.scrollLeft += at.left - frame.left - (frame.width - at.width) / 2;
    });
  }
  document.addEventListener("DOMContentLoaded", showStart);
  document.addEventListener("htmx:after:settle", showStart);  // a graph drawn in the background
  ["keyup", "click", "input", "focus"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target === source()) showCursor();
    }, true);
  });
})();
