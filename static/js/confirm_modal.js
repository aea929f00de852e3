/* Confirmation pages in a dialog. A link marked `data-confirm` (its value: the label of the dialog's
 * close button) opens its confirmation page (templates/matrices/confirm/, templates/assistance/confirm/)
 * in a Bootstrap modal: the script fetches the page and shows its `.confirm-page`, whose form posts to
 * the action's URL as it does on the page; its Cancel link (`data-confirm-cancel`) closes the dialog.
 *
 * Progressive enhancement: without this script, or when the page cannot be fetched or is not a
 * confirmation page (an error, a login page), the link opens the confirmation page itself.
 */
(function () {
  "use strict";

  if (!window.fetch || !window.DOMParser || !window.bootstrap || !window.bootstrap.Modal) {
    return;
  }

  var holder = null;
  var opener = null;

  function dialog(closeLabel) {
    if (!holder) {
      holder = document.createElement("div");
      holder.className = "modal fade confirm-modal";
      holder.tabIndex = -1;
      holder.setAttribute("aria-labelledby", "confirm-modal-title");
      holder.innerHTML =
        '<div class="modal-dialog modal-lg modal-dialog-scrollable modal-fullscreen-sm-down">' +
        '<div class="modal-content"><div class="modal-header">' +
        '<h2 class="modal-title h5" id="confirm-modal-title"></h2>' +
        '<button type="button" class="btn-close" data-bs-dismiss="modal"></button>' +
        '</div><div class="modal-body"></div></div></div>';
      document.body.appendChild(holder);
      holder.addEventListener("hidden.bs.modal", function () {
        holder.querySelector(".modal-body").textContent = "";
        if (opener) opener.focus();
      });
      holder.addEventListener("click", function (event) {
        if (event.target.closest("[data-confirm-cancel]")) {
          event.preventDefault();
          window.bootstrap.Modal.getOrCreateInstance(holder).hide();
        }
      });
    }
    holder.querySelector(".btn-close").setAttribute("aria-label", closeLabel);
    return holder;
  }

  function show(link, html) {
    var doc = new window.DOMParser().parseFromString(html, "text/html");
    var content = doc.querySelector(".confirm-page");
    if (!content) return false;
    var heading = content.querySelector("h1");
    var modal = dialog(link.getAttribute("data-confirm") || "Close");
    modal.querySelector(".modal-title").textContent = heading ? heading.textContent.trim() : "";
    if (heading) heading.remove();
    var body = modal.querySelector(".modal-body");
    body.textContent = "";
    body.appendChild(document.importNode(content, true));
    opener = link;
    window.bootstrap.Modal.getOrCreateInstance(modal).show();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-confirm]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // A refusal (409) is a confirmation page saying why; anything else but 200 opens as a page.
        if (!(response.ok || response.status === 409) || response.redirected) throw new Error("not a dialog");
        return response.text();
      })
      .then(function (html) {
        if (!show(link, html)) throw new Error("not a confirmation page");
      })
      .catch(function () {
        window.location.assign(link.href);
      })
      .then(function () {
        link.removeAttribute("aria-busy");
      });
  });
})();
