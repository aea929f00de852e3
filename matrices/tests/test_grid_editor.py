"""The section grid and its autosave endpoint (matrices:save_cell): the same service, checks and
optimistic concurrency as the section form, one cell (or a bulk action's several) at a time."""

import pytest
from django.test import Client
from django.urls import reverse

from matrices import services
from matrices.models import Cell, Matrix
from matrices.tests.helpers import CELL, draft, full_cells, regime, submitted
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

MANUFACTURE_CW = ("OP2.MANUFACTURE", "CW", "framework")


def save_url(matrix, section="OP2"):
    return reverse("matrices:save_cell", args=[matrix.pk, section])


def token_of(matrix, key):
    cell = Cell.objects.filter(matrix=matrix, row__code=key[0], column=key[1], aspect=key[2]).first()
    return services.cell_token(cell.mark, cell.source, cell.remarks) if cell else services.cell_token("", "", "")


def post(key, token, mark="", source="", remarks=""):
    row, column, aspect = key
    return {
        "row": row,
        "column": column,
        "aspect": aspect,
        "mark": mark,
        "source": source,
        "remarks": remarks,
        "shown": token,
    }


def stored(matrix, key):
    cell = Cell.objects.filter(matrix=matrix, row__code=key[0], column=key[1], aspect=key[2]).first()
    return (cell.mark, cell.source, cell.remarks) if cell else ("", "", "")


def test_a_cell_is_saved_and_the_answer_says_what_is_stored_now(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    client = logged_in(state_a_official)
    data = post(MANUFACTURE_CW, token_of(matrix, MANUFACTURE_CW), "X", "  Chemical Act, s. 3\r\n", "")
    response = client.post(save_url(matrix), data)
    assert response.status_code == 200
    answer = response.json()
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")
    (cell,) = answer["cells"]
    assert (cell["mark"], cell["source"]) == ("X", "Chemical Act, s. 3")
    assert cell["token"] == token_of(matrix, MANUFACTURE_CW)
    assert answer["changed"] == 1
    assert answer["progress"]["decided"] == 1
    assert answer["progress"]["gaps"] == answer["progress"]["total"] - 1
    assert (
        answer["progress"]["label"]
        == f"1 of {answer['progress']['total']} cells decided, {answer['progress']['total'] - 1} gaps"
    )
    event = AuditEvent.objects.latest("id")
    assert event.actor == state_a_official


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"mark": "X", "source": ""}, "source", "A mark of X needs its legal source"),
        ({"mark": "NA", "remarks": ""}, "remarks", "NA needs a reason in the remarks"),
        ({"mark": "X", "source": "<b>Act</b>"}, "source", "HTML tags are not allowed"),
        ({"mark": "Z"}, "mark", "A mark is one of X, ?, NA or blank"),
    ],
)
def test_an_invalid_cell_answers_its_error_and_saves_nothing(state_a, state_a_official, values, field, message):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    events = AuditEvent.objects.count()
    data = {**post(MANUFACTURE_CW, token_of(matrix, MANUFACTURE_CW)), **values}
    response = logged_in(state_a_official).post(save_url(matrix), data)
    assert response.status_code == 400
    (cell,) = response.json()["cells"]
    assert (cell["row"], cell["column"], cell["aspect"]) == MANUFACTURE_CW
    assert message in " ".join(cell["errors"][field])
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")
    assert AuditEvent.objects.count() == events


