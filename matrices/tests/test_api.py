"""The matrices API: what each role may see and do, the lifecycle, bad input, query counts."""

import pytest

from matrices import services
from matrices.models import Cell, Matrix
from matrices.tests.helpers import CELL, draft, full_cells, published, regime, submitted
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(api_client, token_client, state_a_official, state_b_official, expert, provider_chemical):
    return {
        "public": api_client,
        "official_a": token_client(state_a_official),
        "official_b": token_client(state_b_official),
        "expert": token_client(expert),
        "provider": token_client(provider_chemical),
        "read_only_a": token_client(state_a_official, read_only=True),
    }


def snapshot(matrix):
    matrix.refresh_from_db()
    return (
        matrix.status,
        matrix.consent_given_at,
        Cell.objects.filter(matrix=matrix).count(),
        AuditEvent.objects.count(),
    )


# --- Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 404),
        ("official_a", 200),
        ("official_b", 404),
        ("expert", 200),
        ("provider", 404),
        ("read_only_a", 200),
    ],
)
def test_only_the_state_and_experts_see_an_unpublished_version(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    response = clients[who].get(f"/api/v1/matrices/{matrix.pk}/")
    assert response.status_code == expected
    if expected == 404:
        assert response.json()["code"] == "not-found"
        assert "Chemical Act" not in response.content.decode()


@pytest.mark.parametrize("who", ["public", "official_a", "official_b", "expert", "provider"])
def test_everyone_sees_a_published_version_with_all_its_cells(clients, who, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    response = clients[who].get(f"/api/v1/matrices/{matrix.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published" and body["state"] == "JAM" and body["regime"] == "1540"
    assert len(body["cells"]) == len(services.layout(matrix.template))
    cell = next(
        c for c in body["cells"] if (c["row"], c["column"], c["aspect"]) == ("OP2.MANUFACTURE", "CW", "framework")
    )
    assert cell == {**CELL, "remarks": "", "derived_from": None}


def test_the_list_shows_each_role_exactly_what_it_may_see(
    clients, state_a, state_b, state_a_official, state_b_official, expert
):
    published_a = published(state_a, state_a_official, expert, code="CWC")
    draft_a = draft(state_a, state_a_official, code="NPT")
    draft_b = draft(state_b, state_b_official, code="NPT")

    def ids(who, query=""):
        return {m["id"] for m in clients[who].get(f"/api/v1/matrices/{query}").json()["results"]}

    assert ids("public") == {published_a.pk}
    assert ids("provider") == {published_a.pk}
    assert ids("official_a") == {published_a.pk, draft_a.pk}
    assert ids("official_b") == {published_a.pk, draft_b.pk}
    assert ids("expert") == {published_a.pk, draft_a.pk, draft_b.pk}
    assert ids("expert", "?state=kEn") == {draft_b.pk}
    assert ids("expert", "?regime=npt&status=draft") == {draft_a.pk, draft_b.pk}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?state=XXX", "invalid"),
        ("?regime=ABC", "invalid"),
        ("?status=lost", "invalid"),
        ("?stat=draft", "unknown-parameter"),
    ],
)
def test_bad_list_filters_are_a_400(api_client, reference, query, code):
    response = api_client.get(f"/api/v1/matrices/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_the_list_runs_a_constant_number_of_queries(
    api_client, state_a, state_b, state_a_official, state_b_official, expert, django_assert_num_queries
):
    published(state_a, state_a_official, expert)
    # The public's list is cached (matrices/cache.py): the publication signature (the cache key),
    # then on a miss the count and the page; on a hit the signature only.
    with django_assert_num_queries(3):
        assert api_client.get("/api/v1/matrices/").json()["count"] == 1
    for code in ("CWC", "NPT", "BWC"):
        published(state_a, state_a_official, expert, code=code)
        published(state_b, state_b_official, expert, code=code)
    with django_assert_num_queries(3):
        assert api_client.get("/api/v1/matrices/").json()["count"] == 7
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/matrices/").json()["count"] == 7


def test_a_matrix_reads_in_the_same_number_of_queries_with_few_or_all_cells(
    api_client, state_a, state_b, state_a_official, state_b_official, expert, django_assert_num_queries
):
    small = published(state_a, state_a_official, expert, cells=[CELL])
    big = draft(state_b, state_b_official)
    services.update_cells(big, full_cells(big), acting_user=state_b_official)
    services.submit(big, acting_user=state_b_official)
    services.approve(big, acting_user=expert)
    big = services.set_consent(big, consent=True, acting_user=state_b_official)
    assert big.cells.count() == 357
    with django_assert_num_queries(3):  # version, layout rows, cells
        api_client.get(f"/api/v1/matrices/{small.pk}/")
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/v1/matrices/{big.pk}/")
    assert all(cell["mark"] == "X" for cell in response.json()["cells"])


# --- Templates -----------------------------------------------------------------------------------


def test_the_1540_template_has_its_four_sections_and_real_cell_layout(api_client, reference):
    body = api_client.get("/api/v1/regimes/1540/template/").json()
    assert [s["code"] for s in body["sections"]] == ["OP1", "OP2", "OP3ab", "OP3cd"]
    rows = {row["code"]: row for section in body["sections"] for row in section["rows"]}
    assert len(rows) == 87
    assert rows["OP1.NPT"]["cells"] == [{"column": "ALL", "aspect": "framework"}]
    assert len(rows["OP2.MANUFACTURE"]["cells"]) == 6


def test_a_checklist_template_shows_where_each_item_counts_in_1540(api_client, reference):
    body = api_client.get("/api/v1/regimes/cwc/template/").json()
    rows = {row["code"]: row for section in body["sections"] for row in section["rows"]}
    assert len(rows) == 32
    assert {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"} in rows["CWC-DEF-CW"]["maps_to"]
    assert api_client.get("/api/v1/regimes/xyz/template/").status_code == 404
    assert [r["code"] for r in api_client.get("/api/v1/regimes/").json()] == ["1540", "CWC", "NPT", "BWC"]


# --- Writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 201),
        ("official_b", 403),
        ("expert", 201),
        ("provider", 403),
        ("read_only_a", 403),
    ],
)
def test_who_may_start_a_draft(clients, who, expected, reference):
    response = clients[who].post("/api/v1/matrices/", {"state": "JAM", "regime": "1540"}, format="json")
    assert response.status_code == expected
    assert Matrix.objects.filter(state__iso3="JAM").count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["status"] == "draft"


