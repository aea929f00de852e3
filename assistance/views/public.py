"""The public assistance pages: aggregate figures (requests by status, area and region; how long routing,
claiming and delivering take) and the requests States have agreed to publish.

What the public sees is decided in one place, `AssistanceRequest.objects.visible_to(anonymous)`, even
for a logged-in visitor: these pages are the same for everyone. A constant number of SQL queries.
"""

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from assistance import metrics, services
from assistance.forms import LANGUAGE_NAMES
from assistance.models import AssistanceArea, AssistanceRequest
from assistance.presentation import cell_details
from matrices.models import Matrix
from portal.core.exceptions import NotVisible
from portal.core.filters import CodeFilter
from portal.core.templatetags.portal_tags import duration
from states.filtersets import RegionFilter

R = AssistanceRequest.Status
PUBLIC_STATUSES = [status for status in R if status != R.DRAFT]
PAGE_SIZE = 25
STAGE_LABELS = {
    "time_to_route": gettext_lazy("Time to route (submitted to routed)"),
    "time_to_claim": gettext_lazy("Time to claim (routed to claimed)"),
    "time_to_deliver": gettext_lazy("Time to deliver (claimed to delivered)"),
}


class PublicRequestFilterSet(django_filters.FilterSet):
    area = CodeFilter(
        label=gettext_lazy("Area of assistance"),
        queryset=AssistanceArea.objects.order_by("label"),
        to_field_name="code",
        empty_label=gettext_lazy("Any area"),
    )
    region = RegionFilter(field_name="state__region", empty_label=gettext_lazy("Any region"))
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[(s.value, s.label) for s in PUBLIC_STATUSES],
        empty_label=gettext_lazy("Any status"),
    )

    class Meta:
        model = AssistanceRequest
        fields = ["area", "region", "status"]


def _stage_row(label, group):
    return {
        "label": label,
        "requests": group.get("requests", group.get("count")),
        **{name: duration(group[name]["median_hours"]) for name in STAGE_LABELS},
    }


@require_safe
def public_index(request):
    """Aggregate figures, and the requests published with the States' consent (filterable)."""
    figures = metrics.cached_figures()
    published = (
        AssistanceRequest.objects.visible_to(AnonymousUser())
        .select_related("state__region", "area", "claimed_by")
        .order_by("-submitted_at", "-id")
    )
    filterset = PublicRequestFilterSet(request.GET or None, queryset=published)
    valid = filterset.is_valid() if filterset.is_bound else True
    page = Paginator(filterset.qs if valid else published.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    by_status = figures.get("by_status", {})
    total = sum(by_status.values()) or 1
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistance/public/index.html",
        {
            "figures": figures,
            "stages": [
                {
                    "label": label,
                    "count": figures[name]["count"],
                    "median": duration(figures[name]["median_hours"]),
                    "p90": duration(figures[name]["p90_hours"]),
                }
                for name, label in STAGE_LABELS.items()
            ],
            "by_status": [
                {
                    "label": status.label,
                    "count": by_status[status.value],
                    "percent": round(100 * by_status[status.value] / total),
                    "status": status.value,
                }
                for status in PUBLIC_STATUSES
                if by_status.get(status.value)
            ],
            "by_area": [_stage_row(group["label"], group) for group in figures.get("by_area", [])],
            "by_region": [_stage_row(group["label"], group) for group in figures.get("by_region", [])],
            "filter": filterset,
            # Each field's options read once: a ModelChoiceIterator looped over in a template counts its
            # rows, then queries them; iter() skips the count.
            "filter_fields": [(field, list(iter(field.field.choices))) for field in filterset.form],
            "filtered": filterset.is_bound and any(request.GET.get(name) for name in filterset.filters),
            "page": page,
            "query": query.urlencode(),
        },
        status=200 if valid else 400,
    )


@require_safe
def public_request(request, pk):
    """A request published with the State's consent: the template and its needs, never the contact person."""
    try:
        obj = services.get_visible(
            AnonymousUser(), pk, AssistanceRequest.objects.prefetch_related("needs__cells", "matches__provider")
        )
    except NotVisible as exc:
        raise Http404(exc.message) from None
    needs = list(obj.needs.all())
    details = cell_details(
        [(c.matrix_id, c.row_code) for need in needs for c in need.cells.all()],
        Matrix.objects.filter(state_id=obj.state_id),
    )
    for need in needs:
        need.cell_list = [{"cell": c, **details.get((c.matrix_id, c.row_code), {})} for c in need.cells.all()]
    matches = list(obj.matches.all())
    return render(
        request,
        "assistance/public/request.html",
        {
            "obj": obj,
            "needs": needs,
            "supporting": [m.provider for m in matches if m.supporting_since],
            "matched": [m.provider for m in matches],
            "language_name": LANGUAGE_NAMES.get(obj.language, obj.language),
            "timeline": [
                (_("Submitted"), obj.submitted_at),
                (_("Routed to providers"), obj.routed_at),
                (_("Claimed by a provider"), obj.claimed_at),
                (_("Delivered"), obj.delivered_at),
                (_("Closed"), obj.closed_at),
                *([(_("Withdrawn"), obj.withdrawn_at)] if obj.withdrawn_at else []),
            ],
        },
    )


urlpatterns = [
    path("", public_index, name="public_index"),
    path("published/<int:pk>/", public_request, name="public_request"),
]
