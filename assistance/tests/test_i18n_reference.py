"""The assistance reference data in the six UN languages: areas and providers named in the reader's
language, the turnaround figures cached per language (their groups keep the same keys), and the
translations loaded from `portal/reference_data/translations/` without touching the English."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from assistance import metrics
from assistance import reference as assistance_reference
from assistance.models import AssistanceArea, Provider
from assistance.tests.helpers import routed_request
from portal.core import reference as core_reference
from portal.core.i18n import UN_LANGUAGES
from portal.core.reference import LoadReport
from states.models import RegionalGroup, State

pytestmark = pytest.mark.django_db

OPCW = "Organisation for the Prohibition of Chemical Weapons (Technical Secretariat)"
OPCW_FR = "Organisation pour l'interdiction des armes chimiques (Secrétariat technique)"


@pytest.fixture
def samples(tmp_path):
    (tmp_path / "areas.csv").write_text(
        "key,en,ar,zh-hans,fr,ru,es\n"
        "LEGISLATION,Legislative drafting and review,,立法起草和审查,Rédaction et examen de textes législatifs,,\n"
        "ACTION_PLAN,An older English label,,,Plan d'action,,\n"
        "NO_SUCH_AREA,Nothing,,,Rien,,\n",
        encoding="utf-8",
    )
    (tmp_path / "providers.csv").write_text(
        f'key,en,ar,zh-hans,fr,ru,es\nopcw,{OPCW},,,"{OPCW_FR}",,\n', encoding="utf-8"
    )
    return tmp_path


def load(directory) -> LoadReport:
    report = LoadReport()
    with pytest.MonkeyPatch.context() as patch, translation.override("en"):
        patch.setattr(core_reference, "TRANSLATIONS_DIR", directory)
        assistance_reference.load(report)
    return report


def test_areas_and_providers_are_translated_from_the_files_and_english_stays(reference, samples):
    english = dict(AssistanceArea.objects.values_list("code", "label_en"))
    report = load(samples)
    legislation = AssistanceArea.objects.get(code="LEGISLATION")
    assert legislation.label_fr == "Rédaction et examen de textes législatifs"
    assert legislation.label_zh_hans == "立法起草和审查"
    assert legislation.label_ar is None
    assert AssistanceArea.objects.get(code="ACTION_PLAN").label_fr is None  # stale: English instead
    assert report.stale["areas"] == 1 and report.unknown["areas"] == 1
    assert Provider.objects.get(slug="opcw").name_fr == OPCW_FR
    assert dict(AssistanceArea.objects.values_list("code", "label_en")) == english
    with translation.override("fr"):
        assert str(AssistanceArea.objects.get(code="LEGISLATION")) == "Rédaction et examen de textes législatifs"
        assert Provider.objects.get(slug="opcw").name == OPCW_FR
        assert AssistanceArea.objects.get(code="ACTION_PLAN").label == english["ACTION_PLAN"]
    again = load(samples)
    assert not any(again.translated.values()) and not again.changed


@pytest.fixture
def requests_in_two_regions(state_a, state_a_official, state_b, state_b_official):
    routed_request(state_a, state_a_official, title="Jamaica's request")
    routed_request(state_b, state_b_official, title="Kenya's request")
    State.objects.filter(iso3="JAM").update(name_fr="Jamaïque", name_ar="جامايكا")
    RegionalGroup.objects.filter(name_en="GRULAC").update(name_fr="GRULAC (fr)", name_ar="GRULAC (ar)")
    AssistanceArea.objects.filter(code="LEGISLATION").update(label_fr="Législation", label_ar="التشريع")


@override_settings(LANGUAGES=list(UN_LANGUAGES))
def test_the_cached_figures_are_kept_per_language_with_the_same_keys(requests_in_two_regions):
    with translation.override("fr"):
        french = metrics.cached_figures()
    with translation.override("ar"):
        arabic = metrics.cached_figures()
    french_states = {item["state"]: item["state_name"] for item in french["waiting_longest"]}
    arabic_states = {item["state"]: item["state_name"] for item in arabic["waiting_longest"]}
    assert french_states["JAM"] == "Jamaïque" and arabic_states["JAM"] == "جامايكا"
    assert {g["key"]: g["label"] for g in french["by_region"]}["GRULAC"] == "GRULAC (fr)"
    assert {g["key"]: g["label"] for g in arabic["by_region"]}["GRULAC"] == "GRULAC (ar)"
    assert {g["key"] for g in french["by_area"]} == {g["key"] for g in arabic["by_area"]}
    # Read again from the cache: one language's figures never answer another's reader.
    with translation.override("fr"), CaptureQueriesContext(connection) as queries:
        assert metrics.cached_figures() == french
    assert len(queries) == 0
    assert metrics.cache_key("fr") != metrics.cache_key("ar")


@override_settings(LANGUAGES=list(UN_LANGUAGES))
def test_the_refresh_fills_every_served_language(requests_in_two_regions):
    from django.core.cache import cache

    with translation.override("en"):
        english = metrics.refresh_cached_figures()
    assert {item["state_name"] for item in english["waiting_longest"]} >= {"Jamaica"}
    for language, _name in UN_LANGUAGES:
        assert cache.get(metrics.cache_key(language)) is not None
    assert {item["state_name"] for item in cache.get(metrics.cache_key("fr"))["waiting_longest"]} >= {"Jamaïque"}


def test_the_figures_run_one_query_in_any_language(requests_in_two_regions):
    counts = {}
    for language in ("en", "fr", "zh-hans"):
        with translation.override(language), CaptureQueriesContext(connection) as queries:
            metrics.turnaround()
        counts[language] = len(queries)
    assert counts == {"en": 1, "fr": 1, "zh-hans": 1}
