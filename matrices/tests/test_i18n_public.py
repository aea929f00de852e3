"""Published matrices in the six UN languages: pages, API answers and coverage in the reader's language,
each cached under its language (a French page is never served to a reader of Arabic), and downloads
with headers and row labels in the reader's language while the codes stay as they are."""

import csv
import datetime
import io
import json

import polib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation
from openpyxl import load_workbook

from matrices import cache, coverage, exports
from matrices.models import Regime, Row, Section
from matrices.tests.test_public import filled_cells, publish
from portal.core.i18n import UN_LANGUAGES
from states.models import State

pytestmark = pytest.mark.django_db

ALL_LANGUAGES = override_settings(LANGUAGES=list(UN_LANGUAGES))
ROW = "OP1.NPT"
LABELS = {
    "fr": "Traité sur la non-prolifération des armes nucléaires (TNP)",
    "ar": "معاهدة عدم انتشار الأسلحة النووية",
}
JAMAICA = {"en": "Jamaica", "fr": "Jamaïque", "ar": "جامايكا"}
REGIME_1540 = {"fr": "Résolution 1540 (2004) du Conseil de sécurité", "ar": "قرار مجلس الأمن 1540 (2004)"}


@pytest.fixture
def jamaica(state_a, state_a_official, expert):
    State.objects.filter(pk=state_a.pk).update(name_fr=JAMAICA["fr"], name_ar=JAMAICA["ar"])
    Row.objects.filter(code=ROW).update(label_fr=LABELS["fr"], label_ar=LABELS["ar"])
    Regime.objects.filter(code="1540").update(name_fr=REGIME_1540["fr"], name_ar=REGIME_1540["ar"])
    Section.objects.filter(code="OP1").update(label_fr="OP1 : traités, arrangements et déclarations", label_ar=None)
    return publish(state_a, state_a_official, expert, filled_cells(3), report_date=datetime.date(2024, 3, 15))


def page(client, path, language):
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


# ---------------------------------------------------------------------------------------------
# Cached pages and API answers, per language


def test_the_content_key_carries_the_language(jamaica):
    keys = {}
    for language in ("en", "fr", "ar", "zh-hans"):
        with translation.override(language):
            keys[language] = cache.content_key(jamaica.pk, jamaica.published_at)
    assert len(set(keys.values())) == 4
    assert all(key.endswith(f":{language}") for language, key in keys.items())


@ALL_LANGUAGES
def test_a_cached_published_page_is_served_only_in_its_own_language(client, jamaica):
    french = page(client, "/states/JAM/1540/", "fr")  # fills the cache in French
    arabic = page(client, "/states/JAM/1540/", "ar")
    assert JAMAICA["fr"] in french and LABELS["fr"] in french and REGIME_1540["fr"] in french
    assert JAMAICA["ar"] in arabic and LABELS["ar"] in arabic
    assert JAMAICA["fr"] not in arabic and LABELS["fr"] not in arabic
    # From the cache now, each in its language.
    assert page(client, "/states/JAM/1540/", "ar") == arabic
    again = page(client, "/states/JAM/1540/", "fr")
    assert JAMAICA["fr"] in again and JAMAICA["ar"] not in again
    english = page(client, "/states/JAM/1540/", "en")
    assert "Jamaica" in english and JAMAICA["fr"] not in english and "Nuclear Non-Proliferation Treaty (NPT)" in english


@ALL_LANGUAGES
def test_the_public_api_is_cached_per_language(client, jamaica, django_assert_num_queries):
    """The API's answers hold codes today; their cache keys carry the language all the same, so that a
    name added to them later is never served in another language."""

    def detail(language):
        answer = client.get(f"/api/v1/matrices/{jamaica.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 200
        return answer.json()

    with django_assert_num_queries(3):  # version, template rows, cells
        french = detail("fr")
    with django_assert_num_queries(3):  # not the French entry
        arabic = detail("ar")
    with django_assert_num_queries(1):
        assert detail("fr") == french == arabic
    with translation.override("fr"):
        french_key = cache.content_key(jamaica.pk, jamaica.published_at)
    assert french_key.endswith(":fr")


# ---------------------------------------------------------------------------------------------
# Coverage


def test_the_coverage_overview_names_and_sorts_states_in_the_active_language(jamaica):
    with translation.override("fr"):
        overview = coverage.overview()
        names = [state.name for state in overview["states"]]
        assert "Jamaïque" in names and "Émirats arabes unis" in names
        assert (
            names.index("Égypte") < names.index("Émirats arabes unis") < names.index("Espagne") < names.index("Zambie")
        )
        regions = overview["regions"]
        # Keys stay English, names are French where translated (or English, as a fallback).
        assert {group.code for group in regions} == {"African", "Asia-Pacific", "Eastern European", "GRULAC", "WEOG"}
    with translation.override("en"):
        assert [state.name for state in coverage.overview()["states"]][0] == "Afghanistan"


def test_coverage_runs_the_same_queries_in_every_language(jamaica):
    counts = {}
    for language in ("en", "fr", "zh-hans"):
        with translation.override(language):
            coverage.overview()  # fills the figures' cache (numbers only, the same in every language)
            with CaptureQueriesContext(connection) as queries:
                coverage.overview()
            counts[language] = len(queries)
    assert counts["en"] == counts["fr"] == counts["zh-hans"]


def test_section_coverage_labels_are_in_the_active_language(jamaica):
    with translation.override("fr"):
        sections = coverage.by_matrix([jamaica])[jamaica.pk]
    assert sections[0].code == "OP1" and sections[0].label == "OP1 : traités, arrangements et déclarations"
    with translation.override("ar"):  # no Arabic: English
        assert coverage.by_matrix([jamaica])[jamaica.pk][0].label == "OP1: treaties, arrangements and statements"


# ---------------------------------------------------------------------------------------------
# Downloads in French

FRENCH_HEADERS = {
    "state": "État",
    "regime": "régime",
    "version": "version",
    "section": "section",
    "row": "ligne",
    "label": "libellé",
    "column": "colonne",
    "aspect": "aspect",
    "mark": "marque",
    "source": "source",
    "remarks": "remarques",
    "derived_from": "dérivé de",
    "row_wording": "formulation de la ligne",
    "demo_data": "données de démonstration",
    "state_name": "nom de l'État",
}


@pytest.fixture
def french_catalogue(tmp_path, settings):
    """A French catalogue of the export headers only (the real catalogues are the lead's)."""
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "fr"}
    for english, french in FRENCH_HEADERS.items():
        catalogue.append(polib.POEntry(msgctxt="matrix export column", msgid=english, msgstr=french))
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    settings.LANGUAGES = list(UN_LANGUAGES)
    yield
    translation.trans_real._translations = {}


