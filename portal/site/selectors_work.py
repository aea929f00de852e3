"""What "My work" reads: for each role, what waits for the user's action, each item with the page
where the action is.

- A State official: the State's versions to work on (drafts, changes requested, approved and
  awaiting the State's consent) with their number of comments; the requests delivered and awaiting
  the State's feedback; the State's other open requests.
- A Committee expert or an administrator: the review queue (how many, the oldest waiting first),
  the unmatched requests and the escalated ones no provider has claimed.
- A provider's staff: the requests routed to their organisation awaiting a claim, and their work
  (the requests they lead or support that are not delivered yet).

Reads only, a constant number of queries whatever the number of versions or requests: each section
is one aggregate (its counts) and one bounded list (its first `SHOWN` items).
"""

from types import SimpleNamespace

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from assistance.models import AssistanceRequest, Match
from matrices.models import Matrix

M = Matrix.Status
R = AssistanceRequest.Status
SHOWN = 8  # items listed per section; the section's count and link give the rest

STATE_VERSION_STATUSES = [M.CHANGES_REQUESTED, M.APPROVED, M.DRAFT]
OPEN_REQUEST_STATUSES = [R.DRAFT, R.SUBMITTED, R.ROUTED, R.UNMATCHED, R.CLAIMED]
REQUEST_WAITING = [R.SUBMITTED, R.ROUTED, R.UNMATCHED]
QUEUE_WAITING = [M.SUBMITTED, M.IN_REVIEW]
# A comment is open until its cell's thread is resolved (matrices.models.Comment.resolved_at).
OPEN_COMMENTS = Count("comments", filter=Q(comments__resolved_at__isnull=True))


def my_work(user) -> SimpleNamespace:
    """The sections of the user's "My work" page (`kind` says whose view it is)."""
    if user.is_reviewer:
        return SimpleNamespace(kind="expert", **expert_work())
    if user.is_state_official and user.state_id:
        return SimpleNamespace(kind="official", **official_work(user))
    if user.is_provider_staff and user.provider_id:
        return SimpleNamespace(kind="provider", **provider_work(user))
    return SimpleNamespace(kind="none")


def _days_since(moment, now):
    return (now - moment).days if moment else None


# ---------------------------------------------------------------------------------------------
# A State official


def official_work(user) -> dict:
    now = timezone.now()
    versions = list(
        Matrix.objects.filter(state_id=user.state_id, status__in=STATE_VERSION_STATUSES)
        .select_related("regime")
        .annotate(comment_count=OPEN_COMMENTS)
        .order_by("regime__order", "-version")[: SHOWN * 2]
    )
    for matrix in versions:
        matrix.url = reverse("matrices:workspace", args=[matrix.pk])
    # Drafts and versions sent back are the State's to change; approved ones wait for its consent.
    to_change = [m for m in versions if m.status in (M.DRAFT, M.CHANGES_REQUESTED)]
    to_consent = [m for m in versions if m.status == M.APPROVED]

    requests = AssistanceRequest.objects.visible_to(user).filter(state_id=user.state_id)
    counts = requests.aggregate(
        feedback=Count("id", filter=Q(status=R.DELIVERED)),
        open=Count("id", filter=Q(status__in=OPEN_REQUEST_STATUSES)),
    )
    listed = requests.select_related("area", "claimed_by")
    awaiting_feedback = list(
        listed.filter(status=R.DELIVERED).order_by(F("delivered_at").asc(nulls_last=True), "id")[:SHOWN]
    )
    open_requests = list(listed.filter(status__in=OPEN_REQUEST_STATUSES).order_by("-created_at", "-id")[:SHOWN])
    for obj in awaiting_feedback:
        obj.url = reverse("assistance:request_detail", args=[obj.pk])
        obj.days_waiting = _days_since(obj.delivered_at, now)
    for obj in open_requests:
        obj.url = reverse("assistance:request_detail", args=[obj.pk])
    return {
        "to_change": to_change,
        "to_consent": to_consent,
        "comment_total": sum(m.comment_count for m in to_change),
        "awaiting_feedback": awaiting_feedback,
        "feedback_count": counts["feedback"],
        "open_requests": open_requests,
        "open_count": counts["open"],
        "nothing": not versions and not counts["feedback"] and not counts["open"],
    }


# ---------------------------------------------------------------------------------------------
# A Committee expert (and an administrator)


def expert_work() -> dict:
    now = timezone.now()
    queue = Matrix.objects.filter(status__in=QUEUE_WAITING)
    queue_figures = queue.aggregate(count=Count("id"), oldest=Min("submitted_at"))
    waiting = list(
        queue.select_related("state", "regime")
        .annotate(comment_count=OPEN_COMMENTS)
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")[:SHOWN]
    )
    for matrix in waiting:
        matrix.url = reverse("matrices:review", args=[matrix.pk])
        matrix.days_waiting = _days_since(matrix.submitted_at, now)

    unmatched_q = Q(status=R.UNMATCHED)
    escalated_q = Q(escalated_at__isnull=False, status__in=REQUEST_WAITING)
    requests = AssistanceRequest.objects.filter(unmatched_q | escalated_q)
    counts = requests.aggregate(
        total=Count("id"), unmatched=Count("id", filter=unmatched_q), escalated=Count("id", filter=escalated_q)
    )
    needing = list(
        requests.select_related("state", "area").order_by(F("submitted_at").asc(nulls_last=True), "id")[:SHOWN]
    )
    for obj in needing:
        obj.url = reverse("assistance:expert_request", args=[obj.pk])
        obj.days_waiting = _days_since(obj.submitted_at, now)
        obj.is_escalated = obj.escalated_at is not None and obj.status in REQUEST_WAITING
    return {
        "queue_count": queue_figures["count"],
        "queue_oldest_days": _days_since(queue_figures["oldest"], now),
        "waiting": waiting,
        "unmatched_count": counts["unmatched"],
        "escalated_count": counts["escalated"],
        "needing": needing,
        "needing_count": counts["total"],
        "nothing": not queue_figures["count"] and not counts["total"],
    }


# ---------------------------------------------------------------------------------------------
# A provider's staff


def provider_work(user) -> dict:
    now = timezone.now()
    provider_id = user.provider_id
    own_match = Match.objects.filter(request=OuterRef("pk"), provider_id=provider_id)
    supporting = own_match.filter(supporting_since__isnull=False)
    awaiting_q = Q(status=R.ROUTED, routed_here=True)
    ours_q = Q(status=R.CLAIMED) & (Q(claimed_by_id=provider_id) | Q(supported_here=True))
    requests = AssistanceRequest.objects.annotate(routed_here=Exists(own_match), supported_here=Exists(supporting))
    counts = requests.aggregate(awaiting=Count("id", filter=awaiting_q), ours=Count("id", filter=ours_q))
    listed = requests.select_related("state", "area")
    awaiting = list(listed.filter(awaiting_q).order_by(F("routed_at").asc(nulls_last=True), "id")[:SHOWN])
    ours = list(listed.filter(ours_q).order_by(F("claimed_at").asc(nulls_last=True), "id")[:SHOWN])
    for obj in awaiting:
        obj.url = reverse("assistance:provider_request", args=[obj.pk])
        obj.days_waiting = _days_since(obj.routed_at, now)
    for obj in ours:
        obj.url = reverse("assistance:provider_request", args=[obj.pk])
        obj.leading = obj.claimed_by_id == provider_id
    return {
        "awaiting": awaiting,
        "awaiting_count": counts["awaiting"],
        "ours": ours,
        "ours_count": counts["ours"],
        "nothing": not counts["awaiting"] and not counts["ours"],
    }
