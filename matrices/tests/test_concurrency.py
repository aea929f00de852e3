"""No lost update: two officials editing one version at the same time, in the section form and the API.

The section form carries the value each cell had when it was shown; a save changes only what this
user changed, and a cell both changed is a conflict shown with both values. The API sends an ETag
and refuses a PATCH whose If-Match is no longer current.
"""

import functools
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from matrices import services
from matrices.models import Cell, Matrix
from matrices.tests.helpers import CELL, draft, published
from portal.audit.models import AuditEvent
from portal.testing.concurrency import all_at_once
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

MANUFACTURE_CW = "OP2.MANUFACTURE|CW|framework"
ACQUIRE_BW = "OP2.ACQUIRE|BW|framework"
USE_NW = "OP2.USE|NW|enforcement"


@pytest.fixture
def second_official(state_a):
    """Another official of the same State as `state_a_official`."""
    return UserFactory(
        username="official-a2", first_name="Beatrice", last_name="Brown", role="state_official", state=state_a
    )


class _FormFields(HTMLParser):
    """The fields of the section form as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._textarea, self._select = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "section-form":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_fields(response) -> dict:
    """What the browser would post back from this page, unchanged (leading newline of textareas aside)."""
    assert response.status_code in (200, 400, 409), response.status_code
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {name: value.removeprefix("\n") for name, value in parser.data.items()}


def section_url(matrix, section="OP2"):
    return reverse("matrices:edit_section", args=[matrix.pk, section])


def stored(matrix, key):
    row, column, aspect = key.split("|")
    cell = Cell.objects.filter(matrix=matrix, row__code=row, column=column, aspect=aspect).first()
    return (cell.mark, cell.source, cell.remarks) if cell else ("", "", "")


def edit(data, key, mark, source="", remarks=""):
    return {**data, f"{key}|mark": mark, f"{key}|source": source, f"{key}|remarks": remarks}


# --- The section form ----------------------------------------------------------------------------


def test_a_stale_form_saves_only_what_its_user_changed(state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    a, b = logged_in(state_a_official), logged_in(second_official)
    seen_by_a = form_fields(a.get(section_url(matrix)))
    seen_by_b = form_fields(b.get(section_url(matrix)))

    response = a.post(section_url(matrix), edit(seen_by_a, MANUFACTURE_CW, "X", "Chemical Weapons Act, s. 3"))
    assert response.status_code == 302
    # B's form still shows the cell blank, and B changes another one.
    response = b.post(section_url(matrix), edit(seen_by_b, ACQUIRE_BW, "?", "Draft biosafety bill"), follow=True)
    assert response.status_code == 200

    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Weapons Act, s. 3", "")
    assert stored(matrix, ACQUIRE_BW) == ("?", "Draft biosafety bill", "")
    assert "Saved: 1 cell(s) changed" in response.content.decode()
    # One audit event per cell actually changed, by whom changed it.
    events = AuditEvent.objects.filter(verb="matrix.cell.update", object_id=str(matrix.pk))
    assert sorted((e.after["row"], e.actor_label) for e in events) == [
        ("OP2.ACQUIRE", "official-a2"),
        ("OP2.MANUFACTURE", "official-a"),
    ]


def test_a_cell_both_officials_changed_is_a_conflict_shown_with_both_values(state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    a, b = logged_in(state_a_official), logged_in(second_official)
    seen_by_a = form_fields(a.get(section_url(matrix)))
    seen_by_b = form_fields(b.get(section_url(matrix)))
    changes_by_a = edit(seen_by_a, MANUFACTURE_CW, "X", "Chemical Weapons Act, s. 3")
    assert a.post(section_url(matrix), edit(changes_by_a, USE_NW, "?", "Penal Code, art. 12")).status_code == 302
    before = (
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "mark", "source")),
        AuditEvent.objects.count(),
    )

    mine = edit(seen_by_b, MANUFACTURE_CW, "?", "Customs Act, s. 9")
    mine = edit(mine, ACQUIRE_BW, "X", "Biological Weapons Act, s. 2")
    response = b.post(section_url(matrix), mine)

    assert response.status_code == 409
    html = response.content.decode()
    assert "nothing was saved" in html
    assert 'id="cell-OP2-MANUFACTURE-CW-framework-conflict"' in html
    assert "Customs Act, s. 9" in html  # your value
    assert "Chemical Weapons Act, s. 3" in html  # the value saved now
    assert "by official-a" in html
    # Nothing saved, B's other edit is kept in the form, and the cell A changed that B did not is
    # shown as A saved it.
    assert (
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "mark", "source")),
        AuditEvent.objects.count(),
    ) == before
    again = form_fields(response)
    assert again[f"{ACQUIRE_BW}|source"] == "Biological Weapons Act, s. 2"
    assert again[f"{MANUFACTURE_CW}|source"] == "Customs Act, s. 9"
    assert again[f"{USE_NW}|source"] == "Penal Code, art. 12"

    # Having seen both, B saves again: B's value wins, A's other cell stays.
    assert b.post(section_url(matrix), again).status_code == 302
    assert stored(matrix, MANUFACTURE_CW) == ("?", "Customs Act, s. 9", "")
    assert stored(matrix, ACQUIRE_BW) == ("X", "Biological Weapons Act, s. 2", "")
    assert stored(matrix, USE_NW) == ("?", "Penal Code, art. 12", "")


def test_the_same_change_made_by_both_officials_is_no_conflict(state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    a, b = logged_in(state_a_official), logged_in(second_official)
    seen_by_a = form_fields(a.get(section_url(matrix)))
    seen_by_b = form_fields(b.get(section_url(matrix)))
    assert a.post(section_url(matrix), edit(seen_by_a, MANUFACTURE_CW, "X", "Act 1, s. 2")).status_code == 302
    response = b.post(section_url(matrix), edit(seen_by_b, MANUFACTURE_CW, "X", "Act 1, s. 2"), follow=True)
    assert response.status_code == 200
    assert "already saved" in response.content.decode()
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Act 1, s. 2", "")
    assert AuditEvent.objects.filter(verb="matrix.cell.update", object_id=str(matrix.pk)).count() == 1


def test_an_invalid_field_is_shown_with_its_error_and_nothing_is_saved(state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[{**CELL, "remarks": "Penal provisions"}])
    client = logged_in(state_a_official)
    before = (
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "mark", "source")),
        AuditEvent.objects.count(),
    )
    data = edit(form_fields(client.get(section_url(matrix))), ACQUIRE_BW, "?", "Draft bill")
    data[f"{MANUFACTURE_CW}|remarks"] = "Penal provisions\x00 of 2004"

    response = client.post(section_url(matrix), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "nothing was saved" in html
    assert 'id="cell-OP2-MANUFACTURE-CW-framework-remarks-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Saved:" not in html
    assert (
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "mark", "source")),
        AuditEvent.objects.count(),
    ) == before
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "Penal provisions")
    # What the user typed elsewhere is kept.
    assert form_fields(response)[f"{ACQUIRE_BW}|source"] == "Draft bill"


def test_a_missing_or_garbled_token_compares_the_cell_with_what_is_stored(state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    client = logged_in(state_a_official)
    data = form_fields(client.get(section_url(matrix)))
    data[f"{MANUFACTURE_CW}|shown"] = "<garbled>\x00"
    del data[f"{ACQUIRE_BW}|shown"]
    data = edit(data, ACQUIRE_BW, "?", "Draft bill")
    assert client.post(section_url(matrix), data).status_code == 302
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")
    assert stored(matrix, ACQUIRE_BW) == ("?", "Draft bill", "")


# --- The service ---------------------------------------------------------------------------------


def test_update_cells_checks_the_values_shown_under_the_lock(state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    key = ("OP2.MANUFACTURE", "CW", "framework")
    blank = services.cell_token("", "", "")
    services.update_cells(matrix, [CELL], acting_user=state_a_official, shown={key: blank})

    with pytest.raises(services.CellConflict) as refused:
        services.update_cells(
            matrix, [{**CELL, "mark": "?", "source": "Other"}], acting_user=second_official, shown={key: blank}
        )
    (conflict,) = refused.value.conflicts
    assert conflict["saved"] == {"mark": "X", "source": "Chemical Act, s. 3", "remarks": ""}
    assert conflict["yours"] == {"mark": "?", "source": "Other", "remarks": ""}
    assert conflict["by"] == "official-a" and conflict["at"] is not None
    assert refused.value.code == "conflict" and refused.value.status == 409
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")
    # Shown as it is now: no conflict.
    current = services.cell_token("X", "Chemical Act, s. 3", "")
    services.update_cells(matrix, [{**CELL, "mark": "?"}], acting_user=second_official, shown={key: current})
    assert stored(matrix, MANUFACTURE_CW) == ("?", "Chemical Act, s. 3", "")


def test_every_change_of_a_version_raises_its_revision(state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    revisions = [matrix.revision]
    services.update_cells(matrix, [CELL], acting_user=state_a_official)
    matrix.refresh_from_db()
    revisions.append(matrix.revision)
    services.update_cells(matrix, [CELL], acting_user=state_a_official)  # no change: same revision
    matrix.refresh_from_db()
    assert matrix.revision == revisions[-1]
    services.submit(matrix, acting_user=state_a_official)
    matrix.refresh_from_db()
    revisions.append(matrix.revision)
    services.set_consent(matrix, consent=True, acting_user=state_a_official)
    matrix.refresh_from_db()
    revisions.append(matrix.revision)
    assert revisions == sorted(set(revisions))


def test_concurrent_saves_of_one_cell_cannot_both_pass_the_check(
    needs_postgres, transactional_db, state_a, state_a_official, second_official
):
    matrix = draft(state_a, state_a_official)
    key = ("OP2.MANUFACTURE", "CW", "framework")
    blank = services.cell_token("", "", "")
    users = [state_a_official, second_official] * 5

    def save(index):
        try:
            services.update_cells(
                Matrix.objects.get(pk=matrix.pk),
                [{**CELL, "source": f"Act {index}"}],
                acting_user=users[index],
                shown={key: blank},
            )
            return "saved"
        except services.CellConflict:
            return "conflict"

    results = all_at_once([functools.partial(save, index) for index in range(len(users))])
    assert sorted(results) == ["conflict"] * (len(users) - 1) + ["saved"]
    winner = results.index("saved")
    assert stored(matrix, MANUFACTURE_CW) == ("X", f"Act {winner}", "")
    assert AuditEvent.objects.filter(verb="matrix.cell.update", object_id=str(matrix.pk)).count() == 1


# --- The API: ETag and If-Match ------------------------------------------------------------------


def cells_url(matrix):
    return f"/api/v1/matrices/{matrix.pk}/cells/"


def state_of(matrix):
    matrix.refresh_from_db()
    return (
        matrix.revision,
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "column", "mark", "source")),
        AuditEvent.objects.count(),
    )


def test_a_version_is_sent_with_an_etag_that_changes_with_every_write(token_client, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    client = token_client(state_a_official)
    first = client.get(f"/api/v1/matrices/{matrix.pk}/")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert client.get(f"/api/v1/matrices/{matrix.pk}/")["ETag"] == etag  # stable while nothing changes

    patched = client.patch(cells_url(matrix), {"cells": [CELL]}, format="json", HTTP_IF_MATCH=etag)
    assert patched.status_code == 200
    assert patched["ETag"] != etag
    assert client.get(f"/api/v1/matrices/{matrix.pk}/")["ETag"] == patched["ETag"]

    client.post(f"/api/v1/matrices/{matrix.pk}/submit/")
    assert client.get(f"/api/v1/matrices/{matrix.pk}/")["ETag"] != patched["ETag"]


def test_a_stale_if_match_is_a_412_and_changes_nothing(token_client, state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    a, b = token_client(state_a_official), token_client(second_official)
    etag = b.get(f"/api/v1/matrices/{matrix.pk}/")["ETag"]
    assert a.patch(cells_url(matrix), {"cells": [CELL]}, format="json").status_code == 200
    before = state_of(matrix)

    for stale in (etag, f"W/{etag}", '"0-1"', "not-an-etag"):
        response = b.patch(
            cells_url(matrix), {"cells": [{**CELL, "mark": "?", "source": "Old"}]}, format="json", HTTP_IF_MATCH=stale
        )
        assert response.status_code == 412, stale
        body = response.json()
        assert body["code"] == "stale-version"
        assert body["detail"]
        assert state_of(matrix) == before
    assert stored(matrix, MANUFACTURE_CW) == ("X", "Chemical Act, s. 3", "")


def test_a_current_if_match_saves(token_client, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    client = token_client(state_a_official)
    etag = client.get(f"/api/v1/matrices/{matrix.pk}/")["ETag"]
    response = client.patch(cells_url(matrix), {"cells": [CELL]}, format="json", HTTP_IF_MATCH=f'"0-0", {etag}')
    assert response.status_code == 200
    response = client.patch(cells_url(matrix), {"cells": [{**CELL, "mark": "?"}]}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    assert stored(matrix, MANUFACTURE_CW) == ("?", "Chemical Act, s. 3", "")


def test_without_if_match_a_patch_overwrites(token_client, state_a, state_a_official, second_official):
    matrix = draft(state_a, state_a_official)
    a, b = token_client(state_a_official), token_client(second_official)
    b.get(f"/api/v1/matrices/{matrix.pk}/")
    assert a.patch(cells_url(matrix), {"cells": [CELL]}, format="json").status_code == 200
    response = b.patch(cells_url(matrix), {"cells": [{**CELL, "mark": "?", "source": "Bill"}]}, format="json")
    assert response.status_code == 200
    assert stored(matrix, MANUFACTURE_CW) == ("?", "Bill", "")


def test_the_public_gets_the_etag_of_a_published_version_from_the_cache(api_client, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    first = api_client.get(f"/api/v1/matrices/{matrix.pk}/")
    second = api_client.get(f"/api/v1/matrices/{matrix.pk}/")  # from the cache
    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"] == f'"{matrix.pk}-{matrix.revision}"'


def test_the_schema_documents_etag_and_if_match(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    patch = schema["paths"]["/api/v1/matrices/{id}/cells/"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert "412" in patch["responses"]
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "ETag" in schema["paths"]["/api/v1/matrices/{id}/"]["get"]["responses"]["200"]["headers"]
