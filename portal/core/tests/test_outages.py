"""Outages and contention are answered as such: 503 with Retry-After, never a 500 and never a lost write.

- On SQLite (`make run`), concurrent writes queue behind one another instead of failing with
  "database is locked": a real server on a real database file takes 10 concurrent PATCHes and 20
  concurrent claims, and every write it acknowledged is there afterwards.
- A lock held longer than the busy timeout, or a database that cannot be reached, is a 503 with
  Retry-After (JSON under /api/, a page elsewhere); the next request after it works.
"""

import http.client
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from assistance import services as assistance_services
from assistance.models import AssistanceRequest
from portal.core.middleware import RETRY_AFTER_SECONDS
from portal.testing.concurrency import all_at_once
from portal.testing.pages import logged_in
from portal.testing.processes import free_port, wait_for

# ---------------------------------------------------------------------------------------------
# A real server on a real SQLite file, as `make run` serves it

CONCURRENT_PATCHES = 10
CONCURRENT_CLAIMS = 20

# Run in a process of its own against the database file: the schema, the reference data, then
# officials and providers with their tokens and a request routed to all the providers.
SETUP = f"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_reference", stdout=open("/dev/null", "w"))
from assistance.models import AssistanceRequest, Match, Provider, RoutingJob
from assistance.tests.helpers import draft_request
from assistance import services
from portal.accounts.models import User
from portal.accounts.services import issue_token
from states.models import State

state = State.objects.get(iso3="JAM")
officials = [User.objects.create(username=f"official-{{n}}", role="state_official", state=state)
             for n in range({CONCURRENT_PATCHES})]
