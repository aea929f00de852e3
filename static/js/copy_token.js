// The new API token's "Copy" button (templates/accounts/profile.html). The button is added by this
// script, so without JavaScript the page shows the token alone, selectable (user-select: all).
// It copies with the Clipboard API; where that is missing or refused (an insecure origin, a denied
// permission) it selects the token so that Ctrl+C / Cmd+C copies it, and says which it did in a
// live region.
(function () {
  "use strict";
  var token = document.getElementById("new-token");
  var slot = document.getElementById("new-token-copy");
  if (!token || !slot) return;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-sm btn-outline-success ms-2";
  button.textContent = slot.getAttribute("data-label");
  button.setAttribute("aria-describedby", "new-token");
  var status = document.getElementById("new-token-status");
  slot.appendChild(button);

  function say(text) {
    status.textContent = "";
    // A fresh text each time, so that a second click is announced too.
    window.setTimeout(function () { status.textContent = text; }, 20);
  }

  function selectToken() {
    var range = document.createRange();
    range.selectNodeContents(token);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function fallback() {
    selectToken();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    say(slot.getAttribute(copied ? "data-copied" : "data-selected"));
  }

  button.addEventListener("click", function () {
    var text = token.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        say(slot.getAttribute("data-copied"));
      }, fallback);
    } else {
      fallback();
    }
  });
})();
