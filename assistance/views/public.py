"""The public assistance pages: aggregate figures (requests by status, area and region; how long routing,
claiming and delivering take) and the requests States have agreed to publish.

What the public sees is decided in one place, `AssistanceRequest.objects.visible_to(anonymous)`, even
for a logged-in visitor (`assistance.selectors`): these pages are the same for everyone. A constant
number of SQL queries.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from assistance import selectors
from assistance.filtersets import PUBLIC_STATUSES, PublicRequestFilterSet
from portal.core.languages import language_name
from portal.core.pages import paginate

PAGE_SIZE = 25


@require_safe
def public_index(request):
    """Aggregate figures, and the requests published with the States' consent (filterable)."""
    figures = selectors.public_figures(PUBLIC_STATUSES)
    published = selectors.published_requests()
    filterset = PublicRequestFilterSet(request.GET or None, queryset=published)
    valid = filterset.is_valid() if filterset.is_bound else True
    page = paginate(request, filterset.qs if valid else published.none(), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **figures,
        "form": filterset.form,
        "filtered": filterset.is_bound and any(request.GET.get(name) for name in filterset.filters),
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "assistance/public/index.html", context, status=200 if valid else 400)


@require_safe
def public_request(request, pk):
    """A request published with the State's consent: the template and its needs, never the contact person."""
    context = selectors.public_request(pk)
    context["language_name"] = language_name(context["obj"].language)
    return render(request, "assistance/public/request.html", context)