def test_a_cell_someone_else_saved_meanwhile_is_a_conflict_with_both_values(state_a, state_a_official):
    other = UserFactory(
        username="official-a2", first_name="Bea", last_name="Brown", role="state_official", state=state_a
    )
    matrix = draft(state_a, state_a_official)
    shown = token_of(matrix, MANUFACTURE_CW)  # both pages show the cell blank
    first = logged_in(other).post(save_url(matrix), post(MANUFACTURE_CW, shown, "?", "Draft bill"))
    assert first.status_code == 200
    response = logged_in(state_a_official).post(save_url(matrix), post(MANUFACTURE_CW, shown, "X", "Chemical Act"))
    assert response.status_code == 409
    (conflict,) = response.json()["conflicts"]
    assert conflict["yours"] == {"mark": "X", "source": "Chemical Act", "remarks": ""}
    assert conflict["saved"] == {"mark": "?", "source": "Draft bill", "remarks": ""}
    assert conflict["by"] == "Bea Brown"
    assert conflict["at"]
    assert stored(matrix, MANUFACTURE_CW) == ("?", "Draft bill", "")
    # "Keep mine": sent again with the token of the value saved now, having seen it.
    again = logged_in(state_a_official).post(
        save_url(matrix), post(MANUFACTURE_CW, conflict["token"], "X", "Chemical Act")
    )
    assert again.status_code == 200
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act", "")


