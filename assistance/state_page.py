"""The assistance part of a State's page (`states/state_detail.html`), registered with the states app's
hook (`states/pages.py`) by `AssistanceConfig.ready`.

Everyone sees the State's requests published with its consent and the help delivered on them; the
State's officials and the Committee's experts also how many of its requests are still open, by status;
a provider's staff the State's requests their organisation is matched to. A constant number of queries
for each kind of visitor.
"""

from django.db.models import Count
from django.urls import reverse

from assistance.models import AssistanceRequest
from portal.accounts.roles import is_official_of, is_reviewer

R = AssistanceRequest.Status
# How many published requests and deliveries the page lists; the rest are on the public list.
SHOWN = 10
OPEN = [R.DRAFT, R.SUBMITTED, R.ROUTED, R.UNMATCHED, R.CLAIMED]
DELIVERED = [R.DELIVERED, R.CLOSED]


def state_requests(request, state) -> dict:
    """Context for `assistance/_state_requests.html`."""
    user = request.user
    published = AssistanceRequest.objects.visible_to(None).filter(state=state)
    listed = list(published.select_related("area", "claimed_by").order_by("-submitted_at", "-id")[: SHOWN + 1])
    delivered = list(
        published.filter(status__in=DELIVERED, delivered_at__isnull=False)
        .select_related("claimed_by")
        .order_by("-delivered_at", "-id")[:SHOWN]
    )
    context = {
        "state_requests": listed[:SHOWN],
        "state_requests_more": len(listed) > SHOWN,
        "state_requests_list_url": f"{reverse('assistance:public_index')}?state={state.iso3}",
        "state_deliveries": delivered,
        "state_requests_open": None,
        "state_requests_matched": None,
    }
    official = is_official_of(user, state.pk)
    if official or is_reviewer(user):
        counts = dict(
            AssistanceRequest.objects.filter(state=state, status__in=OPEN)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        context["state_requests_open"] = [
            {"status": status, "label": status.label, "count": counts.get(status.value, 0)} for status in OPEN
        ]
        context["state_requests_open_total"] = sum(counts.values())
        context["state_requests_open_url"] = (
            reverse("assistance:my_requests")
            if official
            else f"{reverse('assistance:expert_requests')}?state={state.iso3}"
        )
    elif user.is_authenticated and user.is_provider_staff and user.provider_id:
        context["state_requests_matched"] = list(
            AssistanceRequest.objects.filter(state=state, matches__provider_id=user.provider_id)
            .exclude(status=R.DRAFT)
            .select_related("area")
            .order_by("-submitted_at", "-id")
            .distinct()[:SHOWN]
        )
    return context
