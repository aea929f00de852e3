"""The language of what States and experts write in a matrix (legal sources, remarks, comments): recorded
with the text (given, else the writer's interface language; a new version takes its predecessor's), set
by the official in the workspace or through the API, and marked with `lang` and `dir="auto"` wherever
the pages show the text."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from matrices import services
from matrices.models import Comment, Matrix
from matrices.tests.helpers import CELL, draft, published, regime, submitted
from portal.audit.models import AuditEvent
from portal.core.exceptions import InvalidInput, PublishedImmutable
from portal.core.usertext import text_language
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db
CELL_KEY = {"row": CELL["row"], "column": CELL["column"], "aspect": CELL["aspect"]}


class Marked(HTMLParser):
    """The `lang` and `dir` of the elements of a page that have one of `classes`, or that hold `text` (in the
    page's body: a title cannot be marked)."""

    def __init__(self, classes=(), text=None):
        super().__init__()
        self.classes, self.text = set(classes), text
        self.found, self.open = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "input", "meta", "link", "img"):
            return
        self.open.append({**attrs, "tag": tag})
        if self.classes & set((attrs.get("class") or "").split()):
            self.found.append((attrs.get("lang"), attrs.get("dir")))

    def handle_endtag(self, tag):
        if self.open and tag not in ("br", "input", "meta", "link", "img"):
            self.open.pop()

    def handle_data(self, data):
        if self.text and self.text in data and not any(a["tag"] == "title" for a in self.open):
            # The nearest element around the text that says its language.
            marked = next((a for a in reversed(self.open) if "lang" in a or "dir" in a), {})
            self.found.append((marked.get("lang"), marked.get("dir")))


def marks(response, classes=(), text=None):
    parser = Marked(classes, text)
    parser.feed(response.content.decode())
    return parser.found


# --- Recording -----------------------------------------------------------------------------------


def test_the_interface_language_maps_to_the_codes_of_texts():
    assert [text_language(code) for code in ("zh-hans", "fr", "en-gb", "ar", "de", None)] == [
        "zh", "fr", "en", "ar", "en", "en",
    ]  # fmt: skip


@pytest.mark.parametrize(("interface", "recorded"), [("en", "en"), ("fr", "fr"), ("zh-hans", "zh"), ("ar", "ar")])
def test_a_first_draft_is_in_the_writers_interface_language(state_a, state_a_official, interface, recorded):
    with translation.override(interface):
        matrix = draft(state_a, state_a_official)
    assert matrix.language == recorded


def test_a_draft_may_say_its_language_and_an_unknown_one_is_refused(state_a, state_a_official):
    with translation.override("fr"):
        matrix = services.start_draft(state_a, regime("1540"), acting_user=state_a_official, language="es")
    assert matrix.language == "es"
    with pytest.raises(InvalidInput) as refused:
        services.start_draft(state_a, regime("CWC"), acting_user=state_a_official, language="xx")
    assert "language" in refused.value.errors
    assert not Matrix.objects.filter(regime__code="CWC").exists()


def test_a_new_version_takes_its_predecessors_language(state_a, state_a_official, expert):
    with translation.override("ar"):
        first = published(state_a, state_a_official, expert, cells=[CELL])
    assert first.language == "ar"
    with translation.override("fr"):  # the writer's interface does not change the entries' language
        second = services.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    assert second.based_on_id == first.pk and second.language == "ar"


def test_the_official_sets_the_language_of_the_entries(state_a, state_a_official, expert):
    matrix = draft(state_a, state_a_official)
    revision = matrix.revision
    matrix = services.set_language(matrix, language="ru", acting_user=state_a_official)
    assert matrix.language == "ru" and matrix.revision == revision + 1
    event = AuditEvent.objects.get(verb="matrix.language", object_id=str(matrix.pk))
    assert (event.before, event.after) == ({"language": "en"}, {"language": "ru"})
    with pytest.raises(InvalidInput):
        services.set_language(matrix, language="klingon", acting_user=state_a_official)
    services.submit(matrix, acting_user=state_a_official)
    services.approve(matrix, acting_user=expert)
    services.set_consent(matrix, consent=True, acting_user=state_a_official)
    with pytest.raises(PublishedImmutable):
        services.set_language(matrix, language="fr", acting_user=state_a_official)