def test_a_bulk_save_is_all_or_nothing(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    keys = [("OP2.MANUFACTURE", "NW", "framework"), ("OP2.ACQUIRE", "NW", "framework")]
    client = logged_in(state_a_official)
    bad = {name: [post(k, token_of(matrix, k), "NA", "", "")[name] for k in keys] for name in post(keys[0], "")}
    bad["remarks"] = ["No nuclear industry", ""]
    response = client.post(save_url(matrix), bad)
    assert response.status_code == 400
    assert [c["row"] for c in response.json()["cells"]] == ["OP2.ACQUIRE"]
    assert not matrix.cells.exists()
    good = {**bad, "remarks": ["No nuclear industry", "No nuclear industry"]}
    response = client.post(save_url(matrix), good)
    assert response.status_code == 200
    assert [stored(matrix, k) for k in keys] == [("NA", "", "No nuclear industry")] * 2
    assert response.json()["progress"]["decided"] == 2


def test_a_cell_of_another_section_is_refused(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    key = ("OP2.MANUFACTURE", "CW", "framework")
    response = logged_in(state_a_official).post(save_url(matrix, "OP1"), post(key, "", "?", "x"))
    assert response.status_code == 400
    assert "not in section" in response.json()["cells"][0]["errors"]["column"][0]
    assert not matrix.cells.exists()


def test_saving_a_derived_cell_overrides_it(state_a, state_a_official):
    cwc = draft(state_a, state_a_official, code="CWC")
    services.update_cells(
        cwc,
        [{"row": "CWC-DEF-CW", "column": "CW", "aspect": "framework", "mark": "X", "source": "CW Act, s. 2"}],
        acting_user=state_a_official,
    )
    matrix = Matrix.objects.get(state=state_a, regime__code="1540")
    derived = matrix.cells.get(row__code="OP2.MANUFACTURE", column="CW", aspect="framework")
    assert derived.derived_from_regime == "CWC" and not derived.overridden
    data = post(MANUFACTURE_CW, token_of(matrix, MANUFACTURE_CW), "X", "CW Act, s. 2 and s. 5")
    response = logged_in(state_a_official).post(save_url(matrix), data)
    assert response.status_code == 200
    assert response.json()["cells"][0]["overridden"] is True
    derived.refresh_from_db()
    assert (derived.source, derived.overridden) == ("CW Act, s. 2 and s. 5", True)


@pytest.mark.parametrize(("who", "expected"), [("official_b", 404), ("expert", 403), ("anonymous", 302)])
def test_others_cannot_save_a_cell(state_a, state_a_official, state_b_official, expert, who, expected):
    matrix = draft(state_a, state_a_official)
    client = {"official_b": logged_in(state_b_official), "expert": logged_in(expert), "anonymous": Client()}[who]
    response = client.post(save_url(matrix), post(MANUFACTURE_CW, "", "?", "Draft"))
    assert response.status_code == expected
    if expected != 302:
        assert response.json()["error"]
    assert not matrix.cells.exists()


def test_a_submitted_version_refuses_autosave(state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    response = logged_in(state_a_official).post(save_url(matrix), post(MANUFACTURE_CW, "", "?", "Draft"))
    assert response.status_code == 409
    assert "can be edited only as a draft" in response.json()["error"]
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")


def test_autosave_needs_a_post_and_a_csrf_token(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    client = logged_in(state_a_official)
    assert client.get(save_url(matrix)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(state_a_official)
    assert strict.post(save_url(matrix), post(MANUFACTURE_CW, "", "?", "Draft")).status_code == 403
    assert not matrix.cells.exists()


@pytest.mark.parametrize("size", ["small", "large"])
def test_autosave_runs_a_constant_number_of_queries(state_a, state_a_official, size, django_assert_num_queries):
    """Whatever the number of cells stored in the version and sent at once."""
    matrix = services.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    cells = full_cells(matrix, mark="?")
    services.update_cells(matrix, cells[:2] if size == "small" else cells, acting_user=state_a_official)
    client = logged_in(state_a_official)
    op2 = [c for c in cells if c["row"].startswith("OP2.")]
    sent = op2[:1] if size == "small" else op2
    data = {
        "row": [c["row"] for c in sent],
        "column": [c["column"] for c in sent],
        "aspect": [c["aspect"] for c in sent],
        "mark": ["X"] * len(sent),
        "source": ["Act 9"] * len(sent),
        "remarks": [""] * len(sent),
        "shown": [token_of(matrix, (c["row"], c["column"], c["aspect"])) for c in sent],
    }
    # Session, user, version, sections, layout; in the service's transaction (savepoint and release): the
    # version's row lock, layout, stored cells, one write of the cells, the audit, the revision; the progress.
    with django_assert_num_queries(14):
        response = client.post(save_url(matrix), data)
    assert response.status_code == 200
    assert len(response.json()["cells"]) == len(sent)


# --- The page ---------------------------------------------------------------------------------------


def test_the_section_page_has_the_grid_and_keeps_the_form_for_browsers_without_javascript(state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    html = logged_in(state_a_official).get(reverse("matrices:edit_section", args=[matrix.pk, "OP2"])).content.decode()
    grid, rest = html.split('<template id="grid-template">', 1)[1].split("</template>", 1)
    assert 'role="grid"' in grid
    cell = grid.split('id="g-cell-OP2-MANUFACTURE-CW-framework"', 1)[1].split("</td>", 1)[0]
    assert 'data-mark="X"' in cell and 'data-source="Chemical Act, s. 3"' in cell
    assert f'data-token="{token_of(matrix, MANUFACTURE_CW)}"' in cell
    assert "1 of 84 cells decided, 83 gaps" in grid
    assert reverse("matrices:save_cell", args=[matrix.pk, "OP2"]) in grid
    form = rest.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert 'id="section-form"' in form and 'name="OP2.MANUFACTURE|CW|framework|mark"' in form
    # The section tabs say how far each section is.
    assert "1/84" in html and "0/33" in html


def test_the_form_stays_available_with_javascript_too(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    url = reverse("matrices:edit_section", args=[matrix.pk, "OP2"])
    html = logged_in(state_a_official).get(url + "?form=1").content.decode()
    assert 'id="section-form"' in html and "grid-template" not in html and "<noscript>" not in html
    data = {"OP2.USE|NW|framework|mark": "?", "OP2.USE|NW|framework|source": "Draft bill"}
    response = logged_in(state_a_official).post(url + "?form=1", data)
    assert response["Location"] == url + "?form=1#cell-OP2-USE-NW-framework"


def test_read_only_versions_have_no_grid(state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    html = logged_in(state_a_official).get(reverse("matrices:edit_section", args=[matrix.pk, "OP2"])).content.decode()
    assert "grid-template" not in html and "grid_editor.js" not in html
    assert "Chemical Act, s. 3" in html
