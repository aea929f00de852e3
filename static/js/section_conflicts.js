// Conflicts on a section form (templates/matrices/workspace/edit_section.html): "Take the saved value"
// puts the value someone else saved into the cell's fields; saving then keeps it. Without this script
// the user types the saved value shown beside the button.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-take-saved]");
    if (!button) {
      return;
    }
    var anchor = button.getAttribute("data-take-saved");
    ["mark", "source", "remarks"].forEach(function (field) {
      var input = document.getElementById(anchor + "-" + field);
      if (input) {
        input.value = button.getAttribute("data-" + field) || "";
      }
    });
    var mark = document.getElementById(anchor + "-mark");
    if (mark) {
      mark.focus();
    }
  });
})();
