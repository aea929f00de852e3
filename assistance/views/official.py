"""The State official's assistance pages: the State's dashboard of requests, the assistance template as a
web form (pre-filled from the gap list), one request with its matches and their reasons, and the actions
on it (submit, withdraw, feedback).

Thin views: they parse the input, call `assistance.services`, and render; a refused action answers with
the status of its domain error (400, 403, 404, 409), never a 500. Every page runs a constant number of
SQL queries whatever the number of requests, needs or matches.
"""

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assistance import services
from assistance.forms import (
    LANGUAGE_NAMES,
    FeedbackForm,
    RequestForm,
    as_form_data,
    cell_groups,
    initial_from,
    parse_cell,
    suggest_area,
    suggest_columns,
)
from assistance.models import AssistanceArea, AssistanceRequest, Provider
from assistance.presentation import cell_details
from matrices.models import Matrix
from matrices.services import state_gaps
from portal.accounts import roles
from portal.core.exceptions import DomainError, InvalidInput, NotVisible
from portal.core.models import IdempotencyRecord

R = AssistanceRequest.Status
WITHDRAWABLE = [R.DRAFT, R.SUBMITTED, R.ROUTED, R.UNMATCHED, R.CLAIMED]
DETAIL_PREFETCH = ("needs__cells", "matches__provider", "progress__provider", "preferred_providers",
                   "approached_providers")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Helpers


def official_required(view):
    """Logged in, and a State official (anyone else: 403; they have their own pages)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_state_official:
            raise PermissionDenied(_("These pages are for State officials."))
        return view(request, *args, **kwargs)

    return wrapper


def _visible(request, pk, queryset=None) -> AssistanceRequest:
    try:
        return services.get_visible(request.user, pk, queryset)
    except NotVisible as exc:
        raise Http404(exc.message) from None


def _detail_url(obj):
    return reverse("assistance:request_detail", args=[obj.pk])


def _problem(request, exc: DomainError, back_url):
    """A refused action: the services' message, with the status of its error (403, 409, 400)."""
    if isinstance(exc, NotVisible):
        raise Http404(exc.message)
    return render(
        request,
        "assistance/official/problem.html",
        {"status": exc.status, "code": exc.code, "message": exc.message, "back_url": back_url},
        status=exc.status,
    )


def next_step(obj) -> str:
    """What the State does next with a request (or what it is waiting for)."""
    match obj.status:
        case R.DRAFT:
            return _("Complete the template and submit it.")
        case R.SUBMITTED:
            return _("Being routed to matching providers.")
        case R.ROUTED:
            return _("Waiting for one of the matched providers to claim it.")
        case R.UNMATCHED:
            return _("No provider fits yet: the Committee's experts are looking for one.")
        case R.CLAIMED:
            return _("%(provider)s is working on it.") % {"provider": obj.claimed_by.name if obj.claimed_by else ""}
        case R.DELIVERED:
            return _("Give your feedback on the assistance delivered.")
        case R.CLOSED:
            return _("Closed after your feedback.")
        case _:
            return _("Withdrawn.")


def _gaps(request):
    """The State's gaps, each with its section's label (what a need can point at)."""
    data = state_gaps(request.user.state, request.user)
    labels = {(s["regime"], s["section"]): s["label"] for s in data["sections"]}
    for gap in data["gaps"]:
        gap["section_label"] = labels.get((gap["regime"], gap["section"]), gap["section"])
    return data["gaps"]


