// The assistance template (templates/assistance/official/request_form.html).
// - Empty need slots after the first are hidden behind an "Add another need" button; when none is left,
//   the button adds a new slot, copied from a blank one, up to the form's data-max-needs.
// - Each need's count of ticked matrix cells follows the checkboxes.
// Without this script the page still works: the slots in use and one empty slot are shown.
(function () {
  "use strict";
  var form = document.querySelector("form.assistance-form");
  if (!form) {
    return;
  }
  var button = document.getElementById("add-need");
  var maxNeeds = parseInt(form.getAttribute("data-max-needs"), 10) || 20;

  function slots() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-need-slot]"));
  }

  function hiddenSlots() {
    return slots().filter(function (slot) { return slot.hidden; });
  }

  // A pristine copy of an empty slot, taken before the user types anything.
  var emptySlot = form.querySelector("[data-need-slot][data-empty]");
  var blank = emptySlot ? emptySlot.cloneNode(true) : null;

  function renumber(slot, index) {
    var from = /need-\d+-/g;
    var to = "need-" + index + "-";
    slot.id = "need-" + index;
    slot.setAttribute("data-need-slot", String(index));
    ["id", "name", "for", "aria-labelledby", "aria-describedby"].forEach(function (attribute) {
      Array.prototype.forEach.call(slot.querySelectorAll("[" + attribute + "]"), function (element) {
        element.setAttribute(attribute, element.getAttribute(attribute).replace(from, to));
      });
    });
    var number = slot.querySelector("[data-need-number]");
    if (number) {
      number.textContent = String(index + 1);
    }
    Array.prototype.forEach.call(slot.querySelectorAll(".invalid-feedback"), function (element) {
      element.remove();
    });
    return slot;
  }

  function update() {
    if (!button) {
      return;
    }
    var count = slots().length;
    button.hidden = hiddenSlots().length === 0 && (!blank || count >= maxNeeds);
  }

  slots().forEach(function (slot) {
    if (slot.hasAttribute("data-empty")) {
      slot.hidden = true;
    }
  });

  if (button) {
    button.addEventListener("click", function () {
      var next = hiddenSlots()[0];
      if (!next && blank) {
        var all = slots();
        var last = all[all.length - 1];
        next = renumber(blank.cloneNode(true), all.length);
        last.parentNode.insertBefore(next, last.nextSibling);
      }
      if (!next) {
        return;
      }
      next.hidden = false;
      var description = next.querySelector("textarea");
      if (description) {
        description.focus();
      }
      update();
    });
    update();
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type !== "checkbox") {
      return;
    }
    var slot = target.closest("[data-need-slot]");
    var counter = slot && slot.querySelector("[data-ticked-count]");
    if (counter) {
      counter.textContent = String(slot.querySelectorAll("input[type=checkbox]:checked").length);
    }
  });
})();
