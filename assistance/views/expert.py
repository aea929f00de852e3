"""The Committee experts' assistance pages: every request with its matches (tabs for unmatched,
escalated and the longest waiting), one request with re-routing and assignment by hand, and the
turnaround dashboard. Experts and administrators only; every change goes through services."""

from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from assistance import metrics, services
from assistance.filtersets import RequestFilterSet, TurnaroundFilterSet
from assistance.models import AssistanceRequest, Match, Provider
from assistance.presentation import (
    REQUEST_FILTER_EMPTY,
    REQUEST_FILTER_LABELS,
    column_labels,
    dress_filter_form,
    error_page,
    needs_with_cells,
)
from portal.accounts import roles
from portal.core.exceptions import DomainError

R = AssistanceRequest.Status
PAGE_SIZE = 50
SHOWN_MATCHES = 3  # per request in the list; the request's page has them all
WAITING = [R.SUBMITTED, R.ROUTED, R.UNMATCHED]

# The quick tabs of the list: which requests each shows, and in which order.
TABS = {
    "all": {
        "label": gettext_lazy("All submitted"),
        "filter": ~Q(status=R.DRAFT),
        "order": [F("submitted_at").desc(nulls_last=True), "-id"],
    },
    "unmatched": {
        "label": gettext_lazy("Unmatched"),
        "filter": Q(status=R.UNMATCHED),
        "order": [F("submitted_at").asc(nulls_last=True), "id"],
    },
    "escalated": {
        "label": gettext_lazy("Escalated, not claimed"),
        "filter": Q(escalated_at__isnull=False, status__in=WAITING),
        "order": [F("escalated_at").asc(), "id"],
    },
    "waiting": {
        "label": gettext_lazy("Waiting longest"),
        "filter": Q(status__in=WAITING),
        "order": [F("submitted_at").asc(nulls_last=True), "id"],
    },
}
LIST_FILTERS = ["status", "area", "region", "state"]