def _form(request, *, data=None, initial=None, slots=0, extra_cells=()):
    """The template form with the areas, providers and the cells a need may point at."""
    gaps = _gaps(request)
    gap_keys = {(g["matrix"], g["row"], g["column"], g["aspect"]) for g in gaps}
    if data is not None:
        slots = max(slots, RequestForm.slots_in(data))
        extra_cells = [
            cell
            for name in data
            if name.startswith("need-") and name.endswith("-cells")
            for cell in map(parse_cell, data.getlist(name))
            if cell
        ]
    extra = [c for c in extra_cells if (c["matrix"], c["row"], c["column"], c["aspect"]) not in gap_keys]
    details = cell_details(
        [(c["matrix"], c["row"]) for c in extra],
        Matrix.objects.visible_to(request.user).filter(state=request.user.state_id),
    )
    extra = [{**c, **details.get((c["matrix"], c["row"]), {})} for c in extra]
    return RequestForm(
        data,
        initial=initial,
        slots=slots,
        areas=list(AssistanceArea.objects.order_by("label")),
        providers=list(Provider.objects.order_by("name")),
        cell_choices=cell_groups(gaps, extra),
    )


def _render_form(request, form, *, obj=None, status=200, prefilled=0):
    form.prepare_widgets()
    return render(
        request,
        "assistance/official/request_form.html",
        {
            "form": form,
            "obj": obj,
            "needs": form.needs(),
            "prefilled": prefilled,
            "max_needs": services.MAX_NEEDS,
            "action_url": reverse("assistance:edit_request", args=[obj.pk])
            if obj
            else reverse("assistance:new_request"),
        },
        status=status,
    )


class FormSentBefore(Exception):
    """The "new request" form with this token was saved already (a double click, a retry)."""


def _claim_form_token(request, token):
    """Record the new-request form's token (inside the saving transaction); FormSentBefore if it was.

    The token is an idempotency key like the API's (user, key, path): a form sent twice at once
    waits here for the first to commit, then finds its record."""
    if not token:
        return None
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user, key=token, path=request.path, status_code=302, body={}
            )
    except IntegrityError:
        raise FormSentBefore from None


def _sent_before(request, token):
    """The answer to a new-request form already saved with this token: the same redirect; else None."""
    if not token:
        return None
    stored = IdempotencyRecord.objects.filter(user=request.user, key=token, path=request.path).first()
    if stored is None or "request" not in stored.body:
        return None
    pk = stored.body["request"]
    if stored.body.get("submitted"):
        messages.success(request, _("Request #%(id)s was submitted and is being routed.") % {"id": pk})
    else:
        messages.success(request, _("Draft #%(id)s was saved.") % {"id": pk})
    return redirect("assistance:request_detail", pk=pk)


def _save(request, form, obj=None):
    """Save (and submit, when asked) through the services; all or nothing. The request, or the form's errors.

    A new request is saved once per form token: FormSentBefore when the form was saved already."""
    data = form.template_data()
    submitting = request.POST.get("action") == "submit"
    try:
        with transaction.atomic():
            if obj is None:
                sent = _claim_form_token(request, form.cleaned_data.get("form_token"))
                obj = services.create_request(request.user.state, data, acting_user=request.user, submitting=submitting)
                if sent is not None:
                    sent.body = {"request": obj.pk, "submitted": submitting}
                    sent.save(update_fields=["body"])
            else:
                obj = services.update_request(obj, data, acting_user=request.user, submitting=submitting)
            if submitting:
                services.submit_request(obj, acting_user=request.user)
    except InvalidInput as exc:
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return None
    if submitting:
        messages.success(request, _("Request #%(id)s was submitted and is being routed.") % {"id": obj.pk})
    else:
        messages.success(request, _("Draft #%(id)s was saved.") % {"id": obj.pk})
    return obj


# ---------------------------------------------------------------------------------------------
# Pages


