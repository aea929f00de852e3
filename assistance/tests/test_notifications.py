"""Matched providers hear of a request: e-mail, and a webhook signed with HMAC-SHA256, retried on failure."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assistance.models import Notification, Provider
from assistance.reasons import reason_texts
from assistance.tasks import WebhookError, notify_provider_task
from assistance.tests.helpers import routed_request

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


@pytest.fixture
def hook():
    """A provider's webhook endpoint on 127.0.0.1 that records what it receives."""
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(answers.pop(0) if answers else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, answers
    server.shutdown()


def test_a_matched_provider_receives_a_signed_webhook_once(hook, state_a, state_a_official):
    url, received, _answers = hook
    Provider.objects.filter(slug="opcw").update(webhook_url=url, webhook_secret=SECRET)
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    match = request.matches.get(provider__slug="opcw")
    assert notify_provider_task(match.pk) == "sent"
    headers, body = received[0]
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Portal-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "request.matched" and payload["request"] == request.pk and payload["state"] == "JAM"
    assert payload["reasons"] == reason_texts(match.reasons)
    notify_provider_task(match.pk)  # a retry of the task does not send twice
    assert len(received) == 1
    assert Notification.objects.get(match=match, channel="webhook").sent_at is not None


def test_a_failing_webhook_is_retried_and_sent_when_it_recovers(hook, state_a, state_a_official):
    url, received, answers = hook
    Provider.objects.filter(slug="opcw").update(webhook_url=url, webhook_secret=SECRET)
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    match = request.matches.get(provider__slug="opcw")
    answers.append(503)
    with pytest.raises(WebhookError):
        notify_provider_task.run(match.pk)  # the task's body: Celery retries it with backoff
    failed = Notification.objects.get(match=match, channel="webhook")
    assert failed.sent_at is None and "503" in failed.last_error and failed.attempts == 1
    notify_provider_task.run(match.pk)
    sent = Notification.objects.get(pk=failed.pk)
    assert sent.sent_at is not None and sent.attempts == 2 and len(received) == 2
    assert notify_provider_task.autoretry_for == (WebhookError,) and notify_provider_task.max_retries == 6
