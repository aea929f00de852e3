"""A match's reasons are stored language-neutral (message id and parameters) and shown in the reader's
language; reasons stored as English text by older routing runs are still shown."""

import pytest
from django.core import mail
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

from assistance import routing, services
from assistance.models import AssistanceArea, Provider
from assistance.reasons import plural_reason, reason, reason_texts
from assistance.tasks import notify_provider_task
from assistance.tests.helpers import routed_request
from portal.core.i18n import UN_LANGUAGES
from portal.testing.pages import logged_in
from states.models import State

pytestmark = pytest.mark.django_db

ALL_LANGUAGES = override_settings(LANGUAGES=list(UN_LANGUAGES))
PREFERRED_FR = "choisi par l'État"


def french(reasons, **kwargs):
    with translation.override("fr"):
        return reason_texts(reasons, **kwargs)


def test_a_reason_is_shown_in_the_readers_language():
    stored = [reason("preferred by the State")]
    assert reason_texts(stored) == ["preferred by the State"]
    assert french(stored) == [PREFERRED_FR]


def test_codes_become_labels_in_the_readers_language():
    stored = [
        reason("offers %(type)s", type="legislative_drafting"),
        reason("%(left)s of %(cap)s requests left %(period)s", left=1, cap=4, period="year"),
        reason("covers %(cols)s", cols=["BW", "CW"]),
    ]
    assert reason_texts(stored) == ["offers legislative drafting", "1 of 4 requests left per year", "covers BW, CW"]
    assert french(stored) == [
        "offre rédaction législative",
        "1 demande(s) restante(s) sur 4 par an",
        "couvre BW, CW",
    ]


def test_a_plural_reason_follows_its_number_in_each_language():
    one, two = (plural_reason("focused offer (one area)", "focused offer (%(n)s areas)", n) for n in (1, 2))
    assert reason_texts([one, two]) == ["focused offer (one area)", "focused offer (2 areas)"]
    assert french([one, two]) == ["offre ciblée (1 domaine)", "offre ciblée (2 domaines)"]


def test_the_area_is_named_in_the_readers_language_without_a_query_when_the_page_has_it(
    reference, django_assert_num_queries
):
    AssistanceArea.objects.filter(code="LEGISLATION").update(label_fr="Législation (essai)")
    area = AssistanceArea.objects.get(code="LEGISLATION")
    stored = [reason("offers %(area)s", area="LEGISLATION")]
    with django_assert_num_queries(0):
        assert french(stored, area=area) == ["offre Législation (essai)"]
        assert reason_texts(stored, area=area) == [f"offers {area.label_en}"]
    with django_assert_num_queries(1):  # without the request's area: looked up by its code
        assert french(stored) == ["offre Législation (essai)"]
    assert french([reason("offers %(area)s", area="NO-SUCH-AREA")]) == ["offre NO-SUCH-AREA"]


def test_reasons_stored_as_text_by_older_routing_are_still_shown():
    old = ["preferred by the State", "covers CW", "by hand", ""]
    assert reason_texts(old) == old
    assert french(old) == [PREFERRED_FR, "covers CW", "by hand", ""]  # a whole message id is translated
    assert reason_texts(None) == []


def test_routing_stores_message_ids_and_codes_not_english_sentences(state_a, state_a_official):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    match = request.matches.get(provider__slug="opcw")
    assert match.reasons and all(isinstance(entry, dict) and entry["text"] for entry in match.reasons)
    assert {"text": "preferred by the State"} in match.reasons
    area = [entry for entry in match.reasons if entry["text"] == "offers %(area)s"]
    assert area == [{"text": "offers %(area)s", "params": {"area": request.area.code}}]
    assert PREFERRED_FR in french(match.reasons) and "preferred by the State" in reason_texts(match.reasons)


def test_whom_a_programme_is_for_is_stored_in_parts_and_shown_in_the_readers_language(reference):
    caricom = next(p for p in services.offer_profiles() if p.offer.provider.slug == "caricom-1540")
    assert caricom.offer.eligibility_parts == [{"text": "members of %(names)s", "params": {"names": ["CARICOM"]}}]
    stored = reason(
        "a programme for States like this one (%(who)s)",
        who=[*caricom.offer.eligibility_parts, reason("the UN regional groups %(names)s", names=["GRULAC"]), ["JAM"]],
    )
    assert reason_texts([stored]) == [
        "a programme for States like this one (members of CARICOM; the UN regional groups GRULAC; JAM)"
    ]
    assert french([stored]) == [
        "un programme destiné aux États comme celui-ci (membres de CARICOM; les groupes régionaux de l'ONU GRULAC; JAM)"
    ]
    kenya = services.applicant(State.objects.get(iso3="KEN"))
    with translation.override("fr"):
        refusal = routing.eligibility_refusal(caricom, kenya)
    assert refusal == "l'offre est réservée à d'autres États (membres de CARICOM)"


@ALL_LANGUAGES
def test_the_officials_request_page_shows_the_reasons_in_french(state_a, state_a_official):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    client = logged_in(state_a_official)
    url = reverse("assistance:request_detail", args=[request.pk])
    assert "preferred by the State" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "choisi par l&#x27;État" in page and "preferred by the State" not in page


@ALL_LANGUAGES
def test_the_providers_email_gives_the_reasons_in_the_providers_language(state_a, state_a_official):
    Provider.objects.filter(slug="opcw").update(contact_email="desk@opcw.example", languages=["fr"], webhook_url="")
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    match = request.matches.get(provider__slug="opcw")
    mail.outbox.clear()
    notify_provider_task(match.pk)
    (message,) = [m for m in mail.outbox if m.to == ["desk@opcw.example"]]
    assert PREFERRED_FR in message.body and "preferred by the State" not in message.body
