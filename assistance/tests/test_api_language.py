"""The assistance API answers in the language of Accept-Language: a match's reasons (stored
language-neutral, still a list of sentences) and the `detail` of an error."""

import pytest
from django.test.utils import override_settings

from assistance.tests.helpers import draft_request, routed_request
from portal.accounts.services import issue_token
from portal.core.i18n import UN_LANGUAGES
from portal.testing.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("six_languages")]
URL = "/api/v1/assistance/requests/"


@pytest.fixture
def six_languages():
    """settings.LANGUAGES lists only the languages served yet; these tests ask for French."""
    with override_settings(LANGUAGES=list(UN_LANGUAGES)):
        yield


@pytest.fixture
def routed_to_opcw(state_a, state_a_official):
    return routed_request(state_a, state_a_official, preferred_providers=["opcw"])


def opcw_reasons(client, request, language):
    response = client.get(f"{URL}{request.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    (match,) = [m for m in response.json()["matches"] if m["provider"] == "opcw"]
    assert isinstance(match["reasons"], list) and all(isinstance(r, str) for r in match["reasons"])
    return match["reasons"]


@pytest.mark.parametrize("who", ["official_a", "opcw", "expert"])
def test_match_reasons_follow_accept_language(api_clients, routed_to_opcw, who):
    english = opcw_reasons(api_clients[who], routed_to_opcw, "en")
    french = opcw_reasons(api_clients[who], routed_to_opcw, "fr")
    assert "preferred by the State" in english and "choisi par l'État" not in english
    assert "choisi par l'État" in french and "preferred by the State" not in french
    assert len(english) == len(french)


def test_list_answers_give_the_reasons_in_the_language_asked_for(api_clients, routed_to_opcw):
    response = api_clients["official_a"].get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    (item,) = [r for r in response.json()["results"] if r["id"] == routed_to_opcw.pk]
    reasons = [reason for m in item["matches"] if m["provider"] == "opcw" for reason in m["reasons"]]
    assert "choisi par l'État" in reasons


def test_readers_outside_the_request_still_get_no_reasons(api_clients, routed_to_opcw):
    response = api_clients["official_b"].get(f"{URL}{routed_to_opcw.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200  # published with consent: the matches without scores or reasons
    matches = response.json()["matches"]
    assert matches and all(m["score"] is None and m["reasons"] == [] for m in matches)


def test_an_error_detail_follows_accept_language(api_clients, api_client, routed_to_opcw):
    """A 409 from a domain error (another provider claimed first) is explained in French."""
    other = routed_to_opcw.matches.exclude(provider__slug="opcw").select_related("provider").first().provider
    _token, raw = issue_token(UserFactory(username="other-staff", role="provider", provider=other))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/").status_code == 200
    french = api_client.post(f"{URL}{routed_to_opcw.pk}/claim/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 409 and french.json()["code"] == "already-claimed"
    assert french.json()["detail"] == "Un autre prestataire a déjà pris en charge cette demande."
    english = api_client.post(f"{URL}{routed_to_opcw.pk}/claim/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 409
    assert english.json()["detail"] == "Another provider has already claimed this request."


def test_an_invalid_input_detail_follows_accept_language(api_clients, state_a, state_a_official):
    """A 400 from a domain error (a request too vague to submit) is explained in French."""
    request = draft_request(state_a, state_a_official, needs=[])
    french = api_clients["official_a"].post(f"{URL}{request.pk}/submit/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400 and list(french.json()["errors"]) == ["needs"]
    assert french.json()["detail"] == "La demande n'est pas assez précise pour être soumise."
    english = api_clients["official_a"].post(f"{URL}{request.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "The request is not specific enough to submit."
