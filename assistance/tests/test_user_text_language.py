"""The language of what States and providers write (requests, offers, messages, progress notes): recorded
with the text (given, else the writer's interface language), kept on a change, given and checked by the
API, asked for on the offer form, and marked with `lang` and `dir="auto"` where the pages show it."""

import pytest
from django.urls import reverse
from django.utils import translation

from assistance import conversation, offers, services
from assistance.forms import OfferForm
from assistance.models import AssistanceRequest, Match, Message, Offer, Provider
from assistance.tests.helpers import routed_request, template
from assistance.tests.test_offer_pages import form_data
from assistance.tests.test_offers_api import body
from matrices.tests.test_user_text_language import marks
from portal.core.exceptions import InvalidInput
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db
OFFERS = "/api/v1/assistance/offers/"


@pytest.fixture
def routed(state_a, state_a_official):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=True)
    assert request.matches.filter(provider__slug="opcw").exists()
    return request


# --- Offers --------------------------------------------------------------------------------------


def test_an_offer_is_in_the_given_or_the_writers_language_and_keeps_it(provider_chemical):
    with translation.override("fr"):
        french = offers.create(body(title="Revue de la loi"), acting_user=provider_chemical)
    spanish = offers.create(body(language="es"), acting_user=provider_chemical)
    assert (french.language, spanish.language) == ("fr", "es")
    with translation.override("ru"):  # an edit that does not say the language keeps it
        offers.update(french, {"title": "Revue du projet de loi"}, acting_user=provider_chemical)
    french.refresh_from_db()
    assert french.language == "fr" and french.languages == ["en", "es"]  # the languages it works in are apart
    with pytest.raises(InvalidInput) as refused:
        offers.create(body(language="xx"), acting_user=provider_chemical)
    assert "language" in refused.value.errors


