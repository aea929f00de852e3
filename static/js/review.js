/* The experts' review page: comment on a cell and resolve or reopen its thread in place, without
 * reloading the page (the expert keeps their place). Progressive enhancement: without this script
 * the "Comment" link opens the form in the cell's row and every form posts and comes back to the
 * cell's anchor in the same section and view.
 *
 * The server answers a request marked `HX-Request: true` with the cell's thread fragment
 * (templates/matrices/review/_thread.html) and `X-Review-Fragment: thread`; anything else (a
 * redirect after a refusal, an error page) makes the script fall back to a normal submission.
 */
(function () {
  "use strict";

  var page = document.querySelector("[data-review-page]");
  if (!page || !window.fetch || !window.FormData) {
    return;
  }
  var template = document.getElementById("review-comment-template");
  var announcer = document.getElementById("review-announce");

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function threadOf(element) {
    return element.closest(".review-thread");
  }

  function cellKey(thread) {
    var row = thread.closest("tr[data-cell]");
    return row ? row.getAttribute("data-cell") : "";
  }

  function place() {
    return { section: page.getAttribute("data-section") || "", view: page.getAttribute("data-view") || "" };
  }

  function openForm(thread) {
    var existing = thread.querySelector("form[data-review-inline]");
    if (existing) {
      existing.querySelector("textarea").focus();
      return;
    }
    if (!template) return;
    var anchor = thread.id.replace(/^thread-/, "");
    var fragment = template.content.cloneNode(true);
    var form = fragment.querySelector("form");
    var where = place();
    form.querySelector("input[name=cell]").value = cellKey(thread);
    form.querySelector("input[name=section]").value = where.section;
    form.querySelector("input[name=view]").value = where.view;
    var textarea = form.querySelector("textarea");
    var label = form.querySelector("label");
    textarea.id = "comment-body-" + anchor;
    label.setAttribute("for", textarea.id);
    var context = thread.querySelector(".review-comment-link .visually-hidden");
    var hidden = label.querySelector(".visually-hidden");
    if (context && hidden) hidden.textContent = context.textContent;
    thread.appendChild(fragment);
    textarea.focus({ preventScroll: true });
  }

  function replaceThread(thread, html, focusSelector) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (!fresh) return null;
    thread.replaceWith(fresh);
    var target = fresh.querySelector(focusSelector) || fresh.querySelector(".review-comment-link");
    if (target) target.focus({ preventScroll: true });
    return fresh;
  }

  function updateCounts(response) {
    var open = response.headers.get("X-Open-Threads");
    if (open === null) return;
    document.querySelectorAll("[data-open-threads]").forEach(function (element) {
      element.textContent = open;
    });
  }

  function send(form, onDone) {
    var thread = threadOf(form);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "HX-Request": "true", "Accept": "text/html" },
    }).then(function (response) {
      if (response.headers.get("X-Review-Fragment") !== "thread") {
        // A refusal shown on the page, an error page: let the browser show it as without script.
        if (response.redirected) {
          window.location.assign(response.url);
        } else {
          form.submit();
        }
        return null;
      }
      return response.text().then(function (html) {
        updateCounts(response);
        var fresh = replaceThread(thread, html, response.ok ? null : "textarea");
        if (fresh) onDone(fresh, response.ok);
      });
    }).catch(function () {
      form.submit();
    });
  }

  page.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-review-comment]");
    if (link) {
      event.preventDefault();
      openForm(threadOf(link));
      return;
    }
    var cancel = event.target.closest("a[data-review-cancel]");
    if (cancel) {
      event.preventDefault();
      var thread = threadOf(cancel);
      cancel.closest("form").remove();
      var back = thread.querySelector(".review-comment-link");
      if (back) back.focus({ preventScroll: true });
    }
  });

  page.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-review-inline]")) {
      event.preventDefault();
      var textarea = form.querySelector("textarea");
      send(form, function (fresh, ok) {
        if (ok) {
          announce(page.getAttribute("data-added-text"));
        }
      });
      if (textarea) textarea.setAttribute("aria-busy", "true");
    } else if (form.matches("form[data-review-thread-action]")) {
      event.preventDefault();
      send(form, function (fresh) {
        var state = fresh.getAttribute("data-thread");
        announce(page.getAttribute(state === "resolved" ? "data-resolved-text" : "data-reopened-text"));
        var next = fresh.querySelector("form[data-review-thread-action] button");
        if (next) next.focus({ preventScroll: true });
      });
    }
  });
}());