def test_a_comment_is_in_the_given_or_the_writers_language(state_a, state_a_official, expert):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    with translation.override("ru"):
        first = services.add_comment(matrix, **CELL_KEY, body="Уточните статью.", acting_user=expert)
    second = services.add_comment(matrix, **CELL_KEY, body="Voir art. 3.", language="fr", acting_user=state_a_official)
    assert (first.language, second.language) == ("ru", "fr")
    with pytest.raises(InvalidInput) as refused:
        services.add_comment(matrix, **CELL_KEY, body="x", language="xx", acting_user=expert)
    assert "language" in refused.value.errors and Comment.objects.count() == 2


# --- The API -------------------------------------------------------------------------------------


def test_the_api_starts_a_draft_in_a_language_and_refuses_an_unknown_one(state_a, state_a_official, token_client):
    client = token_client(state_a_official)
    refused = client.post("/api/v1/matrices/", {"state": "JAM", "regime": "1540", "language": "xx"}, format="json")
    assert refused.status_code == 400
    assert "Unknown language xx" in refused.json()["errors"]["language"][0]
    assert "ar, zh, en, fr, ru, es" in refused.json()["errors"]["language"][0]
    created = client.post("/api/v1/matrices/", {"state": "JAM", "regime": "1540", "language": "fr"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "fr"
    read = client.get(f"/api/v1/matrices/{created.json()['id']}/")
    assert read.json()["language"] == "fr"


def test_the_api_defaults_to_the_callers_interface_language(state_a, state_a_official, token_client):
    client = token_client(state_a_official)
    created = client.post(
        "/api/v1/matrices/", {"state": "JAM", "regime": "1540"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "es"


def test_the_api_changes_the_language_of_a_draft(state_a, state_a_official, state_b_official, token_client):
    matrix = draft(state_a, state_a_official)
    url = f"/api/v1/matrices/{matrix.pk}/"
    client = token_client(state_a_official)
    etag = client.get(url)["ETag"]
    changed = client.patch(url, {"language": "zh"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["language"] == "zh" and changed["ETag"] != etag
    stale = client.patch(url, {"language": "ar"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    bad = client.patch(url, {"language": "zh-hans"}, format="json")
    assert bad.status_code == 400 and "language" in bad.json()["errors"]
    other = token_client(state_b_official).patch(url, {"language": "ar"}, format="json")
    assert other.status_code == 404
    matrix.refresh_from_db()
    assert matrix.language == "zh"


def test_the_api_writes_and_reads_a_comments_language(state_a, state_a_official, expert, token_client):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    client = token_client(expert)
    url = f"/api/v1/matrices/{matrix.pk}/comments/"
    written = client.post(url, {**CELL_KEY, "body": "Précisez.", "language": "fr"}, format="json")
    assert written.status_code == 201, written.content
    assert written.json()["language"] == "fr"
    bad = client.post(url, {**CELL_KEY, "body": "x", "language": "french"}, format="json")
    assert bad.status_code == 400 and "language" in bad.json()["errors"]
    default = client.post(url, {**CELL_KEY, "body": "Check."}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert default.json()["language"] == "ru"
    assert [c["language"] for c in client.get(url).json()] == ["fr", "ru"]


# --- The pages -----------------------------------------------------------------------------------


def test_the_workspace_sets_the_language_of_our_entries(client, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    client = logged_in(state_a_official)
    page = client.get(reverse("matrices:workspace", args=[matrix.pk]))
    assert f'action="{reverse("matrices:entries_language", args=[matrix.pk])}"' in page.content.decode()
    answer = client.post(reverse("matrices:entries_language", args=[matrix.pk]), {"language": "fr"})
    assert answer.status_code == 302
    matrix.refresh_from_db()
    assert matrix.language == "fr"
    refused = client.post(reverse("matrices:entries_language", args=[matrix.pk]), {"language": "xx"})
    assert refused.status_code == 400
    matrix.refresh_from_db()
    assert matrix.language == "fr"


def test_only_an_editor_sets_the_language(state_a, state_a_official, state_b_official, expert):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    for user in (state_a_official, state_b_official, expert):
        answer = logged_in(user).post(reverse("matrices:entries_language", args=[matrix.pk]), {"language": "fr"})
        assert answer.status_code in (403, 404, 409)
    matrix.refresh_from_db()
    assert matrix.language == "en"


def test_the_published_matrix_search_and_compare_mark_the_entries(
    state_a, state_b, state_a_official, state_b_official, expert
):
    with translation.override("fr"):
        french = published(
            state_a, state_a_official, expert, cells=[{**CELL, "source": "Loi chimique", "remarks": "vu"}]
        )
    with translation.override("ar"):
        published(state_b, state_b_official, expert, cells=[{**CELL, "source": "قانون المواد الكيميائية"}])
    page = logged_in(None).get(french.get_absolute_url())
    assert set(marks(page, classes={"cell-source", "cell-remarks"})) == {("fr", "auto")}
    search = logged_in(None).get(reverse("matrices:search"), {"q": "Loi"})
    assert marks(search, classes={"cell-source"}) == [("fr", "auto")]
    compare = logged_in(None).get(reverse("matrices:compare"), {"regime": "1540", "a": "JAM", "b": "KEN"})
    assert compare.status_code == 200
    # The words that differ are highlighted inside the marked text.
    assert set(marks(compare, text="Loi")) == {("fr", "auto")}
    assert set(marks(compare, text="قانون")) == {("ar", "auto")}


def test_the_grid_the_section_form_and_the_comments_mark_the_entries(state_a, state_a_official, expert):
    matrix = draft(state_a, state_a_official, cells=[{**CELL, "source": "Ley química"}])
    services.set_language(matrix, language="es", acting_user=state_a_official)
    services.submit(matrix, acting_user=state_a_official)
    with translation.override("ru"):
        services.add_comment(matrix, **CELL_KEY, body="Уточните статью.", acting_user=expert)
    review = logged_in(expert).get(reverse("matrices:review", args=[matrix.pk]), {"section": "OP2"})
    assert ("ru", "auto") in marks(review, text="Уточните статью.")
    assert ("es", "auto") in marks(review, text="Ley química")
    services.request_changes(matrix, acting_user=expert, comment="")
    client = logged_in(state_a_official)
    section = client.get(reverse("matrices:edit_section", args=[matrix.pk, "OP2"]))
    body = section.content.decode()
    assert 'data-entries-language="es"' in body
    assert 'id="grid-panel-source" rows="3" aria-describedby="grid-panel-source-error" lang="es" dir="auto"' in body
    assert marks(section, text="Уточните статью.") and set(marks(section, text="Уточните статью.")) == {("ru", "auto")}
    form = client.get(reverse("matrices:edit_section", args=[matrix.pk, "OP2"]), {"form": 1})
    assert set(marks(form, text="Ley química")) == {("es", "auto")}
    overview = client.get(reverse("matrices:workspace", args=[matrix.pk]))
    assert marks(overview, text="Уточните статью.") == [("ru", "auto")]


def test_the_search_term_is_quoted_as_typed_and_escaped(state_a, state_a_official, expert):
    published(state_a, state_a_official, expert, cells=[CELL])
    page = logged_in(None).get(reverse("matrices:search"), {"q": "<i>Chemical"})
    assert '“<span translate="no" dir="auto">&lt;i&gt;Chemical</span>”' in page.content.decode()
