"""The State's workspace pages: who sees what, section forms, report once, submission, consent,
the national report document, comments, gaps, and constant query counts."""

import datetime

import pytest
from django.urls import reverse

from matrices import services
from matrices.models import Cell, Comment, Matrix
from matrices.tests.helpers import CELL, approved, draft, full_cells, published, regime, submitted
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MANUFACTURE_CW = "OP2.MANUFACTURE|CW|framework"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clients(state_a_official, state_b_official, expert, provider_chemical):
    return {
        "anonymous": logged_in(None),
        "official_a": logged_in(state_a_official),
        "official_b": logged_in(state_b_official),
        "expert": logged_in(expert),
        "provider": logged_in(provider_chemical),
    }


def snapshot(matrix):
    """Everything a refused request must leave as it was."""
    matrix.refresh_from_db()
    return (
        matrix.status,
        matrix.consent_given_at,
        matrix.document.name,
        matrix.report_date,
        sorted(Cell.objects.filter(matrix=matrix).values_list("row__code", "column", "aspect", "mark", "source")),
        Comment.objects.count(),
        AuditEvent.objects.count(),
    )


def section_url(matrix, section="OP2"):
    return reverse("matrices:edit_section", args=[matrix.pk, section])


def cell_post(matrix, section="OP2", **values):
    """The section form as the browser sends it: every cell of the section, as displayed."""
    data = {}
    for spec in services.layout(matrix.template):
        if spec.row.section.code != section:
            continue
        stored = Cell.objects.filter(
            matrix=matrix, row__code=spec.row.code, column=spec.column, aspect=spec.aspect
        ).first()
        prefix = "|".join(spec.key)
        for field in ("mark", "source", "remarks"):
            data[f"{prefix}|{field}"] = getattr(stored, field) if stored else ""
    for name, value in values.items():
        data[name] = value
    return data


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_officials_four_regimes_with_every_version(clients, state_a, state_a_official, expert):
    published(state_a, state_a_official, expert, cells=[CELL])
    services.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    response = clients["official_a"].get(reverse("matrices:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Matrices of Jamaica" in html
    for code in ("1540", "CWC", "NPT", "BWC"):
        assert f'id="regime-{code.lower()}"' in html
    assert "Open version 2 (draft)" in html
    assert "Start a draft (CWC)" in html
    assert "1 of 357 (0%)" in html  # coverage of the published version: one X
    assert reverse("matrices:gaps") in html


def test_the_dashboard_of_another_state_shows_none_of_state_a(clients, state_a, state_a_official):
    draft(state_a, state_a_official, cells=[CELL])
    response = clients["official_b"].get(reverse("matrices:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Matrices of Kenya" in html
    assert "Jamaica" not in html
    assert "Open version" not in html


def test_the_dashboard_refuses_anonymous_users_and_providers(clients):
    assert_login_redirect(clients["anonymous"].get(reverse("matrices:dashboard")))
    assert clients["provider"].get(reverse("matrices:dashboard")).status_code == 403


def test_an_expert_follows_a_state_through_the_dashboard(clients, state_a, state_a_official):
    draft(state_a, state_a_official, cells=[CELL])
    response = clients["expert"].get(reverse("matrices:dashboard"))
    assert response.status_code in (200, 302)  # the review queue, once it exists, or a State picker
    response = clients["expert"].get(reverse("matrices:dashboard") + "?state=jam")
    assert response.status_code == 200
    assert "Open version 1 (draft)" in response.content.decode()
    assert clients["expert"].get(reverse("matrices:dashboard") + "?state=XXX").status_code == 404


# --- Starting a draft -----------------------------------------------------------------------------


def test_an_official_starts_a_draft_for_their_own_state_only(clients, state_a, state_b):
    response = clients["official_a"].post(reverse("matrices:start"), {"regime": "cwc", "state": "KEN"})
    matrix = Matrix.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matrices:workspace", args=[matrix.pk])
    assert (matrix.state, matrix.regime.code, matrix.status, matrix.prepared_by_expert) == (
        state_a,
        "CWC",
        "draft",
        False,
    )


def test_starting_a_second_open_version_is_refused_and_changes_nothing(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    before = snapshot(matrix)
    response = clients["official_a"].post(reverse("matrices:start"), {"regime": "1540"})
    assert response.status_code == 409
    assert "already has an open 1540 version" in response.content.decode()
    assert Matrix.objects.count() == 1
    assert snapshot(matrix) == before


def test_an_expert_prepares_a_draft_for_a_state(clients, state_b):
    response = clients["expert"].post(reverse("matrices:start"), {"regime": "1540", "state": "KEN"})
    assert response.status_code == 302
    matrix = Matrix.objects.get()
    assert (matrix.state, matrix.prepared_by_expert) == (state_b, True)


@pytest.mark.parametrize(
    ("who", "data", "expected"),
    [
        ("anonymous", {"regime": "1540"}, 302),
        ("provider", {"regime": "1540"}, 403),
        ("official_a", {"regime": "XYZ"}, 400),
        ("expert", {"regime": "1540"}, 400),  # an expert must say for which State
    ],
)
def test_bad_or_denied_starts_create_nothing(clients, who, data, expected):
    events = AuditEvent.objects.count()
    response = clients[who].post(reverse("matrices:start"), data)
    assert response.status_code == expected
    assert Matrix.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_starting_a_draft_needs_a_post(clients):
    assert clients["official_a"].get(reverse("matrices:start")).status_code == 405


# --- The overview of a version ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("official_a", 200), ("official_b", 404), ("expert", 200), ("provider", 403)],
)
def test_only_the_state_and_experts_open_an_unpublished_version(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    for url in (reverse("matrices:workspace", args=[matrix.pk]), section_url(matrix)):
        response = clients[who].get(url)
        assert response.status_code == expected
        if expected != 200:
            assert "Chemical Act" not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), [("official_b", 200), ("expert", 200), ("provider", 403)])
def test_a_published_version_opens_read_only_for_others(clients, who, expected, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    response = clients[who].get(reverse("matrices:workspace", args=[matrix.pk]))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "This version is published and cannot be changed" in html
        assert reverse("matrices:submit", args=[matrix.pk]) not in html
        assert reverse("matrices:consent", args=[matrix.pk]) not in html


def test_the_overview_shows_dates_coverage_comments_derived_cells_and_actions(
    clients, state_a, state_a_official, expert
):
    services.start_draft(state_a, regime("CWC"), acting_user=state_a_official)
    cwc = Matrix.objects.get(regime__code="CWC")
    services.update_cells(
        cwc,
        [{"row": "CWC-DEF-CW", "column": "CW", "aspect": "framework", "mark": "X", "source": "CW Act, s. 2"}],
        acting_user=state_a_official,
    )
    matrix = Matrix.objects.get(regime__code="1540")
    services.add_comment(
        matrix, row="OP2.USE", column="CW", aspect="framework", body='Which article? "s. 3" & 4', acting_user=expert
    )
    response = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jamaica: Resolution 1540" in html or "Jamaica:" in html
    assert 'data-status="draft"' in html
    assert "OP2: prohibitions and their enforcement" in html
    assert "6 of 84" in html  # six OP2 cells derived from CWC-DEF-CW
    assert "derived from the CWC report (CWC-DEF-CW)" in html
    assert "Which article? &quot;s. 3&quot; &amp; 4" in html
    assert section_url(matrix) + "#cell-OP2-USE-CW-framework" in html
    assert reverse("matrices:submit", args=[matrix.pk]) in html
    assert reverse("matrices:upload_document", args=[matrix.pk]) in html
    assert "Give consent to publish" in html


def test_the_overview_offers_a_new_draft_from_a_published_version(clients, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    html = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert "Start a new draft from this version" in html
    assert "Withdraw consent to publish" in html
    response = clients["official_a"].post(reverse("matrices:start"), {"regime": "1540"})
    new = Matrix.objects.get(version=2)
    assert response["Location"] == reverse("matrices:workspace", args=[new.pk])
    assert new.cells.get().source == "Chemical Act, s. 3"


# --- The section form ------------------------------------------------------------------------------


def test_an_official_saves_a_section_and_is_redirected_with_a_message(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    data = cell_post(matrix, **{f"{MANUFACTURE_CW}|mark": "X", f"{MANUFACTURE_CW}|source": "Chemical Act, s. 3"})
    response = clients["official_a"].post(section_url(matrix), data)
    assert response.status_code == 302
    # Back at the cell that was changed: the official keeps their place in the section.
    assert response["Location"] == section_url(matrix) + "#cell-OP2-MANUFACTURE-CW-framework"
    cell = matrix.cells.get()
    assert (cell.row.code, cell.column, cell.mark, cell.source, cell.updated_by) == (
        "OP2.MANUFACTURE",
        "CW",
        "X",
        "Chemical Act, s. 3",
        state_a_official,
    )
    page = clients["official_a"].get(section_url(matrix)).content.decode()
    assert "Saved: 1 cell(s) changed" in page
    assert "Chemical Act, s. 3" in page


def test_fields_left_out_of_a_post_keep_their_values(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    data = {"OP2.USE|NW|framework|mark": "?", "OP2.USE|NW|framework|source": "Draft bill"}
    assert clients["official_a"].post(section_url(matrix), data).status_code == 302
    assert sorted(matrix.cells.values_list("row__code", "mark", "source")) == [
        ("OP2.MANUFACTURE", "X", "Chemical Act, s. 3"),
        ("OP2.USE", "?", "Draft bill"),
    ]


def test_saving_an_unchanged_section_saves_nothing(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients["official_a"].post(section_url(matrix), cell_post(matrix), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert snapshot(matrix) == before


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"mark": "X", "source": ""}, "source", "A mark of X needs its legal source"),
        ({"mark": "NA", "remarks": ""}, "remarks", "NA needs a reason in the remarks"),
        ({"mark": "X", "source": "<script>alert(1)</script>"}, "source", "HTML tags are not allowed"),
        ({"mark": "?", "remarks": "r" * 2001}, "remarks", "At most 2000 characters"),
        ({"mark": "Z"}, "mark", "A mark is one of X, ?, NA or blank"),
    ],
)
def test_a_section_with_an_invalid_cell_shows_the_error_next_to_it_and_saves_nothing(
    clients, state_a, state_a_official, values, field, message
):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    data = cell_post(
        matrix,
        **{f"{MANUFACTURE_CW}|{name}": value for name, value in values.items()},
        **{"OP2.USE|NW|framework|mark": "X", "OP2.USE|NW|framework|source": "Nuclear Act, s. 9"},
    )
    response = clients["official_a"].post(section_url(matrix), data)
    assert response.status_code == 400
    html = response.content.decode()
    error_id = f"cell-OP2-MANUFACTURE-CW-framework-{field}-error"
    assert f'aria-describedby="{error_id}"' in html
    error_div = html.split(f'id="{error_id}">', 1)[1].split("</div>", 1)[0]
    assert message in error_div
    assert "1 of 2 cells are not valid; nothing was saved." in html
    # What the user typed is kept, escaped.
    assert "Nuclear Act, s. 9" in html
    assert "<script>alert(1)</script>" not in html
    assert snapshot(matrix) == before


@pytest.mark.parametrize(("who", "expected"), [("official_b", 404), ("expert", 403), ("provider", 403)])
def test_others_cannot_save_a_states_section(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    data = cell_post(matrix, **{f"{MANUFACTURE_CW}|mark": "NA", f"{MANUFACTURE_CW}|remarks": "No chemical industry"})
    assert clients[who].post(section_url(matrix), data).status_code == expected
    assert snapshot(matrix) == before


def test_a_submitted_version_is_read_only_with_a_note(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    response = clients["official_a"].get(section_url(matrix))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="read-only-note"' in html
    assert "read-only until the Committee" in html
    assert 'id="section-form"' not in html
    assert "Chemical Act, s. 3" in html
    before = snapshot(matrix)
    data = cell_post(matrix, **{f"{MANUFACTURE_CW}|source": "Other Act"})
    assert clients["official_a"].post(section_url(matrix), data).status_code == 409
    assert snapshot(matrix) == before


def test_an_expert_edits_a_draft_they_prepare(clients, state_b, expert):
    matrix = services.start_draft(state_b, regime("1540"), acting_user=expert)
    data = cell_post(matrix, **{f"{MANUFACTURE_CW}|mark": "?", f"{MANUFACTURE_CW}|source": "Gazette 2004"})
    assert clients["expert"].post(section_url(matrix), data).status_code == 302
    assert matrix.cells.get().mark == "?"


def test_an_unknown_section_is_not_found(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    assert clients["official_a"].get(section_url(matrix, "OP9")).status_code == 404


def test_checklist_sections_with_spaces_and_slashes_have_working_urls(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, code="BWC")
    response = clients["official_a"].get(section_url(matrix, "biosafety-biosecurity"))
    assert response.status_code == 200
    assert "Biosafety/biosecurity" in response.content.decode()
    assert clients["official_a"].get(section_url(matrix, "transfer controls")).status_code == 200


def test_saving_a_cwc_checklist_item_shows_derived_cells_in_the_1540_matrix(clients, state_a, state_a_official):
    cwc = draft(state_a, state_a_official, code="CWC")
    data = cell_post(
        cwc,
        "definitions",
        **{"CWC-DEF-CW|CW|framework|mark": "X", "CWC-DEF-CW|CW|framework|source": "Chemical Weapons Act 2004, s. 2"},
    )
    response = clients["official_a"].post(section_url(cwc, "definitions"), data, follow=True)
    assert "The mapped cells of the 1540 matrix were updated" in response.content.decode()
    matrix_1540 = Matrix.objects.get(state=state_a, regime__code="1540")
    html = clients["official_a"].get(section_url(matrix_1540)).content.decode()
    row = html.split('id="cell-OP2-MANUFACTURE-CW-framework"', 1)[1].split("</tr>", 1)[0]
    assert "derived from the CWC report (CWC-DEF-CW)" in row
    assert "Chemical Weapons Act 2004, s. 2" in row
    assert "overridden" not in row

    # Saving the 1540 section without touching the derived cells keeps them derived.
    other = {"OP2.USE|NW|framework|mark": "X", "OP2.USE|NW|framework|source": "Nuclear Act"}
    clients["official_a"].post(section_url(matrix_1540), cell_post(matrix_1540, **other))
    assert not matrix_1540.cells.filter(overridden=True).exists()

    # Changing one is an override, shown as such.
    override = {f"{MANUFACTURE_CW}|source": "Chemical Weapons Act 2004, s. 2 and s. 5"}
    clients["official_a"].post(section_url(matrix_1540), cell_post(matrix_1540, **override))
    html = clients["official_a"].get(section_url(matrix_1540)).content.decode()
    row = html.split('id="cell-OP2-MANUFACTURE-CW-framework"', 1)[1].split("</tr>", 1)[0]
    assert "derived from the CWC report (CWC-DEF-CW)" in row
    assert "overridden" in row


def test_line_breaks_sent_by_browsers_do_not_count_as_changes(clients, state_a, state_a_official):
    cell = {**CELL, "source": "Chemical Act,\ns. 3"}
    matrix = draft(state_a, state_a_official, cells=[cell])
    data = cell_post(matrix, **{f"{MANUFACTURE_CW}|source": "Chemical Act,\r\ns. 3"})
    events = AuditEvent.objects.count()
    response = clients["official_a"].post(section_url(matrix), data, follow=True)
    assert "Nothing to save" in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_expert_comments_are_shown_next_to_the_cell_and_the_official_replies(
    clients, state_a, state_a_official, expert
):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    services.add_comment(
        matrix, row="OP2.MANUFACTURE", column="CW", aspect="framework", body="Cite the article.", acting_user=expert
    )
    html = clients["official_a"].get(section_url(matrix)).content.decode()
    after_cell = html.split('id="cell-OP2-MANUFACTURE-CW-framework"', 1)[1].split("</tbody>", 1)[0]
    assert "Cite the article." in after_cell
    assert 'form="cell-OP2-MANUFACTURE-CW-framework-reply"' in after_cell

    response = clients["official_a"].post(
        reverse("matrices:comment", args=[matrix.pk]),
        {
            "row": "OP2.MANUFACTURE",
            "column": "CW",
            "aspect": "framework",
            "body": "Article 3 of the Chemical Act.",
            "next": section_url(matrix) + "#cell-OP2-MANUFACTURE-CW-framework",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == section_url(matrix) + "#cell-OP2-MANUFACTURE-CW-framework"
    reply = Comment.objects.latest("id")
    assert (reply.author, reply.body) == (state_a_official, "Article 3 of the Chemical Act.")


# --- Comments -------------------------------------------------------------------------------------


def test_an_expert_comments_on_a_submitted_version_through_the_page(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    response = clients["expert"].post(
        reverse("matrices:comment", args=[matrix.pk]),
        {"cell": MANUFACTURE_CW, "body": "Which article?", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("matrices:workspace", args=[matrix.pk])
    matrix.refresh_from_db()
    assert matrix.status == "in_review"
    assert Comment.objects.get().body == "Which article?"


@pytest.mark.parametrize(
    ("who", "data", "expected"),
    [
        ("official_b", {"cell": MANUFACTURE_CW, "body": "Hello"}, 404),
        ("provider", {"cell": MANUFACTURE_CW, "body": "Hello"}, 403),
        ("anonymous", {"cell": MANUFACTURE_CW, "body": "Hello"}, 302),
        ("expert", {"cell": MANUFACTURE_CW, "body": ""}, 400),
        ("expert", {"cell": MANUFACTURE_CW, "body": "<img src=x onerror=alert(1)>"}, 400),
        ("expert", {"cell": "OP2.NOPE|CW|framework", "body": "Hello"}, 400),
        ("expert", {"body": "Hello"}, 400),
    ],
)
def test_bad_or_denied_comments_change_nothing(clients, who, data, expected, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients[who].post(reverse("matrices:comment", args=[matrix.pk]), data)
    assert response.status_code == expected
    assert "<img src=x" not in response.content.decode()
    assert snapshot(matrix) == before


# --- Submitting and consent ------------------------------------------------------------------------


def test_an_official_submits_through_the_page(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    response = clients["official_a"].post(reverse("matrices:submit", args=[matrix.pk]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 1 was submitted for review." in html
    assert 'data-status="submitted"' in html
    matrix.refresh_from_db()
    assert matrix.status == "submitted" and matrix.submitted_at is not None


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("official_b", 404), ("expert", 403), ("provider", 403)]
)
def test_others_cannot_submit_a_states_draft(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    assert clients[who].post(reverse("matrices:submit", args=[matrix.pk])).status_code == expected
    assert snapshot(matrix) == before


def test_submitting_twice_is_a_conflict_that_changes_nothing(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients["official_a"].post(reverse("matrices:submit", args=[matrix.pk]))
    assert response.status_code == 409
    assert "Cannot submit a version that is submitted" in response.content.decode()
    assert snapshot(matrix) == before


def test_consent_publishes_an_approved_version_and_withdrawal_unpublishes_it(
    clients, state_a, state_a_official, expert
):
    matrix = approved(state_a, state_a_official, expert, cells=[CELL])
    html = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert "it is published as soon as you consent" in html
    response = clients["official_a"].post(reverse("matrices:consent", args=[matrix.pk]), {"consent": "1"}, follow=True)
    assert "is now published" in response.content.decode()
    matrix.refresh_from_db()
    assert matrix.status == "published"
    response = clients["official_a"].post(reverse("matrices:consent", args=[matrix.pk]), {"consent": "0"}, follow=True)
    assert "was withdrawn" in response.content.decode()
    matrix.refresh_from_db()
    assert (matrix.status, matrix.consent_given_at) == ("approved", None)


def test_consent_given_in_advance_is_shown_and_can_be_withdrawn(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    clients["official_a"].post(reverse("matrices:consent", args=[matrix.pk]), {"consent": "1"})
    matrix.refresh_from_db()
    assert matrix.status == "submitted" and matrix.consent_given_at is not None
    html = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert "Withdraw consent to publish" in html


@pytest.mark.parametrize(
    ("who", "data", "expected"),
    [
        ("official_b", {"consent": "1"}, 404),
        ("expert", {"consent": "1"}, 403),
        ("provider", {"consent": "1"}, 403),
        ("anonymous", {"consent": "1"}, 302),
        ("official_a", {"consent": "yes"}, 400),
    ],
)
def test_others_cannot_give_consent(clients, who, data, expected, state_a, state_a_official, expert):
    matrix = approved(state_a, state_a_official, expert, cells=[CELL])
    before = snapshot(matrix)
    assert clients[who].post(reverse("matrices:consent", args=[matrix.pk]), data).status_code == expected
    assert snapshot(matrix) == before


def test_state_changes_need_a_post(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    for name in ("submit", "consent", "comment", "upload_document"):
        assert clients["official_a"].get(reverse(f"matrices:{name}", args=[matrix.pk])).status_code == 405


# --- The national report ---------------------------------------------------------------------------


def upload(client, matrix, content, name="report.pdf", report_date="2024-03-01"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("matrices:upload_document", args=[matrix.pk]),
        {"document": SimpleUploadedFile(name, content), "report_date": report_date},
    )


def test_an_official_attaches_a_pdf_report_and_downloads_it(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    response = upload(clients["official_a"], matrix, PDF)
    assert response.status_code == 302
    matrix.refresh_from_db()
    assert matrix.report_date == datetime.date(2024, 3, 1)
    assert matrix.document.name.startswith("reports/") and matrix.document.name.endswith(".pdf")
    # The report is one of the State's national reports, which the version cites (same stored file).
    report = matrix.report
    assert report.state == state_a and report.document.name == matrix.document.name
    assert "JAM-national-report-2024-03-01" in matrix.document.name
    assert AuditEvent.objects.filter(verb="matrix.cite_report", object_id=str(matrix.pk)).exists()

    page = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert reverse("matrices:download_report", args=[report.pk]) in page
    download = reverse("matrices:download_document", args=[matrix.pk])
    response = clients["official_a"].get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    for who in ("anonymous", "official_b", "provider"):
        assert clients[who].get(download).status_code == 404


def test_word_reports_are_accepted(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    assert (
        upload(clients["official_a"], matrix, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "r.doc").status_code
        == 302
    )
    matrix = draft(state_a, state_a_official, code="CWC")
    assert upload(clients["official_a"], matrix, b"PK\x03\x04" + b"\0" * 64, "r.DOCX").status_code == 302


def test_the_report_of_a_published_version_is_public(clients, state_a, state_a_official, expert):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    upload(clients["official_a"], matrix, PDF)
    services.submit(matrix, acting_user=state_a_official)
    services.approve(matrix, acting_user=expert)
    services.set_consent(matrix, consent=True, acting_user=state_a_official)
    response = clients["anonymous"].get(reverse("matrices:download_document", args=[matrix.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    ("content", "name", "report_date", "field", "message"),
    [
        (b"hello", "report.txt", "2024-03-01", "document", "PDF or Word file"),
        (b"MZ\x90\x00 not a pdf", "report.pdf", "2024-03-01", "document", "not a .pdf document"),
        (b"%PDF-1.4" + b"x" * (1024 * 1024), "report.pdf", "2024-03-01", "document", "larger than 1 MB"),
        (b"", "report.pdf", "2024-03-01", "document", "empty"),
        (PDF, "report.pdf", "2999-01-01", "report_date", "cannot be in the future"),
        (PDF, "report.pdf", "not a date", "report_date", "Enter a valid date"),
    ],
)
def test_bad_reports_are_refused_next_to_the_field_and_change_nothing(
    clients, settings, state_a, state_a_official, content, name, report_date, field, message
):
    settings.MAX_UPLOAD_MB = 1
    matrix = draft(state_a, state_a_official)
    before = snapshot(matrix)
    response = upload(clients["official_a"], matrix, content, name, report_date)
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'id="id_{field}-error">', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert snapshot(matrix) == before


@pytest.mark.parametrize(("who", "expected"), [("official_b", 404), ("expert", 403), ("provider", 403)])
def test_others_cannot_attach_a_report(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    before = snapshot(matrix)
    assert upload(clients[who], matrix, PDF).status_code == expected
    assert snapshot(matrix) == before


def test_a_report_cannot_be_attached_to_a_submitted_version(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official)
    before = snapshot(matrix)
    assert upload(clients["official_a"], matrix, PDF).status_code == 409
    assert snapshot(matrix) == before


def test_a_version_without_report_has_nothing_to_download(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    assert clients["official_a"].get(reverse("matrices:download_document", args=[matrix.pk])).status_code == 404


# --- Gaps -----------------------------------------------------------------------------------------


def test_the_gaps_page_groups_the_states_gaps_for_an_assistance_request(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL, {**CELL, "row": "OP2.USE", "mark": "?"}])
    response = clients["official_a"].get(reverse("matrices:gaps"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gaps of Jamaica" in html
    assert "356 applicable cells are blank or marked ?" in html
    assert 'action="/assistance/requests/new/"' in html
    assert 'method="get"' in html
    assert "Ask for assistance with the selected cells" in html
    assert f'name="cells" value="{matrix.pk}|OP2.USE|CW|framework"' in html
    assert f'value="{matrix.pk}|OP2.MANUFACTURE|CW|framework"' not in html  # marked X: not a gap
    assert "OP2: prohibitions and their enforcement" in html
    assert "83 gaps" in html  # 84 OP2 cells, one marked X
    assert "NW: 28, CW: 27, BW: 28" in html


def test_experts_see_a_states_gaps_and_others_do_not(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    value = f'value="{matrix.pk}|OP2.USE|CW|framework"'
    assert value in clients["expert"].get(reverse("matrices:gaps") + "?state=JAM").content.decode()
    assert clients["expert"].get(reverse("matrices:gaps")).status_code == 200  # a State picker
    assert clients["expert"].get(reverse("matrices:gaps") + "?state=ZZZ").status_code == 404
    html = clients["official_b"].get(reverse("matrices:gaps") + "?state=JAM").content.decode()
    assert "Gaps of Kenya" in html and value not in html
    assert clients["provider"].get(reverse("matrices:gaps")).status_code == 403
    assert_login_redirect(clients["anonymous"].get(reverse("matrices:gaps")))


# --- Constant query counts -------------------------------------------------------------------------


@pytest.fixture(params=["small", "large"])
def sized_matrix(request, state_a, state_a_official, expert):
    """A 1540 draft with 3 filled cells, or with every one of its 357 cells filled; comments on both."""
    matrix = services.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    cells = full_cells(matrix)
    services.update_cells(matrix, cells[:3] if request.param == "small" else cells, acting_user=state_a_official)
    count = 1 if request.param == "small" else 20
    for spec in services.layout(matrix.template)[:count]:
        services.add_comment(
            matrix, row=spec.row.code, column=spec.column, aspect=spec.aspect, body="?", acting_user=expert
        )
    for code in ("CWC", "NPT"):
        services.start_draft(state_a, regime(code), acting_user=state_a_official)
    matrix.refresh_from_db()
    return matrix


@pytest.mark.parametrize(
    ("page", "queries"),
    [("dashboard", 7), ("workspace", 8), ("section", 7), ("gaps", 8)],
)
# Session and user, then the page's own queries (on the workspace, the State's national reports too);
# the gaps page runs one layout query per regime
# that has a version (at most four), never one per cell.
def test_workspace_pages_run_a_constant_number_of_queries(
    page, queries, sized_matrix, state_a_official, django_assert_num_queries
):
    client = logged_in(state_a_official)
    url = {
        "dashboard": reverse("matrices:dashboard"),
        "workspace": reverse("matrices:workspace", args=[sized_matrix.pk]),
        "section": section_url(sized_matrix, "OP1"),
        "gaps": reverse("matrices:gaps"),
    }[page]
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_an_expert_is_pointed_to_the_review_page_of_a_submitted_version(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    html = clients["expert"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert reverse("matrices:review", args=[matrix.pk]) in html
    assert reverse("matrices:submit", args=[matrix.pk]) not in html


def test_officials_find_their_workspace_in_the_navigation(clients):
    assert reverse("matrices:dashboard") in clients["official_a"].get("/").content.decode()
    assert reverse("matrices:dashboard") not in clients["provider"].get("/").content.decode()