request = services.submit(draft_request(state, officials[0]), acting_user=officials[0])
RoutingJob.objects.filter(request=request).update(status="done")
providers = Provider.objects.bulk_create(
    Provider(slug=f"donor-{{n}}", name=f"Donor {{n}}", kind="state", columns=["CW"]) for n in range({CONCURRENT_CLAIMS})
)
Match.objects.bulk_create(Match(request=request, provider=p, score=1, reasons=["test"]) for p in providers)
AssistanceRequest.objects.filter(pk=request.pk).update(status="routed")
staff = [User.objects.create(username=f"staff-{{p.slug}}", role="provider", provider=p) for p in providers]
print(json.dumps({{
    "officials": [[u.pk, issue_token(u)[1]] for u in officials],
    "staff": [[u.provider_id, issue_token(u)[1]] for u in staff],
    "request": request.pk,
}}))
"""


def portal_env(database_file, **extra):
    """The environment of `make run` on `database_file`: SQLite, tasks in-process, no Redis."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "DATABASE_URL": f"sqlite:///{database_file}", "PORTAL_DEBUG": "1", "PORTAL_LOG_LEVEL": "ERROR",
            **extra}  # fmt: skip


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory):
    """A database file with the schema, reference data, officials, providers and a routed request."""
    database_file = tmp_path_factory.mktemp("sqlite-portal") / "portal.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=settings.BASE_DIR, env=portal_env(database_file),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return database_file, json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def served(database_file, **extra_env):
    """`manage.py runserver` (threaded, as `make run` serves) on a free port; yields its base URL."""
    port = free_port()
    log = database_file.with_name(f"server-{port}.log")
    with open(log, "w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR, env=portal_env(database_file, **extra_env), stdout=output, stderr=output,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        up = wait_for(lambda: server.poll() is not None or call(url + "/healthz")[0] == 200, timeout=30)
        assert up and server.poll() is None, log.read_text()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


def call(url, method="GET", token=None, body=None):
    """(status, headers, JSON body or text) of one HTTP request; (0, {}, reason) when nothing answered."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    parts = urlsplit(url)
    server = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        server.request(method, parts.path, json.dumps(body) if body is not None else None, headers)
        answer = server.getresponse()
        status, answer_headers, content = answer.status, answer.headers, answer.read()
    except OSError as error:
        return 0, {}, str(error)
    finally:
        server.close()
    text = content.decode(errors="replace")
    try:
        return status, answer_headers, json.loads(text)
    except ValueError:
        return status, answer_headers, text


def assert_no_server_error(answers):
    """Every answer is a success, a refusal (4xx) or a 503 with Retry-After; never a 500."""
    statuses = Counter(status for status, _headers, _body in answers)
    for status, headers, body in answers:
        assert status != 0 and status < 500 or status == 503, (statuses, body)
        if status == 503:
            assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert body["code"] == "database-unavailable"


def read(database_file, sql, *params):
    with sqlite3.connect(database_file) as database:
        return database.execute(sql, params).fetchall()


def test_sqlite_takes_concurrent_writes_and_keeps_every_acknowledged_one(sqlite_portal):
    database_file, data = sqlite_portal
    with served(database_file) as url:
        patches = all_at_once(
            [
                lambda token=token, n=n: call(url + "/api/v1/me/", "PATCH", token, {"first_name": f"Portia {n}"})
                for n, (_user, token) in enumerate(data["officials"])
            ]
        )
        claims = all_at_once(
            [
                lambda token=token: call(url + f"/api/v1/assistance/requests/{data['request']}/claim/", "POST", token)
                for _provider, token in data["staff"]
            ]
        )

    assert_no_server_error(patches + claims)
    # The busy timeout is far longer than these writes take together: every one of them is served.
    assert [status for status, _headers, _body in patches] == [200] * CONCURRENT_PATCHES
    for n, (user, _token) in enumerate(data["officials"]):
        assert read(database_file, "SELECT first_name FROM accounts_user WHERE id = ?", user) == [(f"Portia {n}",)]
    # Exactly one claim wins; the others are told so. The winner is the one stored.
    statuses = sorted(status for status, _headers, _body in claims)
    assert statuses == [200] + [409] * (CONCURRENT_CLAIMS - 1), statuses
    winner = next(data["staff"][i][0] for i, (status, _h, _b) in enumerate(claims) if status == 200)
    stored = read(database_file, "SELECT status, claimed_by_id FROM assistance_assistancerequest WHERE id = ?",
                  data["request"])  # fmt: skip
    assert stored == [("claimed", winner)]


def test_sqlite_answers_a_lock_held_too_long_with_503_and_the_next_request_works(sqlite_portal):
    database_file, data = sqlite_portal
    user, token = data["officials"][0]
    with served(database_file, PORTAL_SQLITE_BUSY_TIMEOUT="1") as url:
        # Another process holds the write lock longer than the server waits for it.
        blocker = sqlite3.connect(database_file, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            status, headers, body = call(url + "/api/v1/me/", "PATCH", token, {"last_name": "Locked"})
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        assert status == 503, body
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "no-store" in headers["Cache-Control"]
        assert body["code"] == "database-unavailable" and body["detail"]
        assert read(database_file, "SELECT last_name FROM accounts_user WHERE id = ?", user) != [("Locked",)]

        status, _headers, body = call(url + "/api/v1/me/", "PATCH", token, {"last_name": "Unlocked"})
        assert status == 200, body
    assert read(database_file, "SELECT last_name FROM accounts_user WHERE id = ?", user) == [("Unlocked",)]


def test_the_sqlite_database_of_make_run_queues_writers_and_uses_wal():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite options apply to SQLite only")
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


# ---------------------------------------------------------------------------------------------
# Wherever the database fails, the answer is a 503 with Retry-After


def failing(error=OperationalError, message="database is locked"):
    def fail(*args, **kwargs):
        raise error(message)

    return fail


def assert_unavailable(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error, message",
    [
        (OperationalError, "database is locked"),
        (OperationalError, "server closed the connection unexpectedly"),
        (InterfaceError, "connection already closed"),
    ],
)
def test_an_api_call_that_finds_the_database_unavailable_is_a_503_in_json(
    monkeypatch, token_client, state_a_official, error, message
):
    monkeypatch.setattr(assistance_services, "create", failing(error, message))
    client = token_client(state_a_official)

    response = client.post("/api/v1/assistance/requests/", {"title": "Export law"}, format="json")

    assert_unavailable(response)
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database-unavailable"
    assert "try again" in response.json()["detail"]
    assert not AssistanceRequest.objects.exists()


@pytest.mark.django_db
def test_a_page_that_finds_the_database_unavailable_is_a_503_page(monkeypatch, state_a_official):
    monkeypatch.setattr(assistance_services, "create", failing())

    response = logged_in(state_a_official).post(reverse("assistance:new_request"), {"title": "Export law"})

    assert_unavailable(response)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The portal cannot answer for a moment" in page and "try again in a few seconds" in page
    assert not AssistanceRequest.objects.exists()


@pytest.mark.django_db
def test_a_database_failure_outside_any_view_is_a_503_too(monkeypatch, state_a_official):
    from django.contrib.sessions.middleware import SessionMiddleware

    monkeypatch.setattr(SessionMiddleware, "process_response", failing())
    client = logged_in(state_a_official)
    client.raise_request_exception = False

    assert_unavailable(client.get(reverse("assistance:my_requests")))
    assert_unavailable(client.get("/api/v1/me/"))
    assert client.get("/api/v1/me/").json()["code"] == "database-unavailable"


@pytest.mark.django_db
def test_other_failures_are_still_server_errors(monkeypatch, state_a_official):
    monkeypatch.setattr(assistance_services, "create", failing(RuntimeError, "a bug"))
    client = logged_in(state_a_official)
    client.raise_request_exception = False

    response = client.post(reverse("assistance:new_request"), {"title": "Export law"})

    assert response.status_code == 500
    assert "Retry-After" not in response


@contextmanager
def unreachable_database():
    """The database server refuses connections, as while PostgreSQL restarts."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(free_port())
    try:
        yield
    finally:
        settings_dict["HOST"], settings_dict["PORT"] = saved
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_unreachable_database_is_a_503_readyz_says_so_and_then_requests_work(
    needs_postgres, settings, token_client, state_a_official
):
    settings.REDIS_URL = ""  # the database alone is under test
    api, page = token_client(state_a_official), logged_in(state_a_official)

    with unreachable_database():
        during = [api.get("/api/v1/me/"), page.get(reverse("assistance:my_requests")), Client().get("/readyz")]

    for response in during:
        assert_unavailable(response)
    assert during[0].json()["code"] == "database-unavailable"
    assert "The portal cannot answer for a moment" in during[1].content.decode()
    readiness = during[2].json()
    assert readiness["status"] == "unavailable"
    assert readiness["database"].startswith("down: OperationalError") and "refused" in readiness["database"]
    # The first request after the database is back is served.
    assert api.patch("/api/v1/me/", {"first_name": "Portia"}, format="json").status_code == 200
    assert page.get(reverse("assistance:my_requests")).status_code == 200
    assert Client().get("/readyz").status_code == 200
    state_a_official.refresh_from_db()
    assert state_a_official.first_name == "Portia"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_connection_lost_mid_request_is_a_503_and_the_next_request_works(
    needs_postgres, monkeypatch, token_client, state_a_official
):
    create = assistance_services.create

    def connection_lost(*args, **kwargs):
        with connection.cursor() as cursor:  # the server ends this session, as a restart does
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return create(*args, **kwargs)

    client = token_client(state_a_official)
    monkeypatch.setattr(assistance_services, "create", connection_lost)
    lost = client.post("/api/v1/assistance/requests/", {"title": "Export law"}, format="json")
    monkeypatch.setattr(assistance_services, "create", create)
    retried = client.post("/api/v1/assistance/requests/", {"title": "Export law"}, format="json")

    assert_unavailable(lost)
    assert lost.json()["code"] == "database-unavailable"
    assert retried.status_code == 201, retried.content
    assert list(AssistanceRequest.objects.values_list("title", flat=True)) == ["Export law"]