def expert_required(view):
    """Experts and administrators only: the login page for anonymous users, 403 for everyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_reviewer(request.user):
            raise PermissionDenied(_("Only the Committee's experts handle assistance requests."))
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Every request


@expert_required
@require_safe
def request_list(request):
    tab_key = request.GET.get("tab") or "all"
    tab = TABS.get(tab_key, TABS["all"])
    filterset = RequestFilterSet(request.GET, queryset=AssistanceRequest.objects.visible_to(request.user))
    form = filterset.form
    for name in list(form.fields):
        if name not in LIST_FILTERS:
            del form.fields[name]
    # Drafts are the States' work in progress, not requests yet.
    form.fields["status"].choices = [c for c in R.choices if c[0] != R.DRAFT]
    dress_filter_form(form, REQUEST_FILTER_LABELS, REQUEST_FILTER_EMPTY)
    context = {"form": form, "tab": tab, "tab_key": tab_key, "tabs": [], "page": None}
    valid = filterset.is_valid()
    if tab_key not in TABS:
        form.add_error(
            None, _("Unknown tab %(tab)s: choose one of %(tabs)s.") % {"tab": tab_key, "tabs": ", ".join(TABS)}
        )
        valid = False
    if not valid:
        return render(request, "assistance/expert/requests.html", context, status=400)
    filtered = filterset.qs
    counts = filtered.aggregate(**{key: Count("id", filter=info["filter"]) for key, info in TABS.items()})
    rows = (
        filtered.filter(tab["filter"])
        .select_related("state__region", "area", "claimed_by")
        .prefetch_related(Prefetch("matches", queryset=Match.objects.select_related("provider")))
        .order_by(*tab["order"])
    )
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts[tab_key]  # already counted with the tabs: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    for item in page.object_list:
        item.days_waiting = (now - item.submitted_at).days if item.submitted_at and item.status in WAITING else None
        matches = list(item.matches.all())
        item.shown_matches, item.more_matches = matches[:SHOWN_MATCHES], len(matches) - SHOWN_MATCHES
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for key, info in TABS.items():
        query["tab"] = key
        tabs.append(
            {
                "key": key,
                "label": info["label"],
                "count": counts[key],
                "query": query.urlencode(),
                "active": key == tab_key,
            }
        )
    query["tab"] = tab_key
    context.update(tabs=tabs, page=page, query=query.urlencode())
    return render(request, "assistance/expert/requests.html", context)


# ---------------------------------------------------------------------------------------------
# One request: re-route wider, assign by hand


class AssignForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Provider to assign"),
        queryset=Provider.objects.filter(active=True).order_by("name"),
        to_field_name="slug",
        empty_label=gettext_lazy("Choose a provider"),
        error_messages={
            "required": gettext_lazy("Choose the provider to assign."),
            "invalid_choice": gettext_lazy("Choose one of the active providers."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].listed_choices = list(iter(self.fields["provider"].choices))  # no COUNT first


def _detail_page(request, obj, *, assign_form=None, error=None, status=200):
    matches = list(obj.matches.select_related("provider"))
    context = {
        "req": obj,
        "columns": column_labels(obj.columns),
        "matches": matches,
        "needs": needs_with_cells(obj),
        "progress": list(obj.progress.select_related("provider", "author")),
        "active_providers": services.active_providers_in_state(obj.state_id, exclude_request=obj.pk),
        "can_route": obj.status in (R.SUBMITTED, R.ROUTED, R.UNMATCHED),
        "assign_form": assign_form or AssignForm(),
        "action_error": error,
    }
    return render(request, "assistance/expert/request.html", context, status=status)


@expert_required
@require_safe
def request_detail(request, pk):
    try:
        obj = services.get_visible(request.user, pk)
    except DomainError as exc:
        return error_page(request, exc)
    return _detail_page(request, obj)


@expert_required
@require_POST
def reroute(request, pk):
    try:
        obj = services.get_visible(request.user, pk)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        services.reroute_request(obj, acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            return error_page(request, exc)
        return _detail_page(request, services.get_visible(request.user, pk), error=exc.message, status=exc.status)
    messages.success(request, _("The request is being routed again, wider: new matches appear here in a moment."))
    return redirect("assistance:expert_request", pk=pk)


@expert_required
@require_POST
def assign(request, pk):
    try:
        obj = services.get_visible(request.user, pk)
    except DomainError as exc:
        return error_page(request, exc)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, obj, assign_form=form, status=400)
    provider = form.cleaned_data["provider"]
    try:
        services.assign_provider(obj, provider, acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            return error_page(request, exc)
        return _detail_page(
            request, services.get_visible(request.user, pk), assign_form=form, error=exc.message, status=exc.status
        )
    messages.success(request, _("%(provider)s was assigned to the request and notified.") % {"provider": provider.name})
    return redirect("assistance:expert_request", pk=pk)


# ---------------------------------------------------------------------------------------------
# Turnaround


STAGE_LABELS = {
    "time_to_route": gettext_lazy("Time to route"),
    "time_to_claim": gettext_lazy("Time to claim"),
    "time_to_deliver": gettext_lazy("Time to deliver"),
}
BREAKDOWNS = {
    "by_provider": gettext_lazy("By provider (lead)"),
    "by_area": gettext_lazy("By area of assistance"),
    "by_region": gettext_lazy("By UN regional group"),
    "by_regime": gettext_lazy("By regime"),
}
TURNAROUND_LABELS = {
    "provider": gettext_lazy("Provider (lead)"),
    "area": gettext_lazy("Area of assistance"),
    "region": gettext_lazy("UN regional group"),
    "regime": gettext_lazy("Regime"),
    "since": gettext_lazy("Submitted from"),
    "until": gettext_lazy("Submitted until"),
}
TURNAROUND_EMPTY = {
    "provider": gettext_lazy("Any provider"),
    "area": gettext_lazy("Any area"),
    "region": gettext_lazy("Any regional group"),
    "regime": gettext_lazy("Any regime"),
}
PERIODS = [(30, gettext_lazy("Last 30 days")), (90, gettext_lazy("Last 90 days")), (365, gettext_lazy("Last year"))]


def _by_status(figures) -> dict:
    """The counts by status in the lifecycle's order."""
    return {s: figures["by_status"][s] for s in R.values if s in figures["by_status"]}


