"""Shared fixtures: the reference data, one persona per role, API clients, and the services some
tests need (PostgreSQL, Redis, Chromium), skipped with a reason when they are not reachable."""

import io

import pytest
from django.core.management import call_command

from portal.testing.services import browser_unavailable, postgres_unavailable, redis_unavailable


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Each test starts with an empty in-process cache (and never flushes a shared Redis)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_in_process(request, monkeypatch):
    """Background tasks run in-process after commit, as in `make run`, even when REDIS_URL is set;
    only the tests marked `redis` send them through a real broker to a real worker."""
    if request.node.get_closest_marker("redis"):
        return
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Every persona has a password; PBKDF2 at its production work factor costs ~0.5 s a user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference(django_db_blocker):
    """The real reference data (193 States, ...). Reloaded if a transactional test flushed it."""
    from states.models import State

    with django_db_blocker.unblock():
        if not State.objects.exists():
            call_command("load_reference", stdout=io.StringIO())


def UserFactory(**kwargs):
    from portal.testing.factories import UserFactory as factory

    return factory(**kwargs)


# Personas. State A is Jamaica, State B is Kenya.
@pytest.fixture
def state_a(reference):
    from states.models import State

    return State.objects.get(iso3="JAM")


@pytest.fixture
def state_b(reference):
    from states.models import State

    return State.objects.get(iso3="KEN")


@pytest.fixture
def state_a_official(state_a):
    return UserFactory(username="official-a", role="state_official", state=state_a)


@pytest.fixture
def state_b_official(state_b):
    return UserFactory(username="official-b", role="state_official", state=state_b)


@pytest.fixture
def expert(reference):
    return UserFactory(username="expert", role="expert")


@pytest.fixture
def provider_chemical(reference):
    from assistance.models import Provider

    return UserFactory(username="opcw-staff", role="provider", provider=Provider.objects.get(slug="opcw"))


@pytest.fixture
def provider_nuclear(reference):
    from assistance.models import Provider

    return UserFactory(username="iaea-staff", role="provider", provider=Provider.objects.get(slug="iaea"))


@pytest.fixture
def admin_user(reference):
    return UserFactory(username="operator", role="admin", is_staff=True, is_superuser=True)


def _token_client(user, *, read_only=False):
    from rest_framework.test import APIClient

    from portal.accounts.services import issue_token

    _token, raw = issue_token(user, read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_client():
    """token_client(user, read_only=False) -> an APIClient sending that user's new bearer token."""
    return _token_client


@pytest.fixture
def read_only_client(state_a_official):
    return _token_client(state_a_official, read_only=True)


@pytest.fixture
def needs_postgres():
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def redis_url():
    from django.conf import settings

    reason = redis_unavailable(settings.REDIS_URL)
    if reason:
        pytest.skip(reason)
    return settings.REDIS_URL


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright; never a downloaded browser."""
    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
