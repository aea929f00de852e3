from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.accounts.roles import is_official_of, is_reviewer
from portal.core.collation import sorted_by
from portal.core.exceptions import NotFound
from states.filtersets import StateFilterSet
from states.models import Membership, RegionalOrganization, State
from states.pages import ORGANIZATION_PAGE, STATE_PAGE, page_context


@require_safe
def state_list(request):
    """All UN Member States, filtered by region, organisation and treaty status, searchable by name, in
    the order of the active language (`portal.core.collation`)."""
    filterset = StateFilterSet(request.GET or None, queryset=State.objects.with_public_profile())
    valid = filterset.is_valid() if filterset.is_bound else True
    # By name as a reader of the page's language sorts it ("Émirats arabes unis" among the E's).
    states = sorted_by(filterset.qs, lambda state: state.name) if valid else []
    return render(
        request,
        "states/state_list.html",
        {"filter": filterset, "states": states, "filtered": filterset.is_bound},
        status=200 if valid else 400,
    )


@require_safe
def state_detail(request, iso3):
    """The one place for a State: its public profile, with what other apps show of it (`states/pages.py`):
    its matrices, national reports, action plan and its progress, points of contact designated, and
    its published assistance requests and the help delivered. The State's officials, the Committee's
    experts and providers' staff find their own links and figures in the same sections."""
    if iso3 != iso3.upper():
        return redirect("states:detail", iso3=iso3.upper(), permanent=True)
    state = State.objects.with_public_profile().filter(iso3=iso3).first()
    if state is None:
        raise NotFound(_("No UN Member State has the ISO code %(iso3)s.") % {"iso3": iso3})
    user = request.user
    context = {
        "state": state,
        # What the visitor may do about the State besides reading its page: their own links, shown in the
        # sections they belong to.
        "viewer": {
            "official": is_official_of(user, state.pk),
            "reviewer": is_reviewer(user),
            "provider": bool(user.is_authenticated and user.is_provider_staff and user.provider_id),
        },
        **page_context(STATE_PAGE, request, state),
    }
    # The parts other apps render with their own templates (`states/state_detail.html` includes them),
    # shown once their app registers the section that gives them their context.
    context["includes"] = {name: key in context for name, key in INCLUDES.items()}
    return render(request, "states/state_detail.html", context)


# The included parts of the State page, by the context key of the section that fills them:
# `matrices/_national_reports.html`, `plans/_state_plan.html`, `states/_contacts.html`.
INCLUDES = {"reports": "national_reports", "plan": "plan_latest", "contacts": "contacts_designated"}


@require_safe
def organization_list(request):
    organizations = RegionalOrganization.objects.annotate(
        current_member_count=Count("memberships", filter=~Q(memberships__kind=Membership.Kind.FORMER))
    ).order_by("code")
    return render(request, "states/organization_list.html", {"organizations": organizations})


@require_safe
def organization_detail(request, code):
    """A regional organisation and its members, with what other apps show of them: the matrices app the
    coverage of its member States' published matrices (`states/pages.py`, `matrices/coverage.py`)."""
    organization = RegionalOrganization.objects.filter(code=code.upper()).first()
    if organization is None:
        raise NotFound(_("No regional organisation has the code %(code)s.") % {"code": code.upper()})
    memberships = organization.memberships.select_related("state__region").order_by("kind", "member_name")
    # By kind, then by name in the reader's alphabetical order (a member State under its translated name).
    by_name = sorted_by(memberships, lambda m: m.state.name if m.state else m.member_name)
    memberships = sorted(by_name, key=lambda m: m.kind)
    context = {
        "organization": organization,
        "memberships": memberships,
        **page_context(ORGANIZATION_PAGE, request, organization, memberships),
    }
    return render(request, "states/organization_detail.html", context)