@official_required
@require_safe
def my_requests(request):
    """The State's dashboard: every request with its status, dates, the provider and what to do next."""
    requests = list(
        AssistanceRequest.objects.visible_to(request.user)
        .filter(state_id=request.user.state_id)
        .select_related("area", "claimed_by")
        .annotate(match_count=Count("matches"))
        .order_by("-created_at", "-id")
    )
    counts = {}
    for obj in requests:
        obj.next_step = next_step(obj)
        counts[obj.status] = counts.get(obj.status, 0) + 1
    summary = [(status, counts[status]) for status in R.values if status in counts]
    return render(
        request,
        "assistance/official/my_requests.html",
        {"state": request.user.state, "requests": requests, "summary": summary},
    )


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_request(request):
    """The assistance template; `?cells=<matrix>|<row>|<column>|<aspect>` (from the gaps page) pre-fills it."""
    if request.method == "POST":
        token = request.POST.get("form_token", "")
        replay = _sent_before(request, token)
        if replay is not None:
            return replay
        form = _form(request, data=request.POST)
        if form.is_valid():
            try:
                obj = _save(request, form)
            except FormSentBefore:
                return _sent_before(request, token) or redirect("assistance:my_requests")
            except DomainError as exc:
                return _problem(request, exc, reverse("assistance:my_requests"))
            if obj is not None:
                return redirect(_detail_url(obj))
        return _render_form(request, form, status=400)
    values = request.GET.getlist("cells")[:200]
    cells = [cell for cell in map(parse_cell, values) if cell]
    if len(cells) < len(values):
        messages.warning(request, _("Some of the selected cells were not understood and were left out."))
    initial = {"form_token": uuid.uuid4().hex}
    if cells:
        gaps = {(g["matrix"], g["row"], g["column"], g["aspect"]): g for g in _gaps(request)}
        described = [
            {**cell, **gaps.get((cell["matrix"], cell["row"], cell["column"], cell["aspect"]), {})} for cell in cells
        ]
        initial |= {
            "need-0-cells": [f"{c['matrix']}|{c['row']}|{c['column']}|{c['aspect']}" for c in cells],
            "columns": suggest_columns(cells),
            "area": suggest_area(described, set(AssistanceArea.objects.values_list("code", flat=True))),
        }
    form = _form(request, initial=initial, extra_cells=cells)
    return _render_form(request, form, prefilled=len(cells))


@official_required
@require_safe
def request_detail(request, pk):
    """One request: its needs and matrix cells, timeline, matches with their reasons, progress, feedback."""
    obj = _visible(request, pk, AssistanceRequest.objects.prefetch_related(*DETAIL_PREFETCH))
    if obj.state_id != request.user.state_id:
        # Another State's request, published with its consent: its public page.
        return redirect("assistance:public_request", pk=obj.pk)
    return _render_detail(request, obj)


def _render_detail(request, obj, *, feedback_form=None, status=200):
    needs = list(obj.needs.all())
    cells = [(c.matrix_id, c.row_code) for need in needs for c in need.cells.all()]
    details = cell_details(cells, Matrix.objects.filter(state_id=obj.state_id))
    for need in needs:
        need.cell_list = [
            {"cell": c, **details.get((c.matrix_id, c.row_code), {})} for c in need.cells.all()
        ]  # fmt: skip
    matches = list(obj.matches.all())
    for match in matches:
        match.is_lead = match.provider_id == obj.claimed_by_id
    timeline = [
        (_("Created"), obj.created_at),
        (_("Submitted"), obj.submitted_at),
        (_("Routed to providers"), obj.routed_at),
        (_("Claimed by a provider"), obj.claimed_at),
        (_("Delivered"), obj.delivered_at),
        (_("Closed after feedback"), obj.closed_at),
    ]
    if obj.escalated_at:
        timeline.append((_("Escalated: routed wider"), obj.escalated_at))
    if obj.withdrawn_at:
        timeline.append((_("Withdrawn"), obj.withdrawn_at))
    if feedback_form is None and obj.status == R.DELIVERED:
        feedback_form = FeedbackForm()
    return render(
        request,
        "assistance/official/request_detail.html",
        {
            "obj": obj,
            "next_step": next_step(obj),
            "needs": needs,
            "matches": matches,
            "supporting": [m for m in matches if m.supporting_since],
            "progress": list(obj.progress.all()),
            "timeline": timeline,
            "can_edit": obj.status == R.DRAFT,
            "can_withdraw": obj.status in WITHDRAWABLE,
            "feedback_form": feedback_form,
            "language_name": LANGUAGE_NAMES.get(obj.language, obj.language),
        },
        status=status,
    )


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_request(request, pk):
    """Change a draft (and submit it, with the form's Submit button)."""
    obj = _visible(request, pk, AssistanceRequest.objects.prefetch_related(*DETAIL_PREFETCH))
    if not roles.is_official_of(request.user, obj.state_id):
        raise PermissionDenied(_("Only the State's officials change its requests."))
    if obj.status != R.DRAFT:
        messages.warning(
            request, _("Only a draft can be changed; this request is %(s)s.") % {"s": obj.get_status_display()}
        )
        return redirect(_detail_url(obj))
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if form.is_valid():
            try:
                saved = _save(request, form, obj)
            except DomainError as exc:
                return _problem(request, exc, _detail_url(obj))
            if saved is not None:
                return redirect(_detail_url(saved))
        return _render_form(request, form, obj=obj, status=400)
    initial, slots = initial_from(obj)
    return _render_form(request, _form(request, initial=initial, slots=slots, extra_cells=_cells_of(initial)), obj=obj)


