"""The Committee experts' pages: the review queue, a version reviewed cell by cell beside the
previous published one, comments, requests for changes, approval, and drafts prepared for States
that have not reported. Experts and administrators only; every change goes through services.

A refused decision (409) is shown as a message on the review page (`refusals_shown_on`); a version
the user may not see is the 404 page.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from matrices import selectors, services
from matrices.forms import (
    CellCommentForm,
    PrepareForm,
    QueueFilterForm,
    RequestChangesForm,
    UnreportedFilterForm,
    cell_anchor,
)
from portal.accounts.decorators import reviewer_required
from portal.core import pages
from portal.core.exceptions import DomainError, InvalidInput
from portal.core.pages import paginate, refusals_shown_on

QUEUE_PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------
# The queue


@reviewer_required
@require_safe
def review_queue(request):
    """Versions waiting for an expert, oldest submission first; tabs for the other open statuses."""
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "tabs": [], "page": None, "tab": selectors.QUEUE_TABS["waiting"]}
        return render(request, "matrices/review/queue.html", context, status=400)
    tab_key = form.cleaned_data["status"] or "waiting"
    queue = selectors.review_queue(region=form.cleaned_data["region"], regime=form.cleaned_data["regime"])
    page = paginate(request, queue.versions(tab_key), QUEUE_PAGE_SIZE)
    page.object_list = selectors.with_days_waiting(page.object_list, tab_key)
    tabs, query = pages.tabs(request, selectors.QUEUE_TABS, queue.counts, tab_key, param="status")
    context = {
        "form": form,
        "tab": selectors.QUEUE_TABS[tab_key],
        "tab_key": tab_key,
        "tabs": tabs,
        "page": page,
        "query": query,
    }
    return render(request, "matrices/review/queue.html", context)


@reviewer_required
@require_safe
def unreported(request):
    """States with no version at all of a regime's matrix: candidates for a draft prepared by experts."""
    form = UnreportedFilterForm(request.GET if "regime" in request.GET else {**request.GET.dict(), "regime": "1540"})
    if not form.is_valid():
        return render(request, "matrices/review/unreported.html", {"form": form, "states": None}, status=400)
    regime = form.cleaned_data["regime"]
    found = selectors.unreported_states(regime, form.cleaned_data["region"])
    context = {"form": form, "states": found.states, "regime": regime, "show_treaty": found.show_treaty}
    return render(request, "matrices/review/unreported.html", context)


# ---------------------------------------------------------------------------------------------
# One version, cell by cell, one section at a time

# A request from the page's script (static/js/review.js) that wants the cell's thread fragment back
# rather than the whole page: `HX-Request: true`, as htmx sends.
FRAGMENT_HEADER = "HX-Request"