def test_the_offers_api_gives_takes_and_checks_the_language(provider_chemical, token_client):
    client = token_client(provider_chemical)
    refused = client.post(OFFERS, body(language="francais"), format="json")
    assert refused.status_code == 400
    assert "Unknown language francais" in refused.json()["errors"]["language"][0]
    created = client.post(OFFERS, body(language="ar"), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "ar"
    offer_url = f"{OFFERS}{created.json()['id']}/"
    changed = client.patch(offer_url, {"language": "fr"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["language"] == "fr"
    kept = client.patch(offer_url, {"title": "Nouveau titre"}, format="json")
    assert kept.json()["language"] == "fr"
    assert client.get(offer_url).json()["language"] == "fr"
    default = client.post(OFFERS, body(), format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert default.json()["language"] == "es"


def test_the_offer_form_asks_the_language_of_its_text(page_clients, provider_chemical):
    with translation.override("ru"):
        assert OfferForm(areas=[], regions=[], organizations=[], states=[]).initial["language"] == "ru"
    new_page = page_clients["opcw"].get(reverse("assistance:provider_offer_new"))
    assert 'name="language"' in new_page.content.decode()
    response = page_clients["opcw"].post(
        reverse("assistance:provider_offer_new"), form_data(title="Formation des inspecteurs", language="fr")
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    offer = Offer.objects.get(title="Formation des inspecteurs")
    assert offer.language == "fr"
    edit = page_clients["opcw"].get(reverse("assistance:provider_offer_edit", args=[offer.pk]))
    assert '<option value="fr" selected>' in edit.content.decode()


def test_the_offer_pages_mark_the_providers_text(provider_chemical):
    offer = offers.create(
        body(title="Examen du projet de loi", description="Un examen article par article.", language="fr"),
        acting_user=provider_chemical,
    )
    visitor = logged_in(None)
    detail = visitor.get(reverse("assistance:offer", args=[offer.pk]))
    assert set(marks(detail, text="Examen du projet de loi")) == {("fr", "auto")}
    assert marks(detail, text="Un examen article par article.") == [("fr", "auto")]
    for page in (reverse("assistance:offers"), reverse("assistance:provider", args=["opcw"])):
        assert marks(visitor.get(page), text="Examen du projet de loi") == [("fr", "auto")]


# --- Requests ------------------------------------------------------------------------------------


def test_a_request_without_a_language_is_in_the_writers(state_a, state_a_official):
    data = template()
    del data["language"]
    with translation.override("zh-hans"):
        request = services.create(state_a, data, acting_user=state_a_official)
    assert request.language == "zh"


def test_the_request_pages_mark_the_states_text(state_a, state_a_official, routed, provider_chemical):
    AssistanceRequest.objects.filter(pk=routed.pk).update(language="es", title="Revisión de la ley química")
    public = logged_in(None).get(reverse("assistance:public_request", args=[routed.pk]))
    assert marks(public, text="Revisión de la ley química") == [("es", "auto")]
    own = logged_in(state_a_official).get(reverse("assistance:request_detail", args=[routed.pk]))
    assert marks(own, text="Revisión de la ley química") == [("es", "auto")]
    assert ("es", "auto") in marks(own, text="Review of the draft Chemical Weapons Bill")
    inbox = logged_in(provider_chemical).get(reverse("assistance:provider_request", args=[routed.pk]))
    assert marks(inbox, text="Revisión de la ley química") == [("es", "auto")]


# --- Messages and progress -----------------------------------------------------------------------


def test_a_message_is_in_the_given_or_the_writers_language(routed, state_a_official, provider_chemical):
    opcw = Provider.objects.get(slug="opcw")
    with translation.override("ar"):
        first = conversation.post(routed, opcw, body="شكرا", acting_user=state_a_official)
    second = conversation.post(routed, opcw, body="Merci", language="fr", acting_user=provider_chemical)
    assert (first.language, second.language) == ("ar", "fr")
    with pytest.raises(InvalidInput) as refused:
        conversation.post(routed, opcw, body="x", language="xx", acting_user=state_a_official)
    assert "language" in refused.value.errors and Message.objects.count() == 2
    page = logged_in(state_a_official).get(reverse("assistance:conversation", args=[routed.pk, "opcw"]))
    assert marks(page, text="شكرا") == [("ar", "auto")]
    assert marks(page, text="Merci") == [("fr", "auto")]


def test_the_messages_api_gives_takes_and_checks_the_language(routed, state_a_official, token_client):
    client = token_client(state_a_official)
    url = f"/api/v1/assistance/requests/{routed.pk}/messages/"
    refused = client.post(url, {"provider": "opcw", "body": "Hola", "language": "spanish"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["errors"]
    written = client.post(url, {"provider": "opcw", "body": "Hola", "language": "es"}, format="json")
    assert written.status_code == 201, written.content
    assert written.json()["language"] == "es"
    default = client.post(url, {"provider": "opcw", "body": "Привет"}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert default.json()["language"] == "ru"
    assert [m["language"] for m in client.get(url, {"provider": "opcw"}).json()["results"]] == ["es", "ru"]


def test_a_progress_note_records_its_language(routed, state_a_official, provider_chemical, token_client):
    services.claim(routed, acting_user=provider_chemical)
    with translation.override("fr"):
        report = services.report_progress(routed, note="Atelier tenu à Kingston", acting_user=provider_chemical)
    assert report.language == "fr"
    client = token_client(provider_chemical)
    url = f"/api/v1/assistance/requests/{routed.pk}/progress/"
    refused = client.post(url, {"note": "x", "language": "xx"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["errors"]
    given = client.post(url, {"note": "Taller en Kingston", "language": "es"}, format="json")
    assert given.status_code == 200, given.content
    assert [p["language"] for p in given.json()["progress"]] == ["fr", "es"]
    page = logged_in(state_a_official).get(reverse("assistance:request_detail", args=[routed.pk]))
    assert marks(page, text="Atelier tenu à Kingston") == [("fr", "auto")]
    assert Match.objects.filter(request=routed, provider__slug="opcw").exists()
