from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_safe

from states.models import RegionalGroup, State, TreatyStatus


@require_safe
def home(request):
    """The front page: what the portal is, and the figures behind it."""
    treaty_counts = (
        TreatyStatus.objects.filter(status=TreatyStatus.Status.PARTY)
        .values("treaty__code")
        .annotate(parties=Count("id"))
        .order_by("treaty__code")
    )
    regions = RegionalGroup.objects.annotate(state_count=Count("states")).order_by("name")
    context = {
        "state_count": State.objects.count(),
        "treaty_counts": {row["treaty__code"]: row["parties"] for row in treaty_counts},
        "regions": regions,
    }
    return render(request, "core/home.html", context)
