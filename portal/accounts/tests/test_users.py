"""Portal users: created by command with a role and its binding, logging in and out, throttled."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from assistance.models import Provider
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "kingston-harbour-1540"
LOCKED_OUT = "Too many failed attempts. Wait 15 minutes and try again."


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", GOOD_PASSWORD)
    return GOOD_PASSWORD


def create_user(username, *args):
    out = io.StringIO()
    call_command("create_portal_user", username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# The command


def test_it_creates_a_state_official_bound_to_a_state(reference, password):
    out = create_user("official-jm", "--role", "state_official", "--state", "jam", "--email", "focal@mfa.gov.jm")

    user = User.objects.get(username="official-jm")
    assert user.role == "state_official"
    assert user.state.iso3 == "JAM"
    assert user.provider is None
    assert user.email == "focal@mfa.gov.jm"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert "Created official-jm (State official for JAM)." in out


def test_it_creates_provider_staff_bound_to_a_provider(reference, password):
    out = create_user("vertic-1", "--role", "provider", "--provider", "vertic")

    user = User.objects.get(username="vertic-1")
    assert user.role == "provider"
    assert user.provider == Provider.objects.get(slug="vertic")
    assert user.state is None
    assert "for vertic" in out


def test_it_creates_an_expert_bound_to_nothing(reference, password):
    create_user("expert-2", "--role", "expert")

    user = User.objects.get(username="expert-2")
    assert (user.role, user.state, user.provider, user.is_staff) == ("expert", None, None, False)


def test_an_admin_is_staff_and_superuser(reference, password):
    create_user("ops", "--role", "admin")

    user = User.objects.get(username="ops")
    assert user.role == "admin"
    assert user.is_staff
    assert user.is_superuser


def test_creating_a_user_writes_an_audit_event_without_the_password(reference, password):
    create_user("official-ke", "--role", "state_official", "--state", "KEN")

    user = User.objects.get(username="official-ke")
    event = AuditEvent.objects.get(verb="user.create", object_id=str(user.pk))
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.object_type == "accounts.user"
    assert event.after["username"] == "official-ke"
    assert event.after["role"] == "state_official"
    assert event.after["state"] == user.state_id
    assert "password" not in event.after
    assert GOOD_PASSWORD not in str(event.after)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "state_official"], "A State official needs --state ISO3."),
        (["--role", "state_official", "--state", "XXX"], "No UN Member State has the ISO code XXX."),
        (["--role", "state_official", "--state", "ESH"], "No UN Member State has the ISO code ESH."),
        (
            ["--role", "state_official", "--state", "JAM", "--provider", "opcw"],
            "Only provider staff belong to a provider.",
        ),
        (["--role", "provider"], "Provider staff need --provider SLUG."),
        (["--role", "provider", "--provider", "nobody"], "No provider has the slug nobody."),
        (["--role", "provider", "--provider", "opcw", "--state", "JAM"], "Only State officials belong to a State."),
        (["--role", "expert", "--state", "JAM"], "Only State officials belong to a State."),
        (["--role", "expert", "--provider", "opcw"], "Only provider staff belong to a provider."),
        (["--role", "admin", "--state", "JAM"], "Only State officials belong to a State."),
    ],
)
def test_it_refuses_a_wrong_binding_with_a_clear_message(reference, password, args, message):
    with pytest.raises(CommandError) as error:
        create_user("someone", *args)

    assert str(error.value) == message
    assert not User.objects.filter(username="someone").exists()
    assert not AuditEvent.objects.filter(verb="user.create").exists()


def test_it_refuses_an_unknown_role(reference, password):
    with pytest.raises(CommandError, match="invalid choice"):
        create_user("someone", "--role", "superhero")


@pytest.mark.parametrize("existing", ["expert-2", "EXPERT-2"])
def test_it_refuses_a_duplicate_username(reference, password, existing):
    create_user("expert-2", "--role", "expert")

    with pytest.raises(CommandError, match="A user named .* already exists."):
        create_user(existing, "--role", "expert")

    assert User.objects.filter(username__iexact="expert-2").count() == 1


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("short1540", "too short"),
        ("password123", "too common"),
        ("12345678901234", "entirely numeric"),
        ("official-new", "too similar"),
    ],
)
def test_it_refuses_a_weak_password(reference, monkeypatch, weak, reason):
    monkeypatch.setenv("PORTAL_PASSWORD", weak)

    with pytest.raises(CommandError, match=reason):
        create_user("official-new", "--role", "state_official", "--state", "JAM")

    assert not User.objects.filter(username="official-new").exists()


def test_without_portal_password_it_prompts_and_refuses_mismatched_entries(reference, monkeypatch):
    monkeypatch.delenv("PORTAL_PASSWORD", raising=False)
    answers = iter([GOOD_PASSWORD, "something else entirely"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    with pytest.raises(CommandError, match="do not match"):
        create_user("expert-3", "--role", "expert")

    assert not User.objects.filter(username="expert-3").exists()


def test_without_portal_password_the_prompted_password_is_used(reference, monkeypatch):
    monkeypatch.delenv("PORTAL_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD_PASSWORD)

    create_user("expert-3", "--role", "expert")

    assert User.objects.get(username="expert-3").check_password(GOOD_PASSWORD)


# The database constraint


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "state_official"},
        {"role": "provider"},
        {"role": "expert", "state_code": "JAM"},
        {"role": "state_official", "state_code": "JAM", "provider_slug": "opcw"},
    ],
)
def test_the_database_refuses_a_user_with_the_wrong_binding(reference, fields):
    from states.models import State

    fields = dict(fields)
    state_code, provider_slug = fields.pop("state_code", None), fields.pop("provider_slug", None)
    state = State.objects.get(iso3=state_code) if state_code else None
    provider = Provider.objects.get(slug=provider_slug) if provider_slug else None

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="unbound", state=state, provider=provider, **fields)

    assert not User.objects.filter(username="unbound").exists()


# Logging in and out


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("state_a_official", ["State official", "Jamaica"]),
        ("expert", ["Committee expert"]),
        ("provider_chemical", ["Provider staff", "Organisation for the Prohibition of Chemical Weapons"]),
        ("admin_user", ["Administrator"]),
    ],
)
def test_every_role_logs_in_on_the_login_page(request, client, persona, shown):
    user = request.getfixturevalue(persona)
    assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/my-work/"  # each role lands on what waits for them
    assert int(client.session["_auth_user_id"]) == user.pk
    page = client.get("/accounts/profile/").content.decode()
    for text in shown:
        assert text in page


def test_the_login_page_follows_a_safe_next_and_ignores_another_host(client, expert):
    response = client.post("/accounts/login/?next=/states/JAM/", {"username": "expert", "password": TEST_PASSWORD})
    assert response["Location"] == "/states/JAM/"
    client.post("/accounts/logout/")

    response = client.post(
        "/accounts/login/?next=https://evil.example/", {"username": "expert", "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/my-work/"


def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client, expert):
    response = client.post("/accounts/login/", {"username": "expert", "password": "wrong password"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_cannot_log_in(client, expert):
    User.objects.filter(pk=expert.pk).update(is_active=False)

    client.post("/accounts/login/", {"username": "expert", "password": TEST_PASSWORD})

    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, expert):
    client.force_login(expert)

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")


def test_the_profile_page_needs_a_login(client, reference):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_the_profile_form_changes_name_and_writes_an_audit_event(client, state_a_official):
    client.force_login(state_a_official)

    response = client.post(
        "/accounts/profile/", {"first_name": "Portia", "last_name": "Simpson", "email": "ps@example.org"}
    )

    assert response.status_code == 302
    state_a_official.refresh_from_db()
    assert (state_a_official.first_name, state_a_official.last_name) == ("Portia", "Simpson")
    event = AuditEvent.objects.get(verb="user.update")
    assert event.actor == state_a_official
    assert event.after["email"] == "ps@example.org"


# Throttling


def fail_login(client, username, times):
    for _ in range(times):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong password"})
        assert response.status_code == 200


def test_after_too_many_failures_even_the_right_password_is_refused_with_429(client, state_a_official):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    fail_login(client, "official-a", settings.LOGIN_FAILURE_LIMIT)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_out_ignores_the_case_of_the_username(client, state_a_official):
    fail_login(client, "OFFICIAL-A", settings.LOGIN_FAILURE_LIMIT)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 429


def test_one_failure_short_of_the_limit_the_right_password_still_works(client, state_a_official):
    fail_login(client, "official-a", settings.LOGIN_FAILURE_LIMIT - 1)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 302


def test_a_successful_login_clears_the_failure_count(client, state_a_official):
    fail_login(client, "official-a", settings.LOGIN_FAILURE_LIMIT - 1)
    client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})
    client.post("/accounts/logout/")
    fail_login(client, "official-a", settings.LOGIN_FAILURE_LIMIT - 1)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 302


def test_locking_out_one_username_leaves_the_others_alone(client, state_a_official, state_b_official):
    fail_login(client, "official-a", settings.LOGIN_FAILURE_LIMIT)

    response = client.post("/accounts/login/", {"username": "official-b", "password": TEST_PASSWORD})

    assert response.status_code == 302


def test_many_failures_from_one_address_do_not_lock_out_another_users_right_password(client, state_a_official):
    # One office behind one address: a colleague's (or an intruder's) failures are not yours.
    for number in range(settings.LOGIN_FAILURE_LIMIT * 4):
        fail_login(client, f"guess-{number}", 1)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 302


# CSRF


def test_the_login_form_is_refused_without_its_csrf_token(state_a_official):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_login_form_works_with_its_csrf_token(state_a_official):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in page.content.decode()

    response = client.post(
        "/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == state_a_official.pk


def test_logout_is_refused_without_its_csrf_token(state_a_official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(state_a_official)

    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session
