"""What the public sees of action plans: a State's published versions only, whoever asks, never a draft,
a version shared with the Committee or a comment (`plans.queries`). An unknown State or an unpublished
version is the 404 page saying so; bad version numbers in a comparison are a 400.
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from plans import queries


@require_safe
def public_latest(request, iso3):
    """The latest published version of a State's action plan."""
    if iso3 != iso3.upper():
        return redirect("plans:public_latest", iso3=iso3.upper(), permanent=True)
    return render(request, "plans/public/plan.html", queries.public_plan(iso3))


@require_safe
def public_version(request, iso3, version):
    """One published version (a published version never changes)."""
    if iso3 != iso3.upper():
        return redirect("plans:public_version", iso3=iso3.upper(), version=version, permanent=True)
    return render(request, "plans/public/plan.html", queries.public_plan(iso3, version))


@require_safe
def public_diff(request, iso3):
    """Two published versions compared item by item: `?from=1&to=2`."""
    return render(request, "plans/public/diff.html", queries.public_diff(iso3, request.GET))
