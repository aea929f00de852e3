"""Changing one's password, resetting it by e-mail, and an administrator deactivating a user."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from portal.accounts import services
from portal.accounts.models import ApiToken, User
from portal.audit.models import AuditEvent
from portal.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "montego-bay-lighthouse-77"
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


def log_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


# Links


def test_the_login_page_links_to_the_password_reset(client, reference):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/password/reset/"' in page


def test_the_profile_page_links_to_the_password_change(client, expert):
    client.force_login(expert)

    page = client.get("/accounts/profile/").content.decode()

    assert 'href="/accounts/password/"' in page


# Changing one's password


def test_a_user_changes_their_password_and_stays_logged_in(client, expert):
    client.force_login(expert)
    elsewhere = Client()
    elsewhere.force_login(expert)

    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    expert.refresh_from_db()
    assert expert.check_password(NEW_PASSWORD)
    assert client.get("/accounts/profile/").status_code == 200  # this session goes on
    assert elsewhere.get("/accounts/profile/").status_code == 302  # the others end
    event = AuditEvent.objects.get(verb="user.password_change")
    assert (event.actor, event.object_id) == (expert, str(expert.pk))
    assert NEW_PASSWORD not in str(event.before) + str(event.after)


def test_the_password_change_needs_the_current_password(client, expert):
    client.force_login(expert)

    response = client.post(
        "/accounts/password/",
        {"old_password": "not my password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    expert.refresh_from_db()
    assert expert.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


def test_the_password_change_refuses_a_weak_password(client, expert):
    client.force_login(expert)

    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "password1", "new_password2": "password1"},
    )

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


def test_the_password_change_needs_a_login(client, reference):
    response = client.get("/accounts/password/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Resetting it by e-mail


def ask_for_reset(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def reset_link():
    assert len(mail.outbox) == 1
    return RESET_LINK.search(mail.outbox[0].body).group(1)


def set_password(client, link, password=NEW_PASSWORD):
    form_page = client.get(link)
    assert form_page.status_code == 302  # Django moves the token out of the URL into the session
    return client.post(form_page["Location"], {"new_password1": password, "new_password2": password})


def test_a_user_resets_their_password_by_e_mail(client, state_a_official):
    response = ask_for_reset(client, "official-a@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    message = mail.outbox[0]
    assert message.to == ["official-a@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "1540 Portal" in message.subject
    response = set_password(client, reset_link())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"

    assert log_in(Client(), "official-a", NEW_PASSWORD).status_code == 302
    assert log_in(Client(), "official-a", TEST_PASSWORD).status_code == 200
    event = AuditEvent.objects.get(verb="user.password_reset")
    assert event.object_id == str(state_a_official.pk)
    assert event.actor is None


def test_a_reset_link_works_only_once(client, state_a_official):
    ask_for_reset(client, "official-a@example.org")
    link = reset_link()
    set_password(client, link)

    response = Client().get(link, follow=True)

    assert "This link is not valid" in response.content.decode()


def test_an_expired_reset_link_is_refused(client, state_a_official, monkeypatch):
    ask_for_reset(client, "official-a@example.org")
    link = reset_link()
    later = PasswordResetTokenGenerator._now(PasswordResetTokenGenerator()) + timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 1
    )
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    response = client.get(link, follow=True)

    assert "This link is not valid" in response.content.decode()
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 200
    state_a_official.refresh_from_db()
    assert state_a_official.check_password(TEST_PASSWORD)


def test_reset_links_expire_after_a_day():
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60


def test_the_reset_form_does_not_tell_whether_an_address_has_an_account(client, state_a_official):
    known = ask_for_reset(client, "official-a@example.org")
    mail.outbox.clear()
    unknown = ask_for_reset(Client(), "nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []
    page = client.get(known["Location"]).content.decode()
    assert "If an account uses that address" in page


def test_an_inactive_user_gets_no_reset_link(client, state_a_official):
    User.objects.filter(pk=state_a_official.pk).update(is_active=False)

    ask_for_reset(client, "official-a@example.org")

    assert mail.outbox == []


def test_a_reset_lifts_the_login_lock_of_that_username(client, state_a_official):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "official-a", "wrong password")
    assert log_in(client, "official-a", TEST_PASSWORD).status_code == 429

    ask_for_reset(client, "official-a@example.org")
    set_password(client, reset_link())

    assert log_in(client, "official-a", NEW_PASSWORD).status_code == 302


# An administrator deactivates a user


@pytest.fixture
def official_with_tokens(state_a_official):
    services.issue_token(state_a_official, read_only=True)
    _token, raw = services.issue_token(state_a_official)
    return state_a_official, raw


def test_an_admin_deactivates_a_user_and_revokes_all_their_tokens_at_once(client, admin_user, official_with_tokens):
    official, raw = official_with_tokens
    their_session = Client()
    their_session.force_login(official)
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate_and_revoke_tokens", "_selected_action": [official.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 user deactivated, 2 API tokens revoked." in response.content.decode()
    official.refresh_from_db()
    assert not official.is_active
    assert not ApiToken.objects.filter(user=official, revoked_at__isnull=True).exists()
    # Everything they held stops working: the API token, the session, the password.
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert their_session.get("/accounts/profile/").status_code == 302
    assert log_in(Client(), "official-a", TEST_PASSWORD).status_code == 200
    verbs = list(AuditEvent.objects.filter(actor=admin_user).values_list("verb", flat=True).order_by("id"))
    assert verbs == ["user.deactivate", "token.revoke", "token.revoke"]


def test_the_deactivation_is_one_transaction(admin_user, official_with_tokens, monkeypatch):
    official, _raw = official_with_tokens
    original = services.record

    def record_failing_on_tokens(verb, *args, **kwargs):
        if verb == "token.revoke":
            raise RuntimeError("the audit write failed")
        return original(verb, *args, **kwargs)

    monkeypatch.setattr(services, "record", record_failing_on_tokens)

    with pytest.raises(RuntimeError):
        services.deactivate_user(official, acting_user=admin_user)

    official.refresh_from_db()
    assert official.is_active
    assert ApiToken.objects.filter(user=official, revoked_at__isnull=True).count() == 2
    assert not AuditEvent.objects.filter(verb="user.deactivate").exists()


def test_an_admin_cannot_deactivate_themselves(admin_user):
    with pytest.raises(ValidationError, match="your own account"):
        services.deactivate_user(admin_user, acting_user=admin_user)

    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivating_an_inactive_user_only_revokes_what_is_left(admin_user, official_with_tokens):
    official, _raw = official_with_tokens
    services.deactivate_user(official, acting_user=admin_user)

    assert services.deactivate_user(official, acting_user=admin_user) == 0
    assert AuditEvent.objects.filter(verb="user.deactivate").count() == 1