def chart_data(figures) -> dict:
    """What static/js/turnaround.js draws: one entry per canvas, labels already translated."""
    statuses = dict(R.choices)
    by_status = _by_status(figures)
    charts = {
        "by_status": {
            "type": "bar",
            "labels": [str(statuses[s]) for s in by_status],
            "datasets": [{"label": str(_("Requests")), "data": list(by_status.values())}],
            "unit": str(_("requests")),
        },
        "stages": {
            "type": "bar",
            "labels": [str(label) for label in STAGE_LABELS.values()],
            "datasets": [
                {"label": str(_("Median (hours)")), "data": [figures[s]["median_hours"] for s in STAGE_LABELS]},
                {"label": str(_("90th percentile (hours)")), "data": [figures[s]["p90_hours"] for s in STAGE_LABELS]},
            ],
            "unit": str(_("hours")),
        },
    }
    for key in BREAKDOWNS:
        groups = figures[key]
        charts[key] = {
            "type": "bar",
            # Many groups, or long names (providers, areas), read better as horizontal bars.
            "horizontal": len(groups) > 6 or any(len(group["label"]) > 30 for group in groups),
            "labels": [group["label"] for group in groups],
            "datasets": [
                {
                    "label": str(_("%(stage)s, median (hours)") % {"stage": label}),
                    "data": [group[stage]["median_hours"] for group in groups],
                }
                for stage, label in STAGE_LABELS.items()
            ],
            "unit": str(_("hours")),
        }
    return charts


@expert_required
@require_safe
def turnaround(request):
    """Median and 90th percentile of the time to route, claim and deliver, as tables and charts."""
    filterset = TurnaroundFilterSet(request.GET, queryset=AssistanceRequest.objects.none())
    form = dress_filter_form(filterset.form, TURNAROUND_LABELS, TURNAROUND_EMPTY)
    today = timezone.localdate()
    periods = []
    for days, label in PERIODS:
        query = request.GET.copy()
        query.pop("until", None)
        query["since"] = (today - timedelta(days=days)).isoformat()
        periods.append({"label": label, "query": query.urlencode()})
    context = {"form": form, "figures": None, "periods": periods}
    if not form.is_valid():
        return render(request, "assistance/expert/turnaround.html", context, status=400)
    filters = {name: value for name, value in form.cleaned_data.items() if value is not None}
    if filters.get("since") and filters.get("until") and filters["since"] > filters["until"]:
        form.add_error("until", _("The end of the period comes before its start."))
        return render(request, "assistance/expert/turnaround.html", context, status=400)
    figures = metrics.turnaround(**filters) if filters else metrics.cached_figures()
    statuses = dict(R.choices)
    context.update(
        figures=figures,
        filtered=bool(filters),
        status_counts=[(statuses[s], n) for s, n in _by_status(figures).items()],
        stages=[(label, figures[key]) for key, label in STAGE_LABELS.items()],
        stage_labels=list(STAGE_LABELS.values()),
        breakdowns=[
            {"key": key, "title": title, "groups": [_with_stages(g) for g in figures[key]]}
            for key, title in BREAKDOWNS.items()
        ],
        waiting=[
            {
                **item,
                "status_label": statuses.get(item["status"], item["status"]),
                "waiting_days": round(item["waiting_hours"] / 24, 1),
            }
            for item in figures["waiting_longest"]
        ],
        charts=chart_data(figures),
    )
    return render(request, "assistance/expert/turnaround.html", context)


def _with_stages(group):
    return {**group, "stages": [group[key] for key in STAGE_LABELS]}


urlpatterns = [
    path("expert/", request_list, name="expert_requests"),
    path("expert/turnaround/", turnaround, name="turnaround"),
    path("expert/<int:pk>/", request_detail, name="expert_request"),
    path("expert/<int:pk>/reroute/", reroute, name="expert_reroute"),
    path("expert/<int:pk>/assign/", assign, name="expert_assign"),
]
