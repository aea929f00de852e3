"""No request lost, none routed twice: with Redis stopped, a worker killed mid-routing, and fifty
providers claiming at once. Real PostgreSQL, a Redis server of the test's own, real worker processes."""

import functools
import shutil

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assistance import services
from assistance.models import AssistanceRequest, Match, Provider, RoutingJob
from assistance.tests.helpers import draft_request, routed_request, template
from portal.accounts.services import issue_token
from portal.audit.models import AuditEvent
from portal.celery import app as celery_app
from portal.testing.concurrency import all_at_once
from portal.testing.factories import UserFactory
from portal.testing.processes import RedisServer, Worker, use_broker, wait_for

pytestmark = pytest.mark.postgres


@pytest.fixture
def broker(needs_postgres, redis_url, transactional_db):
    """A Redis server that this test alone uses, and this process's Celery app pointed at it."""
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server binary")
    server = RedisServer()
    server.start()
    previous = use_broker(celery_app, server.url)
    try:
        yield server
    finally:
        use_broker(celery_app, previous)
        server.stop()


def redriven_until_routed(request_ids):
    """What beat does every few seconds: send again what is still pending, until all are routed."""
    services.redrive_pending_jobs(older_than_seconds=2)
    return routed_once(request_ids)


def routed_once(request_ids):
    """Each request routed, by exactly one routing run."""
    routed = AssistanceRequest.objects.filter(pk__in=request_ids, status="routed").count() == len(request_ids)
    return routed and all(
        AuditEvent.objects.filter(verb="request.routed", object_id=str(pk)).count() == 1 for pk in request_ids
    )


def api_client_for(user):
    _token, raw = issue_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.redis
def test_submissions_while_redis_is_down_are_kept_and_routed_once_when_it_returns(broker, state_a, state_a_official):
    worker = Worker(broker.url).start()
    try:
        client = api_client_for(state_a_official)
        broker.stop()
        ids = []
        for number in range(5):
            created = client.post("/api/v1/assistance/requests/", template(title=f"Request {number}"), format="json")
            assert created.status_code == 201
            submitted = client.post(f"/api/v1/assistance/requests/{created.json()['id']}/submit/")
            assert submitted.status_code == 200, submitted.content
            ids.append(created.json()["id"])
        assert AssistanceRequest.objects.filter(pk__in=ids, status="submitted").count() == 5
        assert RoutingJob.objects.filter(request_id__in=ids, status="pending").count() == 5

        broker.start()
        # What the beat task does every few seconds; twice, as a duplicate message would.
        assert services.redrive_pending_jobs(older_than_seconds=0) == 5
        services.redrive_pending_jobs(older_than_seconds=0)
        if not wait_for(lambda: redriven_until_routed(ids), timeout=60, interval=0.2):
            pytest.fail(f"not all routed once; worker output:\n{worker.output()}")
        assert RoutingJob.objects.filter(request_id__in=ids).exclude(status="done").count() == 0
        assert all(Match.objects.filter(request_id=pk).count() == 3 for pk in ids)
    finally:
        worker.stop()


@pytest.mark.redis
def test_a_worker_killed_in_the_middle_of_routing_loses_nothing(broker, state_a, state_a_official):
    slow = Worker(broker.url, env={"PORTAL_ASSISTANCE_ROUTING_PAUSE_SECONDS": "30"}).start()
    try:
        request = services.submit(draft_request(state_a, state_a_official), acting_user=state_a_official)
        job = RoutingJob.objects.get(request=request)

        def routing_in_progress():
            with connection.cursor() as cursor:  # the worker holds the job's row lock inside its transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                    "AND l.locktype = 'transactionid'"
                )
                return cursor.fetchone()[0] > 0

        assert wait_for(routing_in_progress, timeout=30), slow.output()
        slow.kill()
    finally:
        slow.stop()
    request.refresh_from_db()
    assert request.status == "submitted" and not request.matches.exists()
    assert RoutingJob.objects.get(pk=job.pk).status == "pending"

    fresh = Worker(broker.url).start()
    try:
        services.redrive_pending_jobs(older_than_seconds=0)
        if not wait_for(lambda: redriven_until_routed([request.pk]), timeout=60, interval=0.2):
            pytest.fail(f"not routed once; worker output:\n{fresh.output()}")
        assert request.matches.count() == 3
    finally:
        fresh.stop()


@pytest.mark.redis
def test_routing_is_never_queued_behind_notifications(broker, state_a, state_a_official):
    """Notifications have a queue of their own, served after routing: in a burst, a request submitted
    after others were routed is routed before their providers are notified."""
    earlier = [routed_request(state_a, state_a_official, title=f"Routed earlier {n}") for n in range(3)]
    waiting = Match.objects.filter(request__in=earlier)
    assert waiting.count() == 9 and not waiting.filter(notified_at__isnull=False).exists()
    later = services.submit(draft_request(state_a, state_a_official), acting_user=state_a_official)

    worker = Worker(broker.url, env={"PORTAL_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"})
    worker.start()
    try:
        if not wait_for(lambda: not Match.objects.filter(notified_at__isnull=True).exists(), timeout=60):
            pytest.fail(f"not all notified; worker output:\n{worker.output()}")
    finally:
        worker.stop()
    later.refresh_from_db()
    assert later.status == "routed"
    assert later.routed_at < min(waiting.values_list("notified_at", flat=True))


def test_fifty_concurrent_claims_have_exactly_one_winner(
    needs_postgres, transactional_db, state_a, state_a_official, expert
):
    request = services.submit(draft_request(state_a, state_a_official), acting_user=state_a_official)
    RoutingJob.objects.filter(request=request).update(status="done")
    providers = Provider.objects.bulk_create(
        Provider(slug=f"donor-{n}", name=f"Donor {n}", kind="state", columns=["CW"]) for n in range(50)
    )
    Match.objects.bulk_create(Match(request=request, provider=p, score=1, reasons=["test"]) for p in providers)
    AssistanceRequest.objects.filter(pk=request.pk).update(status="routed")
    clients = [api_client_for(UserFactory(username=f"staff-{p.slug}", role="provider", provider=p)) for p in providers]

    def claim(client):
        response = client.post(f"/api/v1/assistance/requests/{request.pk}/claim/")
        return response.status_code, response.json().get("code")

    results = all_at_once([functools.partial(claim, client) for client in clients])
    statuses = sorted(code for code, _ in results)
    assert statuses == [200] + [409] * 49
    assert {code for status, code in results if status == 409} == {"already-claimed"}
    winner = providers[next(i for i, (status, _) in enumerate(results) if status == 200)]
    request.refresh_from_db()
    assert request.status == "claimed" and request.claimed_by_id == winner.pk and request.claimed_at
    assert AuditEvent.objects.filter(verb="request.claim", object_id=str(request.pk)).count() == 1