def test_the_csv_in_french_has_french_headers_and_labels_and_the_same_codes(client, jamaica, french_catalogue):
    english = list(csv.reader(io.StringIO(page(client, "/states/JAM/1540/v1/export.csv", "en").lstrip("\ufeff"))))
    french = list(csv.reader(io.StringIO(page(client, "/states/JAM/1540/v1/export.csv", "fr").lstrip("\ufeff"))))
    assert english[0] == list(exports.FLAT_FIELDS)
    assert french[0] == [FRENCH_HEADERS[field] for field in exports.FLAT_FIELDS]
    assert len(french) == len(english)
    by_field = [dict(zip(exports.FLAT_FIELDS, line, strict=True)) for line in french[1:]]
    first = by_field[0]
    assert (first["state"], first["regime"], first["section"], first["row"], first["column"], first["aspect"]) == (
        "JAM",
        "1540",
        "OP1",
        ROW,
        "ALL",
        "framework",
    )
    assert first["label"] == LABELS["fr"]
    # Codes and marks are the same in both files, line by line; only the labels of translated rows differ.
    for en_line, fr_line in zip(english[1:], french[1:], strict=True):
        en_values = dict(zip(exports.FLAT_FIELDS, en_line, strict=True))
        fr_values = dict(zip(exports.FLAT_FIELDS, fr_line, strict=True))
        for code in ("state", "regime", "version", "section", "row", "column", "aspect", "mark", "source"):
            assert en_values[code] == fr_values[code]


def test_the_json_in_french_keeps_its_keys_and_translates_labels_and_names(client, jamaica, french_catalogue):
    data = json.loads(page(client, "/states/JAM/1540/v1/export.json", "fr"))
    assert data["matrices"][0]["state"] == "JAM" and data["matrices"][0]["state_name"] == "Jamaïque"
    first = data["cells"][0]
    assert set(first) == set(exports.FIELDS)
    assert (first["row"], first["label"]) == (ROW, LABELS["fr"])


def test_the_xlsx_in_french_has_french_headers_labels_and_state_names(client, jamaica, french_catalogue):
    response = client.get("/states/JAM/1540/v1/export.xlsx", HTTP_ACCEPT_LANGUAGE="fr")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["1540 OP1"]
    header = [cell.value for cell in sheet[1]]
    assert header[:6] == ["État", "régime", "version", "ligne", "libellé", "formulation de la ligne"]
    assert header[6:10] == [
        "ALL framework marque",
        "ALL framework source",
        "ALL framework remarques",
        "ALL framework dérivé de",
    ]
    first = [cell.value for cell in sheet[2]]
    assert first[:5] == ["JAM", "1540", 1, ROW, LABELS["fr"]]
    about = [[cell.value for cell in row] for row in workbook["about"].iter_rows()]
    header_line = next(line for line in about if line and line[0] == "État")
    assert header_line[1] == "nom de l'État"
    assert about[about.index(header_line) + 1][:2] == ["JAM", "Jamaïque"]


def test_a_download_runs_the_same_queries_in_every_language(client, jamaica, french_catalogue):
    counts = {}
    for language in ("en", "fr", "ar"):
        with CaptureQueriesContext(connection) as queries:
            client.get("/states/JAM/1540/v1/export.csv", HTTP_ACCEPT_LANGUAGE=language)
        counts[language] = len(queries)
    assert counts["en"] == counts["fr"] == counts["ar"]
