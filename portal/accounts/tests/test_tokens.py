"""API tokens: issued once, stored hashed, read-only capable, expiring and revocable."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.models import ApiToken, User
from portal.accounts.services import issue_token
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def create_token(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# The command


def test_the_command_prints_the_token_once_and_stores_only_its_sha256_digest(state_a_official):
    out, err = create_token("official-a")

    raw = out.strip()
    assert re.fullmatch(r"p1540_[A-Za-z0-9_-]{43}", raw)
    assert out.count(raw) == 1
    assert raw not in err
    assert "shown only this once" in err
    token = ApiToken.objects.get(user=state_a_official)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    assert not token.read_only
    assert token.expires_at is None
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(raw in str(value) for value in stored.values())
    event = AuditEvent.objects.get(verb="token.create", object_id=str(token.pk))
    assert raw not in str(event.after)
    assert event.actor_label == "system"


def test_the_command_issues_a_read_only_expiring_token(state_a_official):
    out, err = create_token("official-a", "--read-only", "--expires-days", "30")

    token = ApiToken.objects.get(user=state_a_official)
    assert token.read_only
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert "read-only" in err
    assert bearer(out.strip()).get(ME).status_code == 200


@pytest.mark.parametrize("days", ["0", "-1", "3651"])
def test_the_command_refuses_an_expiry_out_of_range(state_a_official, days):
    with pytest.raises(CommandError, match="expires after 1 to 3650 days"):
        create_token("official-a", f"--expires-days={days}")

    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_unknown_user(reference):
    with pytest.raises(CommandError, match="No active user named ghost"):
        create_token("ghost")

    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_inactive_user(state_a_official):
    User.objects.filter(pk=state_a_official.pk).update(is_active=False)

    with pytest.raises(CommandError, match="No active user"):
        create_token("official-a")


# Authentication


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("state_a_official", {"username": "official-a", "role": "state_official", "state": "JAM", "provider": None}),
        ("state_b_official", {"username": "official-b", "role": "state_official", "state": "KEN", "provider": None}),
        ("provider_nuclear", {"username": "iaea-staff", "role": "provider", "state": None, "provider": "iaea"}),
        ("expert", {"username": "expert", "role": "expert", "state": None, "provider": None}),
        ("admin_user", {"username": "operator", "role": "admin", "state": None, "provider": None}),
    ],
)
def test_a_bearer_token_authenticates_its_user(request, token_client, persona, expected):
    user = request.getfixturevalue(persona)

    response = token_client(user).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in expected} == expected
    assert body["read_only_token"] is False


def test_me_needs_authentication(api_client, reference):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not-authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_using_a_token_records_when_it_was_last_used(token_client, state_a_official):
    client = token_client(state_a_official)
    token = ApiToken.objects.get(user=state_a_official)
    assert token.last_used_at is None

    client.get(ME)

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_bearer_keyword_is_case_insensitive(state_a_official):
    _token, raw = issue_token(state_a_official)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {raw}")

    assert client.get(ME).json()["username"] == "official-a"


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer p1540_" + "A" * 43, "Bearer", "Bearer two words"],
)
def test_an_unknown_or_malformed_token_answers_401(reference, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_invalid_token_is_refused_even_on_public_endpoints(reference):
    response = bearer("garbage").get("/api/v1/states/")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"


def test_an_expired_token_answers_401(state_a_official):
    token, raw = issue_token(state_a_official, expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(raw).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"


def test_a_revoked_token_answers_401(state_a_official):
    token, raw = issue_token(state_a_official)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    response = bearer(raw).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"


def test_the_token_of_a_deactivated_user_answers_401(state_a_official):
    _token, raw = issue_token(state_a_official)
    User.objects.filter(pk=state_a_official.pk).update(is_active=False)

    assert bearer(raw).get(ME).status_code == 401


# Writing through the API


def test_patch_me_changes_name_and_email_and_writes_an_audit_event(token_client, state_a_official):
    client = token_client(state_a_official)

    response = client.patch(ME, {"first_name": "Portia", "email": "portia@mfa.gov.jm"}, format="json")

    assert response.status_code == 200
    assert response.json()["first_name"] == "Portia"
    assert response.json()["email"] == "portia@mfa.gov.jm"
    state_a_official.refresh_from_db()
    assert state_a_official.first_name == "Portia"
    assert state_a_official.email == "portia@mfa.gov.jm"
    event = AuditEvent.objects.get(verb="user.update")
    assert event.actor == state_a_official
    assert event.object_id == str(state_a_official.pk)
    assert event.before == {"first_name": "", "last_name": "", "email": "official-a@example.org"}
    assert event.after == {"first_name": "Portia", "last_name": "", "email": "portia@mfa.gov.jm"}


def test_patch_me_cannot_change_role_state_or_username(token_client, state_a_official):
    client = token_client(state_a_official)

    response = client.patch(ME, {"role": "admin", "state": "KEN", "username": "root"}, format="json")

    assert response.status_code == 200
    state_a_official.refresh_from_db()
    assert (state_a_official.username, state_a_official.role, state_a_official.state.iso3) == (
        "official-a",
        "state_official",
        "JAM",
    )


def test_patch_me_refuses_an_invalid_email_and_changes_nothing(token_client, state_a_official):
    response = token_client(state_a_official).patch(ME, {"email": "not an address"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "email" in response.json()["errors"]
    state_a_official.refresh_from_db()
    assert state_a_official.email == "official-a@example.org"
    assert not AuditEvent.objects.filter(verb="user.update").exists()


def test_a_read_only_token_may_read_but_not_write(read_only_client, state_a_official):
    events = AuditEvent.objects.count()

    assert read_only_client.get(ME).json()["read_only_token"] is True
    response = read_only_client.patch(ME, {"first_name": "Mallory"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "read-only-token"
    state_a_official.refresh_from_db()
    assert state_a_official.first_name == ""
    assert AuditEvent.objects.count() == events


def test_put_is_not_allowed_on_me(token_client, state_a_official):
    response = token_client(state_a_official).put(ME, {"first_name": "X"}, format="json")

    assert response.status_code == 405


# Tokens on the profile page


def test_a_token_created_on_the_profile_page_is_shown_once(client, state_a_official):
    client.force_login(state_a_official)

    response = client.post("/accounts/tokens/", {"name": "reporting script", "expires_days": "90"})

    assert response.status_code == 200
    raw = re.search(r'<code class="user-select-all" id="new-token">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=state_a_official)
    assert token.name == "reporting script"
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert not token.read_only  # the box was not ticked
    assert token.expires_at is not None
    later = client.get("/accounts/profile/").content.decode()
    assert raw not in later
    assert token.prefix in later
    assert 'id="new-token"' not in later
    assert bearer(raw).get(ME).json()["username"] == "official-a"


def test_a_read_only_token_can_be_created_on_the_profile_page(client, state_a_official):
    client.force_login(state_a_official)

    client.post("/accounts/tokens/", {"name": "dashboard", "read_only": "on"})

    token = ApiToken.objects.get(user=state_a_official)
    assert token.read_only
    assert token.expires_at is None


def test_the_profile_page_refuses_a_bad_expiry(client, state_a_official):
    client.force_login(state_a_official)

    response = client.post("/accounts/tokens/", {"expires_days": "0"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert 'id="new-token"' not in response.content.decode()


def test_creating_a_token_needs_a_login_and_a_post(client, state_a_official):
    assert client.post("/accounts/tokens/", {"name": "x"})["Location"].startswith("/accounts/login/")
    client.force_login(state_a_official)
    assert client.get("/accounts/tokens/").status_code == 405
    assert not ApiToken.objects.exists()


def test_the_token_forms_are_refused_without_their_csrf_token(state_a_official):
    token, _raw = issue_token(state_a_official)
    client = Client(enforce_csrf_checks=True)
    client.force_login(state_a_official)

    assert client.post("/accounts/tokens/", {"name": "forged"}).status_code == 403
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("", None)]


def test_a_token_revoked_on_the_profile_page_stops_working(client, state_a_official):
    token, raw = issue_token(state_a_official)
    assert bearer(raw).get(ME).status_code == 200
    client.force_login(state_a_official)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get(ME).status_code == 401
    event = AuditEvent.objects.get(verb="token.revoke")
    assert event.actor == state_a_official
    assert event.before["revoked_at"] is None
    assert event.after["revoked_at"] is not None
    assert "revoked" in client.get("/accounts/profile/").content.decode()


def test_a_user_cannot_revoke_another_users_token(client, state_a_official, state_b_official):
    token, raw = issue_token(state_b_official)
    client.force_login(state_a_official)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(raw).get(ME).status_code == 200
    assert not AuditEvent.objects.filter(verb="token.revoke").exists()


def test_revoking_needs_a_post(client, state_a_official):
    token, _raw = issue_token(state_a_official)
    client.force_login(state_a_official)

    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_profile_page_lists_only_the_users_own_tokens(client, state_a_official, state_b_official):
    own, _ = issue_token(state_a_official, name="mine")
    other, _ = issue_token(state_b_official, name="theirs")
    client.force_login(state_a_official)

    page = client.get("/accounts/profile/").content.decode()

    assert own.prefix in page
    assert other.prefix not in page


@pytest.mark.parametrize("body", [{}, {"role": "admin"}, {"first_name": ""}])
def test_a_patch_that_changes_nothing_writes_no_audit_event(token_client, state_a_official, body):
    client = token_client(state_a_official)

    response = client.patch(ME, body, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "state_official"
    assert not AuditEvent.objects.filter(verb="user.update").exists()