def wants_fragment(request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "true"


def review_url(matrix, *, section="", view="", anchor="") -> str:
    """The review page at a section and view, scrolled to `anchor`: where the expert was."""
    query = urlencode([(key, value) for key, value in (("section", section), ("view", view)) if value])
    return (
        reverse("matrices:review", args=[matrix.pk]) + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")
    )


def _place(data) -> dict:
    """The section and view asked for (`?changed=1`, the old link, is the view of changed cells)."""
    view = data.get("view") or ("published" if data.get("changed") == "1" else None)
    return {"section": data.get("section") or None, "view": view}


def _review_page(request, matrix, *, specs=None, place=None, comment_form=None, changes_form=None, status=200):
    specs = specs if specs is not None else services.layout(matrix.template)
    place = place if place is not None else _place(request.GET)
    page = selectors.review_page(matrix, specs=specs, **place)
    open_cell = comment_form["cell"].value() if comment_form is not None else request.GET.get("cell", "")
    context = {
        "matrix": matrix,
        **page,
        "open_cell": open_cell or "",
        # The section and view in a link's query string, before the cell (`section=OP2&view=all&`).
        "place_query": urlencode({"section": page["section"], "view": page["view"]}) + "&",
        "comment_form": comment_form or CellCommentForm(specs=specs, initial={"cell": open_cell}),
        "changes_form": changes_form or RequestChangesForm(),
        "reviewable": matrix.status in (matrix.Status.SUBMITTED, matrix.Status.IN_REVIEW),
        "commentable": not matrix.is_published,
        "can_edit": services.can_edit(request.user, matrix),
        "workspace_url": reverse("matrices:workspace", args=[matrix.pk]),
    }
    return render(request, "matrices/review/review.html", context, status=status)


def thread_fragment(request, matrix, key, *, place, form=None, status=200):
    """One cell's comment thread, as the review page shows it, for the page's script."""
    context = {
        "matrix": matrix,
        "cell": selectors.cell_thread(matrix, key),
        "commentable": not matrix.is_published,
        "section": place["section"] or "",
        "view": place["view"] or "",
        "comment_form": form,
        "open_cell": "|".join(key) if form is not None else "",
    }
    response = render(request, "matrices/review/_thread.html", context, status=status)
    counts = selectors.open_thread_counts(matrix)
    response["X-Review-Fragment"] = "thread"
    response["X-Open-Threads"] = str(counts["open"])
    response["Vary"] = FRAGMENT_HEADER
    return response


@reviewer_required
@require_safe
def review(request, pk):
    return _review_page(request, services.get_visible(request.user, pk))


@reviewer_required
@require_POST
@refusals_shown_on("matrices:review")
def review_comment(request, pk):
    """A comment on one cell. From the page's script, the cell's thread comes back (with the form and
    its errors when refused); without it, the page at the cell, in the section and view it was in."""
    matrix = services.get_visible(request.user, pk)
    specs = services.layout(matrix.template)
    form = CellCommentForm(request.POST, specs=specs)
    place = _place(request.POST)
    if form.is_valid():
        row, column, aspect = key = form.cell_key()
        try:
            services.add_comment(
                matrix, row=row, column=column, aspect=aspect, body=form.cleaned_data["body"], acting_user=request.user
            )
        except InvalidInput as exc:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error("cell" if field == "row" else field if field in form.fields else None, message)
        else:
            if wants_fragment(request):
                return thread_fragment(request, matrix, key, place=place)
            messages.success(request, _("Your comment on %(row)s was added.") % {"row": row})
            section = place["section"] or next(s.row.section.code for s in specs if s.key == key)
            return redirect(
                review_url(
                    matrix, section=selectors.section_key(section), view=place["view"] or "", anchor=cell_anchor(key)
                )
            )
    if wants_fragment(request) and "cell" not in form.errors:
        return thread_fragment(request, matrix, form.cell_key(), place=place, form=form, status=400)
    return _review_page(request, matrix, specs=specs, place=place, comment_form=form, status=400)


@reviewer_required
@require_POST
@refusals_shown_on("matrices:review")
def request_changes(request, pk):
    """Send the version back to the State; the cells as they are now make the review round the next
    review compares with."""
    matrix = services.get_visible(request.user, pk)
    form = RequestChangesForm(request.POST)
    if not form.is_valid():
        return _review_page(request, matrix, changes_form=form, status=400)
    services.request_changes(matrix, acting_user=request.user, comment=form.cleaned_data["note"])
    messages.success(
        request,
        _("Changes requested: %(state)s sees your comments where it edits version %(v)s.")
        % {"state": matrix.state.name, "v": matrix.version},
    )
    return redirect("matrices:review", pk=matrix.pk)


@reviewer_required
@require_POST
@refusals_shown_on("matrices:review")
def approve(request, pk):
    matrix = services.approve(services.get_visible(request.user, pk), acting_user=request.user)
    if matrix.is_published:
        messages.success(request, _("Approved and published: the State had already consented."))
    else:
        messages.success(request, _("Approved: it will be published once the State consents."))
    return redirect("matrices:review", pk=matrix.pk)


# ---------------------------------------------------------------------------------------------
# Drafts prepared by the experts


@reviewer_required
@require_http_methods(["GET", "HEAD", "POST"])
def prepare(request):
    """An expert starts a draft for a State that has not reported, from official information."""
    if request.method != "POST":
        initial = {key: request.GET[key].upper() for key in ("state", "regime") if request.GET.get(key)}
        return render(request, "matrices/review/prepare.html", {"form": PrepareForm(initial=initial)})
    form = PrepareForm(request.POST)
    if not form.is_valid():
        return render(request, "matrices/review/prepare.html", {"form": form}, status=400)
    try:
        matrix = services.start_draft(form.cleaned_data["state"], form.cleaned_data["regime"], acting_user=request.user)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        # Shown on the form, which keeps the choices (a draft already open, say).
        form.add_error(None, exc.message)
        return render(request, "matrices/review/prepare.html", {"form": form}, status=exc.status)
    messages.success(
        request,
        _("Draft %(regime)s v%(v)s prepared for %(state)s.")
        % {"regime": matrix.regime.code, "v": matrix.version, "state": matrix.state.name},
    )
    return redirect("matrices:workspace", pk=matrix.pk)