def _cells_of(initial):
    return [
        cell for name, values in initial.items() if name.endswith("-cells") for cell in map(parse_cell, values) if cell
    ]


@official_required
@require_POST
def submit_request(request, pk):
    """Submit a saved draft for routing; a vague one comes back with the reasons next to the fields."""
    obj = _visible(request, pk, AssistanceRequest.objects.prefetch_related(*DETAIL_PREFETCH))
    try:
        services.submit_request(obj, acting_user=request.user)
    except InvalidInput as exc:
        initial, slots = initial_from(obj)
        form = _form(request, data=as_form_data(initial), slots=slots)
        form.is_valid()
        form.template_data()
        form.add_service_errors(exc.errors)
        form.add_error(None, exc.message)
        return _render_form(request, form, obj=obj, status=400)
    except DomainError as exc:
        return _problem(request, exc, _detail_url(obj))
    messages.success(request, _("Request #%(id)s was submitted and is being routed.") % {"id": obj.pk})
    return redirect(_detail_url(obj))


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_request(request, pk):
    """Withdraw a request before delivery (GET asks for confirmation)."""
    obj = _visible(request, pk)
    if request.method == "POST":
        try:
            services.withdraw_request(obj, acting_user=request.user)
        except DomainError as exc:
            return _problem(request, exc, _detail_url(obj))
        messages.success(request, _("Request #%(id)s was withdrawn.") % {"id": obj.pk})
        return redirect(_detail_url(obj))
    if not roles.is_official_of(request.user, obj.state_id):
        raise PermissionDenied(_("Only the State's officials withdraw its requests."))
    return render(
        request,
        "assistance/official/withdraw.html",
        {"obj": obj, "can_withdraw": obj.status in WITHDRAWABLE},
    )


@official_required
@require_POST
def feedback(request, pk):
    """The State rates delivered assistance; this closes the request."""
    obj = _visible(request, pk, AssistanceRequest.objects.prefetch_related(*DETAIL_PREFETCH))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.give_feedback(
                obj, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"], acting_user=request.user
            )
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        except DomainError as exc:
            return _problem(request, exc, _detail_url(obj))
        else:
            messages.success(request, _("Thank you: your feedback was recorded and the request is closed."))
            return redirect(_detail_url(obj))
    if not roles.is_official_of(request.user, obj.state_id):
        raise PermissionDenied(_("Only the State's officials give feedback on its requests."))
    return _render_detail(request, obj, feedback_form=form, status=400)


urlpatterns = [
    path("requests/", my_requests, name="my_requests"),
    path("requests/new/", new_request, name="new_request"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", edit_request, name="edit_request"),
    path("requests/<int:pk>/submit/", submit_request, name="submit_request"),
    path("requests/<int:pk>/withdraw/", withdraw_request, name="withdraw_request"),
    path("requests/<int:pk>/feedback/", feedback, name="feedback"),
]
