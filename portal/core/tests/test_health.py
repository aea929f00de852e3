"""Health checks, the home page, security headers, correlation ids, error answers and enqueueing."""

import logging

import pytest
from kombu.exceptions import OperationalError

from portal.audit.models import AuditEvent
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import enqueue, record_heartbeat

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def embedded(settings, monkeypatch):
    """The embedded default (no REDIS_URL: tasks run in-process), even when CI sets REDIS_URL."""
    from portal.celery import app

    settings.REDIS_URL = ""
    monkeypatch.setitem(app.conf, "task_always_eager", True)


# Liveness and readiness


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_database_at_all(client):
    # Without the django_db mark any query raises: /healthz must not make one.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_the_database_ok_and_tasks_in_process(client, embedded):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "in-process"
    assert body["status"] == "ready"
    assert body["worker_last_seen"] is None


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = CLOSED_PORT_BROKER
    settings.REDIS_SOCKET_TIMEOUT = 1

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"].startswith("down: ")
    assert "ConnectionError" in body["broker"]


@pytest.mark.django_db
def test_readyz_answers_503_with_retry_after_when_the_database_is_down(client, embedded, monkeypatch):
    from django.db import OperationalError, connection

    reason = 'connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused'

    def refused():
        raise OperationalError(reason)

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == f"down: OperationalError: {reason}"
    assert "worker_last_seen" not in body


@pytest.mark.django_db
def test_readyz_reports_when_a_worker_was_last_seen(client, embedded):
    beat = WorkerHeartbeat.objects.create(hostname="celery@worker-1")

    body = client.get("/readyz").json()

    assert body["worker_last_seen"] == beat.last_seen.isoformat()


@pytest.mark.django_db
def test_health_endpoints_answer_get_only(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


# The home page and security headers


@pytest.mark.django_db
def test_the_home_page_shows_real_figures(client, reference, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="stat">193</div><div>UN Member States</div>' in page
    assert "States parties to the CWC" in page
    assert '<div class="stat">189</div>' in page  # CWC: 193 less Egypt, Israel, DPRK and South Sudan
    assert '<div class="stat">188</div>' in page  # NPT: 193 less India, Israel, Pakistan, South Sudan, DPRK
    assert 'href="/states/?region=Eastern%20European"' in page
    assert '<span class="badge text-bg-secondary">54</span>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/states/?search=jam", "/states/JAM/", "/accounts/login/", "/api/v1/states/JAM/", "/healthz"]
)
def test_responses_carry_the_security_headers(client, reference, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in policy
    assert "'unsafe-inline'" not in directives["script-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/states/JAM/", "/api/v1/states/JAM/"])
def test_answers_to_anonymous_visitors_keep_their_own_caching(client, reference, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/states/JAM/", "/accounts/profile/", "/assistance/requests/", "/api/v1/me/"])
def test_answers_to_a_logged_in_user_are_never_stored(client, state_a_official, url):
    client.force_login(state_a_official)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/states/JAM/", "/api/v1/assistance/requests/"])
def test_api_answers_to_a_token_are_never_stored(token_client, state_a_official, url):
    response = token_client(state_a_official).get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_refused_token_is_not_stored_either(api_client, reference):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get("/api/v1/states/JAM/")

    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_page_that_shows_a_new_token_once_is_never_stored(client, state_a_official):
    from django.urls import reverse

    from portal.accounts.models import ApiToken

    client.force_login(state_a_official)

    response = client.post(reverse("accounts:create_token"), {"name": "reporting", "expires_days": "90"})

    assert response.status_code == 200
    token = ApiToken.objects.get(user=state_a_official)
    assert token.prefix in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_an_answer_that_already_forbids_storing_keeps_its_header(client, state_a_official):
    client.force_login(state_a_official)

    assert "must-revalidate" in client.get("/healthz")["Cache-Control"]


@pytest.mark.django_db
def test_pages_load_no_script_from_another_site(client, reference):
    page = client.get("/states/JAM/").content.decode()

    assert '<script src="/static/' in page
    assert '<script src="http' not in page
    assert "<script>" not in page


# Correlation ids


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) >= 8
    assert first != second


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-req.1540_abc"})

    assert response["X-Request-ID"] == "proxy-req.1540_abc"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>", "ab\\cd/efgh"]
)
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_audit_events_carry_the_incoming_request_id(token_client, state_a_official):
    client = token_client(state_a_official)

    response = client.patch("/api/v1/me/", {"first_name": "Portia"}, format="json", HTTP_X_REQUEST_ID="req-2024-07-abc")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-2024-07-abc"
    event = AuditEvent.objects.get(verb="user.update")
    assert event.correlation_id == "req-2024-07-abc"


@pytest.mark.django_db
def test_without_an_incoming_id_the_audit_event_carries_the_echoed_one(token_client, state_a_official):
    response = token_client(state_a_official).patch("/api/v1/me/", {"last_name": "Simpson"}, format="json")

    event = AuditEvent.objects.get(verb="user.update")
    assert event.correlation_id == response["X-Request-ID"]


# Error answers


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not-found"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_an_unknown_page_answers_the_portals_html_404(client):
    response = client.get("/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_malformed_json_answers_400_parse_error_and_changes_nothing(token_client, state_a_official):
    client = token_client(state_a_official)
    events = AuditEvent.objects.count()

    response = client.patch("/api/v1/me/", data='{"first_name": "Portia",', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse-error"
    assert "JSON" in response.json()["detail"]
    state_a_official.refresh_from_db()
    assert state_a_official.first_name == ""
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_form_encoded_body_answers_415(token_client, state_a_official):
    response = token_client(state_a_official).patch(
        "/api/v1/me/", data="first_name=Portia", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported-media-type"


# Enqueueing background work


@pytest.mark.django_db
def test_enqueue_never_raises_when_the_broker_is_down(monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(record_heartbeat, "apply_async", broker_down)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue(record_heartbeat)

    assert len(callbacks) == 1
    # Caught and logged as a warning by enqueue itself, not left to on_commit's robust fallback.
    assert [(r.name, r.levelname) for r in caplog.records] == [("portal.core.tasks", "WARNING")]
    assert "Broker unavailable: portal.core.tasks.record_heartbeat not sent now" in caplog.text
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_enqueue_sends_nothing_before_the_transaction_commits(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(record_heartbeat, "apply_async", lambda *args, **kwargs: sent.append(kwargs))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue(record_heartbeat)

    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(sent) == 1
    assert "portal_correlation_id" in sent[0]["headers"]


@pytest.mark.django_db
def test_enqueue_passes_the_correlation_id_of_the_request(monkeypatch, django_capture_on_commit_callbacks):
    from portal.audit.context import reset_correlation_id, set_correlation_id

    sent = []
    monkeypatch.setattr(record_heartbeat, "apply_async", lambda *args, **kwargs: sent.append(kwargs))
    token = set_correlation_id("req-correlated-1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            enqueue(record_heartbeat)
    finally:
        reset_correlation_id(token)

    assert sent[0]["headers"] == {"portal_correlation_id": "req-correlated-1"}


@pytest.mark.django_db
def test_without_a_broker_enqueue_runs_the_task_in_process_after_commit(embedded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record_heartbeat)
        assert not WorkerHeartbeat.objects.exists()  # not before the commit

    beat = WorkerHeartbeat.objects.get()
    assert beat.hostname
