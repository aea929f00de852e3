// The language switcher of base.html (templates/includes/language_switcher.html) works without
// script: a <details> holding one submit button per language. With script, it also closes on
// Escape (focus back on its toggle) and on a click elsewhere, as a menu does.
(function () {
  "use strict";
  var switcher = document.getElementById("language-switcher");
  if (!switcher) return;
  var toggle = switcher.querySelector("summary");
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && switcher.open) {
      switcher.open = false;
      toggle.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (switcher.open && !switcher.contains(event.target)) switcher.open = false;
  });
})();
