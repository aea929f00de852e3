"""The Committee experts' assistance pages: every request with its matches (tabs for unmatched,
escalated and the longest waiting), one request with re-routing and assignment by hand, why a
provider is or is not matched, and the turnaround dashboard. Experts and administrators only; every
change goes through services.

A refused re-routing or assignment (409) is shown on the request's page with its status; a request
the expert may not see is the 404 page (`DomainErrorPagesMiddleware`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assistance import selectors, services
from assistance.filtersets import ExpertRequestFilterSet, TurnaroundPageFilterSet
from assistance.forms import AssignForm, WhyNotForm
from assistance.models import AssistanceRequest
from portal.accounts.decorators import reviewer_required
from portal.core import pages
from portal.core.exceptions import DomainError, InvalidInput
from portal.core.pages import paginate

PAGE_SIZE = 50
ASSIGNABLE = (AssistanceRequest.Status.SUBMITTED, AssistanceRequest.Status.ROUTED, AssistanceRequest.Status.UNMATCHED)


# ---------------------------------------------------------------------------------------------
# Every request


@reviewer_required
@require_safe
def request_list(request):
    tab_key = request.GET.get("tab") or "all"
    filterset = ExpertRequestFilterSet(request.GET, queryset=AssistanceRequest.objects.visible_to(request.user))
    form = filterset.form
    context = {"form": form, "tab": selectors.TABS.get(tab_key, selectors.TABS["all"]), "tab_key": tab_key}
    valid = filterset.is_valid()
    if tab_key not in selectors.TABS:
        tabs = ", ".join(selectors.TABS)
        form.add_error(None, _("Unknown tab %(tab)s: choose one of %(tabs)s.") % {"tab": tab_key, "tabs": tabs})
        valid = False
    if not valid:
        return render(request, "assistance/expert/requests.html", {**context, "page": None}, status=400)
    rows, counts = selectors.expert_rows(filterset.qs, tab_key)
    page = selectors.describe_expert_page(paginate(request, rows, PAGE_SIZE))
    tabs, query = pages.tabs(request, selectors.TABS, counts, tab_key, param="tab")
    context.update(page=page, tabs=tabs, query=query)
    return render(request, "assistance/expert/requests.html", context)


# ---------------------------------------------------------------------------------------------
# One request: re-route wider, assign by hand


def _detail_page(request, obj, *, assign_form=None, error=None, status=200):
    context = {
        **selectors.expert_request(obj),
        "assign_form": assign_form or AssignForm(),
        "why_not_form": WhyNotForm(auto_id="why_not_%s"),
        "action_error": error,
    }
    return render(request, "assistance/expert/request.html", context, status=status)


def _refused(request, pk, exc: DomainError, **forms):
    """The request as it is now, with what was refused and why (404s are the error page)."""
    if exc.status == 404:
        raise exc
    obj = services.get_visible(request.user, pk)
    return _detail_page(request, obj, error=exc.message, status=exc.status, **forms)


@reviewer_required
@require_safe
def request_detail(request, pk):
    return _detail_page(request, services.get_visible(request.user, pk))


@reviewer_required
@require_POST
def reroute(request, pk):
    obj = services.get_visible(request.user, pk)
    try:
        services.reroute(obj, acting_user=request.user)
    except DomainError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("The request is being routed again, wider: new matches appear here in a moment."))
    return redirect("assistance:expert_request", pk=pk)


@reviewer_required
@require_POST
def assign(request, pk):
    obj = services.get_visible(request.user, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, obj, assign_form=form, status=400)
    provider, offer = form.cleaned_data["provider"], form.cleaned_data["offer"]
    try:
        services.assign_provider(obj, provider, acting_user=request.user, offer=offer)
    except DomainError as exc:
        return _refused(request, pk, exc, assign_form=form)
    if offer is None:
        done = _("%(provider)s was assigned to the request and notified.") % {"provider": provider.name}
    else:
        done = _("%(provider)s was assigned to the request through its offer “%(offer)s” and notified.") % {
            "provider": provider.name,
            "offer": offer.title,
        }
    messages.success(request, done)
    return redirect("assistance:expert_request", pk=pk)


# ---------------------------------------------------------------------------------------------
# Why not this provider?


@reviewer_required
@require_safe
def why_not(request, pk):
    """Why a provider is, or is not, among the request's matches, offer by offer, with buttons to
    assign it by hand through one of its current offers. 400 for an unknown provider or a request
    without an area or columns."""
    obj = services.get_visible(request.user, pk)
    form = WhyNotForm(request.GET, auto_id="why_not_%s")
    context = {"req": obj, "why_not_form": form, "explanation": None, "error": None}
    if not form.is_valid():
        return render(request, "assistance/expert/why_not.html", context, status=400)
    provider = form.cleaned_data["provider"]
    context["provider"] = provider
    try:
        explanation = services.why_not(obj, provider, acting_user=request.user)
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "assistance/expert/why_not.html", context, status=exc.status)
    current = obj.matches.filter(provider=provider).select_related("offer").first()
    context.update(
        explanation=explanation,
        current_match=current,
        can_assign=obj.status in ASSIGNABLE and provider.active and current is None,
    )
    return render(request, "assistance/expert/why_not.html", context)


# ---------------------------------------------------------------------------------------------
# Turnaround


@reviewer_required
@require_safe
def turnaround(request):
    """Median and 90th percentile of the time to route, claim and deliver, as tables and charts."""
    form = TurnaroundPageFilterSet(request.GET, queryset=AssistanceRequest.objects.none()).form
    context = {"form": form, "figures": None, "periods": selectors.turnaround_periods(request.GET)}
    if not form.is_valid():
        return render(request, "assistance/expert/turnaround.html", context, status=400)
    filters = {name: value for name, value in form.cleaned_data.items() if value is not None}
    if filters.get("since") and filters.get("until") and filters["since"] > filters["until"]:
        form.add_error("until", _("The end of the period comes before its start."))
        return render(request, "assistance/expert/turnaround.html", context, status=400)
    context.update(selectors.turnaround(filters))
    return render(request, "assistance/expert/turnaround.html", context)
