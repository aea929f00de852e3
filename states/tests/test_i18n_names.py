"""The States reference data in the six UN languages: names read in the active language (English when a
translation is missing), written by `load_reference` from CLDR and `portal/reference_data/translations/`,
never changing the English. Sample translation files: `states/tests/i18n_data/`."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation

from portal.core import reference as core_reference
from portal.core.collation import translated
from portal.core.i18n import UN_LANGUAGES
from portal.core.reference import LoadReport
from states import reference as states_reference
from states.models import Membership, RegionalGroup, RegionalOrganization, State, Treaty

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "i18n_data"
ALL_LANGUAGES = override_settings(LANGUAGES=list(UN_LANGUAGES))
GERMANY = {
    "en": "Germany",
    "fr": "Allemagne",
    "es": "Alemania",
    "ru": "Германия",
    "zh-hans": "德国",
    "ar": "ألمانيا",
}


def load_states(directory) -> LoadReport:
    report = LoadReport()
    with pytest.MonkeyPatch.context() as patch, translation.override("en"):
        patch.setattr(core_reference, "TRANSLATIONS_DIR", directory)
        states_reference.load(report)
    return report


@pytest.mark.parametrize(("language", "name"), GERMANY.items())
def test_a_state_is_named_in_the_active_language(reference, language, name):
    with translation.override(language):
        assert State.objects.get(iso3="DEU").name == name
        assert str(State.objects.get(iso3="DEU")) == name


def test_the_english_columns_keep_the_reference_data(reference):
    for state in State.objects.all():
        assert state.name_en == state.__dict__["name"]
    with translation.override("fr"):
        assert State.objects.get(iso3="DEU").name_en == "Germany"


def test_values_and_values_list_read_the_active_language_with_english_as_fallback(reference):
    State.objects.filter(iso3="JAM").update(name_fr=None)
    with translation.override("fr"):
        assert list(State.objects.filter(iso3="DEU").values("name")) == [{"name": "Allemagne"}]
        assert list(State.objects.filter(iso3="DEU").values_list("name", flat=True)) == ["Allemagne"]
        assert list(State.objects.filter(iso3="JAM").values_list("name", flat=True)) == ["Jamaica"]
        assert list(State.objects.filter(iso3="JAM").values("iso3", "name")) == [{"iso3": "JAM", "name": "Jamaica"}]
        # Through a relation too (the region of a State, a State of a membership).
        # Through a relation, modeltranslation reads English: `translated` reads the active language.
        region = RegionalGroup.objects.get(states__iso3="DEU")
        germany = State.objects.filter(iso3="DEU")
        assert germany.values_list("region__name", flat=True).get() == region.name_en
        assert germany.values_list(translated("region__name"), flat=True).get() == region.name_fr
        jamaica = Membership.objects.filter(state__iso3="JAM")[:1]
        assert jamaica.values_list(translated("state__name"), flat=True).get() == "Jamaica"
        names = list(State.objects.order_by("name").values_list("name", flat=True))
        assert len(names) == 193 and "Allemagne" in names and "Jamaica" in names


def test_order_by_name_and_lookups_by_name_use_the_active_language(reference):
    with translation.override("es"):
        assert State.objects.filter(name="Alemania").get().iso3 == "DEU"
        assert State.objects.order_by("name").first().name == "Afganistán"
    with translation.override("en"):
        assert State.objects.filter(name="Germany").get().iso3 == "DEU"


def test_translated_names_add_no_query(reference):
    def run():
        with CaptureQueriesContext(connection) as queries:
            names = {s.iso3: (s.name, s.region.name) for s in State.objects.select_related("region")}
        return names, len(queries)

    english, english_queries = run()
    with translation.override("ru"):
        russian, russian_queries = run()
    assert english_queries == russian_queries == 1
    assert english["DEU"][0] == "Germany" and russian["DEU"][0] == "Германия"


def test_the_loader_takes_cldr_names_and_the_un_short_names_over_them(reference):
    report = load_states(SAMPLES)
    prk = State.objects.get(iso3="PRK")
    assert prk.name_en == "Democratic People's Republic of Korea"
    assert prk.name_fr == "République populaire démocratique de Corée"  # the UN's, not CLDR's "Corée du Nord"
    assert prk.name_es == "República Popular Democrática de Corea"
    assert prk.name_ru  # an empty cell: CLDR's
    # GBR's line was made from another English name: stale, skipped and counted; CLDR's name stays.
    gbr = State.objects.get(iso3="GBR")
    assert gbr.name_en == "United Kingdom" and gbr.name_fr == "Royaume-Uni"
    assert report.stale["states_un_names"] == 1
    assert report.unknown["states_un_names"] == 1  # XXX
    assert RegionalOrganization.objects.get(code="AU").name_zh_hans == "非洲联盟"
    assert RegionalOrganization.objects.get(code="ECOWAS").name_ar is None  # empty cell: English
    assert RegionalGroup.objects.get(name_en="African").name_fr == "Groupe des États d'Afrique"
    assert Treaty.objects.get(code="NPT").name_fr == "Traité sur la non-prolifération des armes nucléaires"
    # No line for the CWC: it reads English in every language.
    with translation.override("fr"):
        assert Treaty.objects.get(code="CWC").name.startswith("Convention on the Prohibition")
    assert any("stale" in line for line in report.lines())


def test_the_loader_is_idempotent_and_never_changes_english(reference):
    english = dict(State.objects.values_list("iso3", "name_en"))
    load_states(SAMPLES)
    again = load_states(SAMPLES)
    assert not any(again.translated.values())
    assert not again.changed
    assert dict(State.objects.values_list("iso3", "name_en")) == english
    assert set(State.objects.values_list("name", flat=True)) == set(english.values())


def test_missing_translation_files_leave_translations_alone_but_states_take_cldr(reference, tmp_path):
    RegionalOrganization.objects.filter(code="AU").update(name_fr="Union africaine")
    State.objects.filter(iso3="DEU").update(name_fr=None)
    report = load_states(tmp_path)
    assert RegionalOrganization.objects.get(code="AU").name_fr == "Union africaine"
    assert State.objects.get(iso3="DEU").name_fr == "Allemagne"
    assert set(report.missing_files) >= {"organizations.csv", "treaties.csv", "states_un_names.csv"}


@ALL_LANGUAGES
def test_the_states_list_is_in_the_readers_language_and_order(client, reference):
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("states:list")).content.decode()
    assert "Émirats arabes unis" in page
    assert page.index("Égypte") < page.index("Émirats arabes unis") < page.index("Espagne") < page.index("Zambie")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("states:list")).content.decode()
    # Ā fù hàn (Afghanistan) first, Zàn bǐ yà (Zambia) near the end.
    assert page.index("阿富汗") < page.index("德国") < page.index("赞比亚")


@ALL_LANGUAGES
def test_the_states_list_runs_the_same_queries_in_every_language(client, reference):
    counts = {}
    for language in ("en", "fr", "ar"):
        client.cookies["django_language"] = language
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("states:list")).status_code == 200
        counts[language] = len(queries)
    assert counts["fr"] == counts["ar"] == counts["en"]


def test_a_reload_updates_the_english_column_with_the_english_name(reference, tmp_path):
    State.objects.filter(iso3="DEU").update(name="Old Germany", name_en="Old Germany", name_fr="Vieille Allemagne")
    with translation.override("fr"):  # whatever the active language, the loader writes English
        report = load_states(tmp_path)
    germany = State.objects.get(iso3="DEU")
    assert (germany.__dict__["name"], germany.name_en, germany.name_fr) == ("Germany", "Germany", "Allemagne")
    assert report.updated["States"] == 1


def test_the_command_reports_the_translations(reference):
    import io

    from django.core.management import call_command

    State.objects.filter(iso3="DEU").update(name_fr=None)
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert "translations of states_un_names: 1 written" in out.getvalue()
    assert State.objects.get(iso3="DEU").name_fr == "Allemagne"
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert "Reference data up to date." in out.getvalue()


def test_every_translation_fits_its_column():
    """PostgreSQL's bulk update casts to the column's type, which cuts a longer text silently (SQLite
    never checks): every translated name of the reference data must fit its column."""
    import csv

    from django.conf import settings

    from assistance.models import AssistanceArea, Provider
    from matrices.models import Regime, Row, Section
    from states.models import RegionalGroup, RegionalOrganization, State, Treaty

    columns = {
        "regional_groups": (RegionalGroup, "name"),
        "organizations": (RegionalOrganization, "name"),
        "treaties": (Treaty, "name"),
        "states_un_names": (State, "name"),
        "areas": (AssistanceArea, "label"),
        "providers": (Provider, "name"),
        "regimes": (Regime, "name"),
        "sections": (Section, "label"),
        "matrix_rows": (Row, "label"),
        "checklist_items": (Row, "label"),
    }
    folder = settings.BASE_DIR / "portal" / "reference_data" / "translations"
    assert {path.stem for path in folder.glob("*.csv")} == set(columns)
    for kind, (model, name) in columns.items():
        limit = model._meta.get_field(name).max_length
        with (folder / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            for line in csv.DictReader(handle):
                too_long = {
                    language: text for language, text in line.items() if language != "key" and len(text) > limit
                }
                assert not too_long, f"{kind}.csv {line['key']}: longer than {limit} characters: {too_long}"
