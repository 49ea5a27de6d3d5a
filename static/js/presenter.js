// Discussion mode's keyboard shortcuts: each key presses the real button that names it in
// aria-keyshortcuts (so the page works the same without this file). Keys typed into a
// field, Space on a focused button or link (it presses that one), and keys with a modifier
// are left alone.
(function () {
  "use strict";
  var NAMES = { " ": "Space", Spacebar: "Space" };
  var TYPING = "input, textarea, select, [contenteditable]";
  var PRESSABLE = "button, a, summary";

  function keyName(event) {
    var key = NAMES[event.key] || event.key;
    return key.length === 1 ? key.toUpperCase() : key;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target && event.target.closest ? event.target : null;
    if (target && target.closest(TYPING)) return;
    var key = keyName(event);
    if (key === "Space" && target && target.closest(PRESSABLE)) return;
    var buttons = document.querySelectorAll("#presenter [aria-keyshortcuts]");
    for (var i = 0; i < buttons.length; i++) {
      var keys = buttons[i].getAttribute("aria-keyshortcuts").split(" ");
      if (keys.indexOf(key) !== -1) {
        event.preventDefault();
        if (!buttons[i].disabled) buttons[i].click();
        return;
      }
    }
  });
})();
