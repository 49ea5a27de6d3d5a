// Number keys 1-9 pick the matching reply; Tab and Enter work natively.
document.documentElement.classList.add("js");
document.addEventListener("keydown", function (event) {
  if (event.defaultPrevented || event.repeat || event.altKey || event.ctrlKey || event.metaKey) return;
  if (!/^[1-9]$/.test(event.key)) return;
  var focused = event.target;
  if (focused.closest && focused.closest("input, textarea, select, [contenteditable]")) return;
  var button = document.querySelector('#choices button[data-key="' + event.key + '"]');
  if (!button || button.disabled) return;
  event.preventDefault();
  button.click();
});

// After a reply or the own words, the new turn starts at the top of the screen: the page
// scrolls to the play area (the meter strip sticks there) so cue, words and replies fit.
var newTurn = false;
document.addEventListener("htmx:after:request", function (event) {
  var source = event.detail && event.detail.ctx && event.detail.ctx.sourceElement;
  newTurn = !!(source && source.closest && source.closest("#choices, #own-words"));
});
document.addEventListener("htmx:after:settle", function () {
  if (!newTurn) return;
  newTurn = false;
  var play = document.getElementById("play");
  if (!play) return;
  window.scrollTo({ top: play.getBoundingClientRect().top + window.scrollY, behavior: "instant" });
});
