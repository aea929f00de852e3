// The section form never loses an edit to a navigation or a secondary action:
// - leaving the page (a section tab, a link, closing the tab) with unsaved changes asks first
//   (the browser's own "leave the page?" prompt), and staying keeps every edit;
// - a reply or comment (forms marked data-needs-saved-section) is not sent while the section has
//   unsaved changes: the page says so next to the button, and nothing is sent or lost.
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form) return;

  function fieldChanged(el) {
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && (el.type === "text" || el.type === "search"))) {
      return el.value !== el.defaultValue;
    }
    if (el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      return el.checked !== el.defaultChecked;
    }
    return false;
  }

  function unsaved() {
    return Array.prototype.some.call(form.elements, fieldChanged);
  }

  var saving = false;
  form.addEventListener("submit", function () { saving = true; });

  window.addEventListener("beforeunload", function (event) {
    if (!saving && unsaved()) {
      event.preventDefault();
      event.returnValue = "";  // older browsers need a value to show the prompt
    }
  });

  document.querySelectorAll("form[data-needs-saved-section]").forEach(function (other) {
    other.addEventListener("submit", function (event) {
      if (!unsaved()) return;
      event.preventDefault();
      var anchor = event.submitter || other.querySelector("[type=submit]");
      var note = document.getElementById("unsaved-note");
      if (!note) {
        note = document.createElement("div");
        note.id = "unsaved-note";
        note.className = "alert alert-warning small mt-2 mb-0";
        note.setAttribute("role", "alert");
        note.textContent = form.getAttribute("data-unsaved-message");
      }
      (anchor && anchor.parentNode ? anchor.parentNode : other).after(note);
      var save = form.querySelector("[type=submit]");
      if (save) save.focus({ preventScroll: true });
    });
  });
})();
