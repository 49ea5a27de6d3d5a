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
