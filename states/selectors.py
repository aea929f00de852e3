"""Reads about States that pages of other apps show: the figures of the home page."""

from django.db.models import Count

from states.models import RegionalGroup, State, TreatyStatus


def figures() -> dict:
    """How many States, how many are party to each treaty, and the regional groups with their size."""
    treaty_counts = (
        TreatyStatus.objects.filter(status=TreatyStatus.Status.PARTY)
        .values("treaty__code")
        .annotate(parties=Count("id"))
        .order_by("treaty__code")
    )
    return {
        "state_count": State.objects.count(),
        "treaty_counts": {row["treaty__code"]: row["parties"] for row in treaty_counts},
        "regions": RegionalGroup.objects.annotate(state_count=Count("states")).order_by("name"),
    }
