"""Resolving and reopening a cell's comment thread, from both sides of the review dialogue: the
experts on the review page, the State's officials (and experts preparing a draft) in the workspace.

Both call `services.resolve_thread` / `services.reopen_thread`. Without JavaScript each answers with
a redirect to where the user was (the review page at the cell, in its section and view; the
workspace page named by `next`); the review page's script (`HX-Request: true`) gets the cell's
thread fragment back, a workspace script gets `{"thread", "open", "resolved"}` as JSON.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrices import selectors, services
from matrices.forms import ThreadForm, cell_anchor
from portal.accounts.decorators import reviewer_required, workspace_required
from portal.core.exceptions import InvalidInput
from portal.core.pages import refusals_shown_on

FRAGMENT_HEADER = "HX-Request"


def _wants_fragment(request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "true"


def _act(request, matrix):
    """Resolve or reopen the thread the form names: (form, cell key, changed comments). InvalidInput
    (400) for a form that is not valid or a cell the version does not have."""
    form = ThreadForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("The thread was not changed."), errors=form.errors)
    key = form.cell_key()
    action = services.resolve_thread if form.cleaned_data["action"] == "resolve" else services.reopen_thread
    changed = action(matrix, *key, acting_user=request.user)
    return form, key, changed


def _message(request, form, key, changed):
    if not changed:
        return
    if form.cleaned_data["action"] == "resolve":
        messages.success(request, _("The comments on %(cell)s are resolved.") % {"cell": key[0]})
    else:
        messages.success(request, _("The comments on %(cell)s are open again.") % {"cell": key[0]})


@reviewer_required
@require_POST
@refusals_shown_on("matrices:review")
def review_resolve(request, pk):
    """An expert resolves (or reopens) a cell's thread on the review page."""
    matrix = services.get_visible(request.user, pk)
    form, key, changed = _act(request, matrix)
    section, view = form.cleaned_data["section"], form.cleaned_data["view"]
    if _wants_fragment(request):
        context = {
            "matrix": matrix,
            "cell": selectors.cell_thread(matrix, key),
            "commentable": not matrix.is_published,
            "section": section,
            "view": view,
            "comment_form": None,
            "open_cell": "",
        }
        response = render(request, "matrices/review/_thread.html", context)
        response["X-Review-Fragment"] = "thread"
        response["X-Open-Threads"] = str(selectors.open_thread_counts(matrix)["open"])
        response["Vary"] = FRAGMENT_HEADER
        return response
    _message(request, form, key, changed)
    if not section:
        specs = services.layout(matrix.template)
        section = next((s.row.section.code for s in specs if s.key == key), "")
    query = urlencode(
        [(name, value) for name, value in (("section", selectors.section_key(section)), ("view", view)) if value]
    )
    url = reverse("matrices:review", args=[matrix.pk]) + (f"?{query}" if query else "")
    return redirect(f"{url}#{cell_anchor(key)}")


@workspace_required
@require_POST
@refusals_shown_on("matrices:workspace")
def workspace_resolve(request, pk):
    """A State's official (or an expert) resolves or reopens a cell's thread from the workspace."""
    matrix = selectors.visible_matrix(request.user, pk)
    form, key, changed = _act(request, matrix)
    if _wants_fragment(request) or "application/json" in request.headers.get("Accept", ""):
        thread = selectors.cell_thread(matrix, key)
        return JsonResponse({"cell": "|".join(key), "thread": thread.thread, **selectors.open_thread_counts(matrix)})
    _message(request, form, key, changed)
    next_url = form.cleaned_data["next"]
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(reverse("matrices:workspace", args=[matrix.pk]) + f"#{cell_anchor(key)}")