def test_a_new_draft_is_copied_from_the_latest_published_version(clients, state_a, state_a_official, expert):
    first = published(state_a, state_a_official, expert, cells=[CELL])
    response = clients["official_a"].post("/api/v1/matrices/", {"state": "jam", "regime": "1540"}, format="json")
    assert response.status_code == 201
    body = clients["official_a"].get(f"/api/v1/matrices/{response.json()['id']}/").json()
    assert body["version"] == 2 and body["based_on"] == first.pk
    assert any(c["source"] == "Chemical Act, s. 3" for c in body["cells"])
    again = clients["official_a"].post("/api/v1/matrices/", {"state": "JAM", "regime": "1540"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "open-version-exists"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"state": "XXX", "regime": "1540"}, "state"), ({"state": "JAM", "regime": "ABC"}, "regime"), ({}, "state")],
)
def test_starting_a_draft_with_bad_input_is_a_400(clients, reference, payload, field):
    response = clients["official_a"].post("/api/v1/matrices/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Matrix.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 200),
        ("official_b", 404),
        ("expert", 403),
        ("provider", 404),
        ("read_only_a", 403),
    ],
)
def test_who_may_edit_cells_of_a_draft(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    before = snapshot(matrix)
    response = clients[who].patch(f"/api/v1/matrices/{matrix.pk}/cells/", {"cells": [CELL]}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert Cell.objects.get(matrix=matrix).source == "Chemical Act, s. 3"
        event = AuditEvent.objects.filter(verb="matrix.cell.update").get()
        assert event.after["mark"] == "X" and event.before["mark"] == ""
    else:
        assert snapshot(matrix) == before


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ({**CELL, "row": "OP9.NOPE"}, "row"),
        ({**CELL, "mark": "Y"}, "mark"),
        ({**CELL, "source": ""}, "source"),
        ({**CELL, "mark": "NA", "remarks": ""}, "remarks"),
        ({**CELL, "source": "<script>alert(1)</script>"}, "source"),
        ({**CELL, "source": "x" * 2001}, "source"),
        ({**CELL, "column": "ALL"}, "column"),
        ({**CELL, "colour": "red"}, "colour"),
    ],
)
def test_bad_cells_are_refused_with_the_reason_and_nothing_is_saved(clients, state_a, state_a_official, cell, field):
    matrix = draft(state_a, state_a_official)
    good = {**CELL, "row": "OP2.ACQUIRE"}
    response = clients["official_a"].patch(
        f"/api/v1/matrices/{matrix.pk}/cells/", {"cells": [good, cell]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]["cells"]["1"]
    assert "0" not in body["errors"]["cells"]
    assert not Cell.objects.filter(matrix=matrix).exists()


@pytest.mark.parametrize("payload", [{"cells": []}, {"cells": "X"}, {"rows": []}, [1, 2]])
def test_malformed_cell_payloads_are_a_400(clients, state_a, state_a_official, payload):
    matrix = draft(state_a, state_a_official)
    response = clients["official_a"].patch(f"/api/v1/matrices/{matrix.pk}/cells/", payload, format="json")
    assert response.status_code == 400


def test_malformed_json_is_a_400(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    response = clients["official_a"].patch(
        f"/api/v1/matrices/{matrix.pk}/cells/", data='{"cells": [', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse-error"


def test_a_published_version_refuses_changes(clients, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    before = snapshot(matrix)
    response = clients["official_a"].patch(
        f"/api/v1/matrices/{matrix.pk}/cells/", {"cells": [{**CELL, "mark": "?"}]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "published-immutable"
    assert snapshot(matrix) == before


def test_editing_a_checklist_fills_the_mapped_1540_cells_once(clients, state_a, state_a_official):
    cwc = draft(state_a, state_a_official, code="CWC")
    item = {"row": "CWC-DEF-CW", "column": "CW", "aspect": "framework", "mark": "X", "source": "CW Act 2000, s. 2"}
    assert (
        clients["official_a"].patch(f"/api/v1/matrices/{cwc.pk}/cells/", {"cells": [item]}, format="json").status_code
        == 200
    )
    m1540 = Matrix.objects.get(state=state_a, regime__code="1540")
    cells = clients["official_a"].get(f"/api/v1/matrices/{m1540.pk}/").json()["cells"]
    derived = [c for c in cells if c["derived_from"]]
    assert {c["row"] for c in derived} == {
        "OP2.MANUFACTURE",
        "OP2.ACQUIRE",
        "OP2.POSSESS",
        "OP2.DEVELOP",
        "OP2.TRANSFER",
        "OP2.USE",
    }
    assert all(c["column"] == "CW" and c["source"] == "CW Act 2000, s. 2" for c in derived)
    assert derived[0]["derived_from"] == {"regime": "CWC", "row": "CWC-DEF-CW"}


# --- Lifecycle -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 200),
        ("official_b", 404),
        ("expert", 403),
        ("provider", 404),
        ("read_only_a", 403),
    ],
)
def test_who_may_submit(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients[who].post(f"/api/v1/matrices/{matrix.pk}/submit/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == "submitted" and response.json()["submitted_at"]
    else:
        assert snapshot(matrix) == before


@pytest.mark.parametrize("action", ["approve", "request-changes"])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 403),
        ("official_b", 404),
        ("expert", 200),
        ("provider", 404),
        ("read_only_a", 403),
    ],
)
def test_only_experts_review(clients, action, who, expected, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients[who].post(f"/api/v1/matrices/{matrix.pk}/{action}/", {}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == ("approved" if action == "approve" else "changes_requested")
    else:
        assert snapshot(matrix) == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 200),
        ("official_b", 404),
        ("expert", 403),
        ("provider", 404),
        ("read_only_a", 403),
    ],
)
def test_only_the_state_consents_to_publication(clients, who, expected, state_a, state_a_official, expert):
    matrix = services.approve(submitted(state_a, state_a_official, cells=[CELL]), acting_user=expert)
    before = snapshot(matrix)
    response = clients[who].post(f"/api/v1/matrices/{matrix.pk}/consent/", {"consent": True}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == "published"
        assert clients["public"].get(f"/api/v1/matrices/{matrix.pk}/").status_code == 200
    else:
        assert snapshot(matrix) == before


def test_the_full_review_cycle_with_consent_given_early(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    official, expert = clients["official_a"], clients["expert"]
    url = f"/api/v1/matrices/{matrix.pk}"
    assert official.post(f"{url}/consent/", {"consent": True}, format="json").json()["consent_given"] is True
    assert official.post(f"{url}/submit/").json()["status"] == "submitted"
    comment = expert.post(
        f"{url}/comments/", {"row": "OP2.MANUFACTURE", "column": "CW", "body": "Which article?"}, format="json"
    )
    assert comment.status_code == 201
    assert official.get(f"{url}/").json()["status"] == "in_review"
    sent_back = expert.post(f"{url}/request-changes/", {"comment": "Cite the article."}, format="json").json()
    assert sent_back["status"] == "changes_requested"
    assert official.get(f"{url}/").json()["review_note"] == "Cite the article."
    assert official.get(f"{url}/comments/").json()[0]["body"] == "Which article?"
    fixed = {**CELL, "source": "Chemical Act, s. 3(1)"}
    assert official.patch(f"{url}/cells/", {"cells": [fixed]}, format="json").status_code == 200
    assert official.post(f"{url}/submit/").json()["status"] == "submitted"
    assert expert.post(f"{url}/approve/").json()["status"] == "published"
    verbs = list(
        AuditEvent.objects.filter(object_id=str(matrix.pk), object_type="matrices.matrix").values_list(
            "verb", flat=True
        )
    )
    for verb in (
        "matrix.create",
        "matrix.consent",
        "matrix.submit",
        "matrix.comment",
        "matrix.request_changes",
        "matrix.approve",
        "matrix.publish",
    ):
        assert verb in verbs


@pytest.mark.parametrize(
    ("make", "action", "code"),
    [
        (draft, "approve", "invalid-transition"),
        (submitted, "submit", "invalid-transition"),
        (published, "request-changes", "published-immutable"),
    ],
)
def test_transitions_out_of_order_are_refused(clients, state_a, state_a_official, expert, make, action, code):
    matrix = (
        make(state_a, state_a_official, expert, cells=[CELL])
        if make is published
        else make(state_a, state_a_official, cells=[CELL])
    )
    before = snapshot(matrix)
    client = clients["official_a"] if action == "submit" else clients["expert"]
    response = client.post(f"/api/v1/matrices/{matrix.pk}/{action}/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code
    assert snapshot(matrix) == before


def test_withdrawing_consent_unpublishes(clients, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    response = clients["official_a"].post(f"/api/v1/matrices/{matrix.pk}/consent/", {"consent": False}, format="json")
    assert response.json()["status"] == "approved"
    assert clients["public"].get(f"/api/v1/matrices/{matrix.pk}/").status_code == 404


# --- Diff and gaps -------------------------------------------------------------------------------


def test_two_versions_compare_cell_by_cell(clients, state_a, state_a_official, expert):
    first = published(state_a, state_a_official, expert, cells=[CELL])
    second = services.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    services.update_cells(second, [{**CELL, "mark": "?", "source": "Draft bill"}], acting_user=state_a_official)
    response = clients["official_a"].get(f"/api/v1/matrices/{second.pk}/diff/?against={first.pk}")
    assert response.status_code == 200
    assert response.json()["changes"] == [
        {
            "row": "OP2.MANUFACTURE",
            "column": "CW",
            "aspect": "framework",
            "before": {"mark": "X", "source": "Chemical Act, s. 3", "remarks": ""},
            "after": {"mark": "?", "source": "Draft bill", "remarks": ""},
        }
    ]
    assert clients["public"].get(f"/api/v1/matrices/{first.pk}/diff/?against={second.pk}").status_code == 404
    assert clients["official_a"].get(f"/api/v1/matrices/{first.pk}/diff/?against=abc").status_code == 400


def test_gaps_list_applicable_cells_that_are_blank_or_uncertain(clients, state_a, state_a_official):
    matrix = draft(
        state_a,
        state_a_official,
        cells=[
            CELL,
            {**CELL, "column": "NW", "mark": "?", "source": ""},
            {**CELL, "column": "BW", "mark": "NA", "source": "", "remarks": "No facility"},
        ],
    )
    body = clients["official_a"].get("/api/v1/gaps/?state=JAM").json()
    keys = {(g["row"], g["column"], g["aspect"]) for g in body["gaps"] if g["matrix"] == matrix.pk}
    assert ("OP2.MANUFACTURE", "NW", "framework") in keys
    assert ("OP2.MANUFACTURE", "CW", "framework") not in keys
    assert ("OP2.MANUFACTURE", "BW", "framework") not in keys
    assert body["total"] == len(services.layout(matrix.template)) - 2
    assert sum(s["count"] for s in body["sections"]) == body["total"]
    # Nothing unpublished reaches the public or another State.
    assert clients["public"].get("/api/v1/gaps/?state=JAM").json()["total"] == 0
    assert clients["official_b"].get("/api/v1/gaps/?state=JAM").json()["total"] == 0
    assert clients["public"].get("/api/v1/gaps/?state=XXX").status_code == 404
    assert clients["public"].get("/api/v1/gaps/").status_code == 400
