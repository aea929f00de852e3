from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from matrices import coverage
from matrices.models import Matrix
from states.filtersets import StateFilterSet
from states.models import Membership, RegionalOrganization, State


@require_safe
def state_list(request):
    """All UN Member States, filtered by region, organisation and treaty status, searchable by name."""
    filterset = StateFilterSet(request.GET or None, queryset=State.objects.with_public_profile())
    valid = filterset.is_valid() if filterset.is_bound else True
    states = list(filterset.qs) if valid else []
    return render(
        request,
        "states/state_list.html",
        {"filter": filterset, "states": states, "filtered": filterset.is_bound},
        status=200 if valid else 400,
    )


@require_safe
def state_detail(request, iso3):
    """One State's public profile, with its matrices: the published versions for everyone, and every
    version for the State's own officials and the Committee's experts (`Matrix.objects.visible_to`)."""
    if iso3 != iso3.upper():
        return redirect("states:detail", iso3=iso3.upper(), permanent=True)
    state = get_object_or_404(State.objects.with_public_profile(), iso3=iso3)
    visible = Matrix.objects.visible_to(request.user).filter(state=state)
    matrices = list(visible.select_related("regime", "template").order_by("regime__order", "-version"))
    # Coverage of the newest version of each regime only (older ones are listed with their dates and
    # links): the page costs the same however many versions a State has reported.
    newest_version = visible.filter(regime=OuterRef("regime")).order_by("-version").values("version")[:1]
    newest = {}
    for matrix in matrices:
        newest.setdefault(matrix.regime_id, matrix)
    sections = coverage.by_matrix(newest.values(), scope=visible.filter(version=Subquery(newest_version)).order_by())
    regimes = {}
    for matrix in matrices:
        matrix.state = state
        matrix.coverage = sections.get(matrix.pk)
        matrix.link = _matrix_link(matrix)
        regimes.setdefault(matrix.regime_id, {"regime": matrix.regime, "versions": []})["versions"].append(matrix)
    return render(request, "states/state_detail.html", {"state": state, "matrix_regimes": list(regimes.values())})


def _matrix_link(matrix):
    """The public page of a published version; the workspace or review page of another one, if any."""
    if matrix.is_published:
        return matrix.get_absolute_url()
    for name in ("matrices:workspace", "matrices:review"):
        try:
            return reverse(name, args=[matrix.pk])
        except NoReverseMatch:
            continue
    return None


@require_safe
def organization_list(request):
    organizations = RegionalOrganization.objects.annotate(
        current_member_count=Count("memberships", filter=~Q(memberships__kind=Membership.Kind.FORMER))
    ).order_by("code")
    return render(request, "states/organization_list.html", {"organizations": organizations})


@require_safe
def organization_detail(request, code):
    organization = get_object_or_404(RegionalOrganization, code=code.upper())
    memberships = organization.memberships.select_related("state__region").order_by("kind", "member_name")
    return render(
        request, "states/organization_detail.html", {"organization": organization, "memberships": memberships}
    )
