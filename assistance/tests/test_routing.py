"""Routing: who is matched and why, exactly once, unmatched requests, escalation, redrive."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assistance import services
from assistance.models import AssistanceRequest, Match, Offer, Provider, RoutingJob
from assistance.reasons import reason_texts
from assistance.tests.helpers import draft_request, routed_request, submit
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_chemical_legislation_request_goes_to_offers_that_fit(state_a, state_a_official):
    request = routed_request(state_a, state_a_official, preferred_providers=["vertic"])
    assert request.status == "routed" and request.routed_at >= request.submitted_at
    matches = list(request.matches.select_related("provider", "offer"))
    assert len(matches) == 3
    for match in matches:
        assert match.offer.provider_id == match.provider_id
        assert "CW" in match.offer.columns
        assert match.offer.areas.filter(code="LEGISLATION").exists()
        assert match.reasons and match.score > 0
    by_slug = {m.provider.slug: m for m in matches}
    # The treaty organisation comes first for a request within its treaty; the State's choice is kept.
    assert matches[0].provider.slug == "opcw" and "treaty mandate: the CWC" in reason_texts(matches[0].reasons)
    assert "preferred by the State" in reason_texts(by_slug["vertic"].reasons)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_a_nuclear_request_never_goes_to_a_chemical_only_provider(state_a, state_a_official):
    request = routed_request(
        state_a, state_a_official, columns=["NW"], area="PHYSICAL_PROTECTION", assistance_type="training"
    )
    slugs = set(request.matches.values_list("provider__slug", flat=True))
    assert "iaea" in slugs and "opcw" not in slugs


def test_routing_the_same_job_twice_changes_nothing_the_second_time(state_a, state_a_official):
    request = submit(draft_request(state_a, state_a_official), state_a_official)
    job = RoutingJob.objects.get(request=request)
    assert services.route(job.pk) == "routed"
    state = (list(Match.objects.values_list("provider_id", "score")), AuditEvent.objects.count())
    request.refresh_from_db()
    routed_at = request.routed_at
    assert services.route(job.pk) == "skipped"
    assert (list(Match.objects.values_list("provider_id", "score")), AuditEvent.objects.count()) == state
    request.refresh_from_db()
    assert request.routed_at == routed_at


def test_a_request_nobody_fits_is_unmatched_and_the_experts_are_alerted(
    state_a, state_a_official, expert, django_capture_on_commit_callbacks
):
    Provider.objects.filter(columns__icontains='"BW"').update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        request = routed_request(
            state_a, state_a_official, columns=["BW"], area="BIOSAFETY_BIOSECURITY", assistance_type="training"
        )
    assert request.status == "unmatched" and not request.matches.exists()
    assert any(f"Request #{request.pk} is unmatched" in m.subject for m in mail.outbox)
    assert expert.email in mail.outbox[-1].to


def test_matched_providers_are_notified_by_email(state_a, state_a_official, django_capture_on_commit_callbacks):
    Provider.objects.update(contact_email="desk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        request = routed_request(state_a, state_a_official)
    subjects = [m.subject for m in mail.outbox if f"#{request.pk}" in m.subject]
    assert len(subjects) == request.matches.count()
    assert all(m.notified_at for m in request.matches.all())


def test_pending_jobs_whose_message_was_lost_are_sent_again(state_a, state_a_official, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "assistance.tasks.route_request_task.apply_async", lambda args, kwargs, headers: sent.append(args)
    )
    request = submit(draft_request(state_a, state_a_official), state_a_official)
    job = RoutingJob.objects.get(request=request)
    RoutingJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(minutes=1))
    assert services.redrive_pending_jobs(older_than_seconds=5) == 1
    assert services.redrive_pending_jobs(older_than_seconds=5) == 0  # just re-sent: not stale yet


def test_unclaimed_requests_are_escalated_once_and_routed_wider(state_a, state_a_official):
    request = routed_request(state_a, state_a_official)
    AssistanceRequest.objects.filter(pk=request.pk).update(routed_at=timezone.now() - timedelta(days=30))
    assert services.escalate_unclaimed(days=14) == 1
    assert services.escalate_unclaimed(days=14) == 0
    job = RoutingJob.objects.filter(request=request, widen=True).get()
    assert services.route(job.pk) == "routed"
    request.refresh_from_db()
    assert request.escalated_at is not None
    assert request.matches.count() > 3


def test_a_withdrawn_request_is_not_routed(state_a, state_a_official):
    request = submit(draft_request(state_a, state_a_official), state_a_official)
    services.withdraw(request, acting_user=state_a_official)
    job = RoutingJob.objects.get(request=request)
    assert services.route(job.pk) == "ignored"
    request.refresh_from_db()
    assert request.status == "withdrawn" and not request.matches.exists()


def test_routing_reads_each_offers_areas_eligibility_use_and_waits_as_they_are_stored(
    state_a, state_a_official, provider_chemical
):
    """`route()` reads offers' relations as id pairs, their use in the period and the waits as computed
    by the database."""
    busy = routed_request(state_a, state_a_official, title="Keeps a provider busy", preferred_providers=["opcw"])
    services.claim(busy, acting_user=provider_chemical)
    busy.refresh_from_db()
    offers = list(Offer.objects.current().prefetch_related("areas", "eligible_regions", "eligible_organizations"))
    profiles = {p.offer.pk: p for p in services.offer_profiles()}
    assert set(profiles) == {o.pk for o in offers}
    for offer in offers:
        profile = profiles[offer.pk]
        assert profile.area_ids == {a.pk for a in offer.areas.all()}
        assert profile.region_ids == {r.pk for r in offer.eligible_regions.all()}
        assert profile.organization_ids == {o.pk for o in offer.eligible_organizations.all()}
    opcw_match = busy.matches.get(provider=busy.claimed_by)
    Offer.objects.filter(pk=opcw_match.offer_id).update(capacity=4, capacity_period="quarter")
    assert services._offer_used(Offer.objects.filter(capacity__isnull=False)) == {opcw_match.offer_id: 1}
    ids = [o.provider_id for o in offers]
    opcw = busy.claimed_by_id
    assert services._claim_hours(ids) == {opcw: [(busy.claimed_at - busy.routed_at).total_seconds() / 3600]}
