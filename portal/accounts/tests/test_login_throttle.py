"""Login throttling behind the proxy, under parallel guessing, on the admin login, and per username
and address: one address's failures never lock out another username's right password."""

import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from portal.accounts import throttle
from portal.accounts.models import User
from portal.testing.concurrency import all_at_once
from portal.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_OUT = "Too many failed attempts. Wait 15 minutes and try again."
PROXY = "10.0.0.2"
WRONG_PASSWORD = "wrong password"  # noqa: S105


def attempt(client, username, password=WRONG_PASSWORD, **meta):
    return client.post("/accounts/login/", {"username": username, "password": password}, **meta)


def fail(client, username, times=1, **meta):
    for _ in range(times):
        response = attempt(client, username, **meta)
        assert response.status_code == 200, response.status_code


def via_proxy(client_address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


@pytest.fixture
def behind_proxy(settings):
    settings.LOGIN_TRUST_FORWARDED_FOR = True
    settings.LOGIN_PROXY_COUNT = 1


# The client address


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (False, "203.0.113.5", "10.0.0.2"),
        (True, "203.0.113.5", "203.0.113.5"),
        # What the client sent itself is left of what the proxy appended.
        (True, "198.51.100.66, 203.0.113.5", "203.0.113.5"),
        (True, "", "10.0.0.2"),
        (True, "not-an-address", "10.0.0.2"),
        (True, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_the_proxy_header_only_behind_the_proxy(settings, trusted, forwarded, expected):
    settings.LOGIN_TRUST_FORWARDED_FOR = trusted
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    assert throttle.client_address(request) == expected


def test_behind_a_chain_of_proxies_the_address_is_counted_from_the_right(behind_proxy, settings):
    settings.LOGIN_PROXY_COUNT = 2
    request = RequestFactory().post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5, 10.0.0.1")

    assert throttle.client_address(request) == "203.0.113.5"


# Behind the reverse proxy


def test_behind_the_proxy_twenty_bad_logins_do_not_lock_out_everyone(behind_proxy, client, state_a_official):
    for number in range(settings.LOGIN_FAILURE_LIMIT * 4):
        fail(client, f"guess-{number}", **via_proxy("203.0.113.5"))

    response = attempt(Client(), "official-a", TEST_PASSWORD, **via_proxy("198.51.100.7"))

    assert response.status_code == 302


def test_behind_the_proxy_one_clients_failures_do_not_lock_the_username_for_another(
    behind_proxy, client, state_a_official
):
    fail(client, "official-a", settings.LOGIN_FAILURE_LIMIT, **via_proxy("203.0.113.5"))
    assert attempt(client, "official-a", TEST_PASSWORD, **via_proxy("203.0.113.5")).status_code == 429

    response = attempt(Client(), "official-a", TEST_PASSWORD, **via_proxy("198.51.100.7"))

    assert response.status_code == 302


def test_without_the_proxy_setting_a_forged_header_does_not_escape_the_lock(client, state_a_official):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        fail(client, "official-a", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    response = attempt(client, "official-a", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 429


# Per username and address


def test_a_username_failing_from_one_address_still_logs_in_from_another(client, state_a_official):
    fail(client, "official-a", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="203.0.113.5")

    assert attempt(client, "official-a", TEST_PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 429
    assert attempt(Client(), "official-a", TEST_PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_username_guessed_from_many_addresses_is_locked_everywhere(client, state_a_official):
    for number in range(throttle.USERNAME_FACTOR):
        fail(client, "official-a", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR=f"203.0.113.{number}")

    response = attempt(Client(), "official-a", TEST_PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 429


def test_after_many_failures_an_address_gets_one_try_per_username(client, state_a_official, state_b_official):
    fail(client, "official-b")
    for number in range(settings.LOGIN_FAILURE_LIMIT * throttle.ADDRESS_FACTOR - 1):
        fail(client, f"guess-{number}")

    # Spraying goes on at one try per username; a username that failed from here waits...
    fail(client, "never-tried")
    assert attempt(client, "official-b").status_code == 429
    assert attempt(client, "never-tried").status_code == 429
    # ...a username that has not failed from here still logs in,
    assert attempt(client, "official-a", TEST_PASSWORD).status_code == 302
    # and from elsewhere official-b is not locked at all.
    assert attempt(Client(), "official-b", TEST_PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(client, state_a_official, state_b_official):
    fail(client, "official-b")
    for number in range(settings.LOGIN_FAILURE_LIMIT * throttle.ADDRESS_FACTOR - 1):
        fail(client, f"guess-{number}")
    # One valid account of the sprayer's own...
    assert attempt(client, "official-a", TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    # ...buys no new tries at the others.
    assert attempt(client, "official-b", TEST_PASSWORD).status_code == 429


def test_a_successful_login_does_not_reset_another_usernames_count(client, state_a_official, state_b_official):
    fail(client, "official-b", settings.LOGIN_FAILURE_LIMIT - 1)
    assert attempt(client, "official-a", TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    fail(client, "official-b")

    response = attempt(client, "official-b", TEST_PASSWORD)

    assert response.status_code == 429


# Counting before checking


def test_an_attempt_is_counted_before_its_password_is_checked(client, state_a_official, monkeypatch):
    """Ten guesses, each arriving while the previous one's password is being checked: the way
    parallel requests interleave, made deterministic. Only the limit's worth are checked."""
    checked, statuses = [], []
    original = User.check_password

    def guess():
        number = len(statuses)
        statuses.append(None)
        statuses[number] = attempt(Client(), "official-a").status_code

    def check_password(self, raw_password):
        checked.append(raw_password)
        while len(statuses) < 10:
            guess()  # arrives while this password is still being checked
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", check_password)
    recursion_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(recursion_limit, 5000))  # ten requests nested in one another
    try:
        guess()
    finally:
        sys.setrecursionlimit(recursion_limit)

    assert len(checked) == settings.LOGIN_FAILURE_LIMIT
    assert sorted(statuses) == [200] * settings.LOGIN_FAILURE_LIMIT + [429] * (10 - settings.LOGIN_FAILURE_LIMIT)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_wrong_passwords_get_only_the_limit_checked(needs_postgres, state_a_official, monkeypatch):
    checked = []
    original = User.check_password

    def slow_check_password(self, raw_password):
        checked.append(raw_password)
        time.sleep(0.3)  # every other guess arrives while this one is being checked
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check_password)
    statuses = all_at_once([lambda: attempt(Client(), "official-a").status_code] * 20)

    # Exactly the limit: never more, and never fewer (guesses counting one another and all giving
    # their try back would leave the password unchecked and the pair not locked).
    assert len(checked) == settings.LOGIN_FAILURE_LIMIT
    assert sorted(statuses) == [200] * settings.LOGIN_FAILURE_LIMIT + [429] * (20 - settings.LOGIN_FAILURE_LIMIT)
    assert attempt(Client(), "official-a", TEST_PASSWORD).status_code == 429


# The admin login


def test_the_admin_login_is_throttled(client, admin_user):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post("/admin/login/", {"username": "operator", "password": "wrong password"})
        assert response.status_code == 200

    response = client.post("/admin/login/?next=/admin/", {"username": "operator", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_the_portal_login_count_on_the_admin_login(client, admin_user):
    fail(client, "operator", settings.LOGIN_FAILURE_LIMIT)

    response = client.post("/admin/login/", {"username": "operator", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# The lockout page


def test_the_lockout_page_is_a_429_in_the_portals_layout(client, state_a_official):
    fail(client, "official-a", settings.LOGIN_FAILURE_LIMIT)

    response = attempt(client, "official-a", TEST_PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "accounts/locked_out.html" in [template.name for template in response.templates]
    page = response.content.decode()
    assert LOCKED_OUT in page
    assert 'href="/accounts/password/reset/"' in page


def test_the_limit_and_lockout_come_from_the_portal_settings(client, settings, state_a_official):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_SECONDS = 120
    fail(client, "official-a", 2)

    response = attempt(client, "official-a", TEST_PASSWORD)

    assert response.status_code == 429
    assert "Wait 2 minutes" in response.content.decode()


def test_failures_older_than_the_lockout_are_forgotten(client, settings, state_a_official):
    from axes.models import AccessAttempt

    fail(client, "official-a", settings.LOGIN_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - throttle.cool_off() - timedelta(seconds=1))

    assert attempt(client, "official-a", TEST_PASSWORD).status_code == 302
