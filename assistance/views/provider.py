"""Provider staff's pages: the inbox of requests routed to their organisation, one request with its
needs and the matrix cells they address, and the actions on it (claim, release, join as supporting,
report progress, mark delivered). Provider staff only; every change goes through services."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from assistance import services
from assistance.filtersets import RequestFilterSet
from assistance.models import MAX_TEXT, AssistanceRequest, Match
from assistance.presentation import (
    REQUEST_FILTER_EMPTY,
    REQUEST_FILTER_LABELS,
    column_labels,
    dress_filter_form,
    error_page,
    needs_with_cells,
)
from portal.core.exceptions import DomainError, InvalidInput

R = AssistanceRequest.Status
PAGE_SIZE = 50


def provider_required(view):
    """Provider staff only: the login page for anonymous users, 403 for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_provider_staff and request.user.provider_id):
            raise PermissionDenied(_("Only provider staff see the requests routed to their organisation."))
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Forms


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Progress note"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write what has been done.")},
    )


class DeliverForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("What was delivered"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say what was delivered.")},
    )


# ---------------------------------------------------------------------------------------------
# The inbox


def routed_to(user):
    """The requests routed to the user's organisation, among those the user may see."""
    return AssistanceRequest.objects.visible_to(user).filter(
        pk__in=Match.objects.filter(provider_id=user.provider_id).values("request_id")
    )


@provider_required
@require_safe
def inbox(request):
    """The requests routed to the organisation, newest submission first, with the score and reasons."""
    provider_id = request.user.provider_id
    filterset = RequestFilterSet(request.GET, queryset=routed_to(request.user))
    form = dress_filter_form(filterset.form, REQUEST_FILTER_LABELS, REQUEST_FILTER_EMPTY)
    if not filterset.is_valid():
        return render(request, "assistance/provider/inbox.html", {"form": form, "page": None}, status=400)
    rows = (
        filterset.qs.select_related("state__region", "area", "claimed_by")
        .prefetch_related(
            Prefetch("matches", queryset=Match.objects.filter(provider_id=provider_id), to_attr="own_matches")
        )
        .order_by(F("submitted_at").desc(nulls_last=True), "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.own_match = item.own_matches[0] if item.own_matches else None
        item.column_labels = column_labels(item.columns)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistance/provider/inbox.html",
        {"form": form, "page": page, "query": query.urlencode(), "provider_id": provider_id},
    )


# ---------------------------------------------------------------------------------------------
# One request and the actions on it


def _routed_request(request, pk):
    return services.get_visible(request.user, pk, routed_to(request.user))


def _detail_page(request, obj, *, progress_form=None, deliver_form=None, error=None, status=200):
    provider_id = request.user.provider_id
    matches = list(obj.matches.select_related("provider"))
    own = next((m for m in matches if m.provider_id == provider_id), None)
    lead = obj.status == R.CLAIMED and obj.claimed_by_id == provider_id
    supporting = bool(own and own.supporting_since)
    context = {
        "req": obj,
        "columns": column_labels(obj.columns),
        "own_match": own,
        "supporters": [m for m in matches if m.supporting_since],
        "needs": needs_with_cells(obj),
        "active_providers": [
            item
            for item in services.active_providers_in_state(obj.state_id, exclude_request=obj.pk)
            if not (own and item["slug"] == own.provider.slug)
        ],
        "progress": list(obj.progress.select_related("provider", "author")),
        "lead": lead,
        "delivered_by_us": obj.claimed_by_id == provider_id,
        "supporting": supporting,
        "can_claim": obj.status == R.ROUTED,
        "can_join": obj.status == R.CLAIMED and not lead and not supporting,
        "can_report": obj.status == R.CLAIMED and (lead or supporting),
        "progress_form": progress_form or ProgressForm(),
        "deliver_form": deliver_form or DeliverForm(),
        "action_error": error,
    }
    return render(request, "assistance/provider/request.html", context, status=status)


@provider_required
@require_safe
def request_detail(request, pk):
    try:
        obj = _routed_request(request, pk)
    except DomainError as exc:
        return error_page(request, exc)
    return _detail_page(request, obj)


def _act(request, pk, perform, success, *, form_class=None, form_key=None):
    """Run one action through the services; a refusal is shown on the request page with its status."""
    try:
        obj = _routed_request(request, pk)
    except DomainError as exc:
        return error_page(request, exc)
    form = form_class(request.POST) if form_class else None
    forms_ = {form_key: form} if form else {}
    if form is not None and not form.is_valid():
        return _detail_page(request, obj, status=400, **forms_)
    try:
        perform(obj, **(form.cleaned_data if form else {}))
    except InvalidInput as exc:
        if form is not None:
            for field, errors in exc.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        return _detail_page(request, obj, error=exc.message, status=exc.status, **forms_)
    except DomainError as exc:
        if exc.status == 404:
            return error_page(request, exc)
        # The page shows the request as it is now, with what was refused and why.
        return _detail_page(request, _routed_request(request, pk), error=exc.message, status=exc.status, **forms_)
    messages.success(request, success)
    return redirect("assistance:provider_request", pk=pk)


@provider_required
@require_POST
def claim(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.claim_request(obj, acting_user=request.user),
        _("Your organisation leads this request now. The other matched providers may join as supporting."),
    )


@provider_required
@require_POST
def release(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.release_request(obj, acting_user=request.user),
        _("You released the request: the other matched providers may claim it."),
    )


@provider_required
@require_POST
def join(request, pk):
    return _act(
        request,
        pk,
        lambda obj: services.join_request(obj, acting_user=request.user),
        _("Your organisation supports this request now."),
    )


@provider_required
@require_POST
def progress(request, pk):
    return _act(
        request,
        pk,
        lambda obj, note: services.report_progress(obj, note=note, acting_user=request.user),
        _("Your progress report was saved."),
        form_class=ProgressForm,
        form_key="progress_form",
    )


@provider_required
@require_POST
def deliver(request, pk):
    return _act(
        request,
        pk,
        lambda obj, summary: services.deliver_request(obj, summary=summary, acting_user=request.user),
        _("Marked delivered: the State is asked for its feedback."),
        form_class=DeliverForm,
        form_key="deliver_form",
    )


urlpatterns = [
    path("provider/", inbox, name="provider_inbox"),
    path("provider/<int:pk>/", request_detail, name="provider_request"),
    path("provider/<int:pk>/claim/", claim, name="provider_claim"),
    path("provider/<int:pk>/release/", release, name="provider_release"),
    path("provider/<int:pk>/join/", join, name="provider_join"),
    path("provider/<int:pk>/progress/", progress, name="provider_progress"),
    path("provider/<int:pk>/deliver/", deliver, name="provider_deliver"),
]
