"""A logged-in user's interface language: saved (and audited) when chosen, set again at each login."""

import re

import pytest
from django.test import Client

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core import i18n
from portal.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_languages(settings):
    settings.LANGUAGES = list(i18n.UN_LANGUAGES)


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_a_logged_in_users_choice_is_saved_to_their_profile_and_audited(all_languages, state_a_official):
    client = Client()
    client.force_login(state_a_official)

    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/states/"})

    assert response.status_code == 302
    assert response["Location"] == "/states/"
    assert response.cookies["django_language"].value == "ar"
    assert User.objects.get(pk=state_a_official.pk).language == "ar"
    event = AuditEvent.objects.get(verb="user.update", object_id=str(state_a_official.pk))
    assert (event.before, event.after, event.actor) == ({"language": ""}, {"language": "ar"}, state_a_official)


def test_choosing_the_same_language_again_writes_nothing(all_languages, state_a_official):
    state_a_official.language = "fr"
    state_a_official.save()
    client = Client()
    client.force_login(state_a_official)

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert not AuditEvent.objects.filter(verb="user.update").exists()


def test_a_language_not_served_is_not_saved(settings, state_a_official):
    settings.LANGUAGES = [("en", "English")]
    client = Client()
    client.force_login(state_a_official)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert "django_language" not in response.cookies
    assert User.objects.get(pk=state_a_official.pk).language == ""


def test_the_switcher_posts_only(client, reference):
    assert client.get("/i18n/setlang/?language=fr").status_code == 405


def test_the_choice_needs_the_csrf_token(all_languages, state_a_official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(state_a_official)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert response.status_code == 403
    assert User.objects.get(pk=state_a_official.pk).language == ""


def test_login_brings_back_the_saved_language(all_languages, state_a_official):
    state_a_official.language = "fr"
    state_a_official.save()
    client = Client()

    response = client.post("/accounts/login/?next=/states/", {"username": "official-a", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
    assert html_lang(client.get("/states/")) == "fr"


def test_login_without_a_saved_language_keeps_the_visitors(all_languages, state_a_official):
    client = Client()
    client.cookies["django_language"] = "es"

    response = client.post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert "django_language" not in response.cookies
    assert html_lang(client.get("/states/")) == "es"


def test_a_saved_language_no_longer_served_is_not_set_at_login(settings, state_a_official):
    settings.LANGUAGES = [("en", "English")]
    state_a_official.language = "ru"
    state_a_official.save()

    response = Client().post("/accounts/login/", {"username": "official-a", "password": TEST_PASSWORD})

    assert "django_language" not in response.cookies


def test_user_language_is_for_e_mails(all_languages, state_a_official):
    assert i18n.user_language(state_a_official) == "en"
    state_a_official.language = "zh-hans"
    assert i18n.user_language(state_a_official) == "zh-hans"
