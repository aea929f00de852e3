// The compare form (/compare/): the lists of States offer only those with a published matrix of the
// regime chosen. The server renders the lists for the regime of the page; this keeps them right when
// another regime is chosen. Without JavaScript the server says which State has no such matrix.
(function () {
  "use strict";
  var form = document.getElementById("compare-form");
  if (!form) return;
  var regime = form.querySelector("select[name=regime]");
  var lists = form.querySelectorAll("select[name=a], select[name=b]");
  if (!regime) return;

  function offer() {
    var chosen = regime.value;
    lists.forEach(function (list) {
      Array.prototype.forEach.call(list.options, function (option) {
        var regimes = option.getAttribute("data-regimes");
        if (regimes === null) return; // "Choose a State"
        var fits = regimes.split(" ").indexOf(chosen) !== -1;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) list.value = "";
      });
    });
  }

  regime.addEventListener("change", offer);
})();
