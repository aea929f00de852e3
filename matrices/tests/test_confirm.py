"""The confirmation pages before the irreversible actions on a matrix version (submit, consent to
publish or withdraw it, approve): what each shows, that opening one changes nothing, that its form
posts to the action's own URL, the same access as the action for every role, constant queries."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrices import reports, services
from matrices.models import Cell, Matrix
from matrices.tests.helpers import CELL, approved, draft, full_cells, published, regime, submitted
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
USE_CW = {"row": "OP2.USE", "column": "CW", "aspect": "framework", "mark": "X", "source": "Chemical Act, s. 4"}
USE_BW = {"row": "OP2.USE", "column": "BW", "aspect": "framework", "mark": "?", "source": ""}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clients(state_a_official, state_b_official, expert, provider_chemical, admin_user):
    return {
        "anonymous": logged_in(None),
        "official_a": logged_in(state_a_official),
        "official_b": logged_in(state_b_official),
        "expert": logged_in(expert),
        "provider": logged_in(provider_chemical),
        "admin": logged_in(admin_user),
    }


def snapshot(matrix):
    matrix.refresh_from_db()
    return (
        matrix.status,
        matrix.consent_given_at,
        matrix.revision,
        Cell.objects.filter(matrix=matrix).count(),
        AuditEvent.objects.count(),
    )


def second_version(state, official, expert):
    """Version 2, copied from the published version 1 (one cell), with two cells changed since."""
    first = published(state, official, expert, cells=[CELL])
    matrix = services.start_draft(state, regime("1540"), acting_user=official)
    services.update_cells(matrix, [USE_CW, USE_BW], acting_user=official)
    matrix.refresh_from_db()
    assert matrix.based_on_id == first.pk
    return matrix


# --- Submit -----------------------------------------------------------------------------------------


def test_the_submit_confirmation_sums_up_the_version_and_changes_nothing(clients, state_a, state_a_official, expert):
    matrix = second_version(state_a, state_a_official, expert)
    before = snapshot(matrix)
    response = clients["official_a"].get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert response.status_code == 200
    assert snapshot(matrix) == before
    assert text_of(response, "summary-changed") == "2 cells changed since version 1"
    summary = services.gaps(matrix)
    assert text_of(response, "summary-gaps") == f"{len(summary)} applicable cells blank or marked ?"
    # Per section: OP2 has all its cells but the two marked X as gaps (the ? counts as a gap).
    sections = text_of(response, "summary-sections")
    assert "OP2: prohibitions and their enforcement 82 2 of 84" in sections
    assert text_of(response, "summary-comments") == "0"
    assert text_of(response, "summary-report") == "not attached"
    assert "No national report is attached to this version." in text_of(response, "confirm-warnings")
    html = response.content.decode()
    assert f'action="{reverse("matrices:submit", args=[matrix.pk])}"' in html
    assert f'href="{reverse("matrices:workspace", args=[matrix.pk])}" data-confirm-cancel>Cancel' in html


def test_the_submit_confirmation_counts_open_comments_and_the_attached_report(
    clients, state_a, state_a_official, expert
):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    for row in ("OP2.USE", "OP2.MANUFACTURE"):
        services.add_comment(matrix, row=row, column="CW", aspect="framework", body="Which act?", acting_user=expert)
    services.request_changes(matrix, acting_user=expert, comment="See the comments.")
    matrix.refresh_from_db()
    reports.add_to_version(
        matrix,
        document=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        report_date=datetime.date(2024, 3, 1),
        acting_user=state_a_official,
    )
    response = clients["official_a"].get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert response.status_code == 200
    assert text_of(response, "summary-comments") == "2"
    assert text_of(response, "summary-report") == "attached, dated 1 Mar 2024"
    assert text_of(response, "summary-changed") == "1 cell filled (no earlier version to compare with)"
    warnings = text_of(response, "confirm-warnings")
    assert "2 cell(s) still have open review comments." in warnings
    assert "No national report" not in warnings

    # A thread the State resolved is no longer open.
    services.resolve_thread(matrix, row="OP2.USE", column="CW", aspect="framework", acting_user=state_a_official)
    response = clients["official_a"].get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert text_of(response, "summary-comments") == "1"


def test_posting_the_confirmation_form_submits(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    client = clients["official_a"]
    page = client.get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert page.status_code == 200
    response = client.post(reverse("matrices:submit", args=[matrix.pk]), follow=True)
    assert "Version 1 was submitted for review." in response.content.decode()
    matrix.refresh_from_db()
    assert matrix.status == "submitted"


def test_a_refused_submission_is_said_up_front_without_a_button(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    response = clients["official_a"].get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert response.status_code == clients["official_a"].post(reverse("matrices:submit", args=[matrix.pk])).status_code
    assert response.status_code == 409
    assert "Version 1 is submitted" in text_of(response, "confirm-refusal")
    assert reverse("matrices:submit", args=[matrix.pk]) + '"' not in response.content.decode()
    assert snapshot(matrix) == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("official_a", 200),
        ("official_b", 404),
        ("expert", 403),
        ("provider", 403),
        ("admin", 403),
    ],
)
def test_the_submit_confirmation_is_for_whoever_may_submit(clients, who, expected, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    assert clients[who].get(reverse("matrices:confirm_submit", args=[matrix.pk])).status_code == expected
    assert snapshot(matrix) == before
    if expected != 200:  # exactly what the action answers
        assert clients[who].post(reverse("matrices:submit", args=[matrix.pk])).status_code == expected
        assert snapshot(matrix) == before


def test_an_expert_confirms_the_submission_of_a_draft_they_prepared(clients, state_a, expert):
    matrix = services.start_draft(state_a, regime("1540"), acting_user=expert)
    assert matrix.prepared_by_expert
    response = clients["expert"].get(reverse("matrices:confirm_submit", args=[matrix.pk]))
    assert response.status_code == 200 and "Submit for review" in response.content.decode()


def test_the_workspace_links_to_the_confirmations_instead_of_posting(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    html = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert f'href="{reverse("matrices:confirm_submit", args=[matrix.pk])}"' in html
    assert f'href="{reverse("matrices:confirm_consent", args=[matrix.pk])}?consent=1"' in html
    assert f'action="{reverse("matrices:submit", args=[matrix.pk])}"' not in html
    assert f'action="{reverse("matrices:consent", args=[matrix.pk])}"' not in html


# --- Consent ----------------------------------------------------------------------------------------


def test_consent_to_an_approved_version_says_it_publishes_to_the_world_at_once(
    clients, state_a, state_a_official, expert
):
    matrix = approved(state_a, state_a_official, expert, cells=[CELL, USE_CW])
    before = snapshot(matrix)
    response = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]) + "?consent=1")
    assert response.status_code == 200
    assert snapshot(matrix) == before
    assert "consenting publishes it to the world at once" in text_of(response, "confirm-effect")
    assert "A published version cannot be changed" in text_of(response, "confirm-effect")
    public = text_of(response, "public-view")
    assert "2 cells with a mark, of 357 cells." in public
    assert "Coverage: 2 of 357 applicable cells marked X (1%)." in public
    html = response.content.decode()
    assert '<input type="hidden" name="consent" value="1">' in html
    assert "Give consent and publish now" in html
    response = clients["official_a"].post(reverse("matrices:consent", args=[matrix.pk]), {"consent": "1"})
    matrix.refresh_from_db()
    assert matrix.status == "published"


def test_consent_before_approval_says_it_publishes_on_approval(clients, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    response = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]))
    assert response.status_code == 200
    assert "published to the world as soon as the Committee's experts approve it" in text_of(response, "confirm-effect")


def test_withdrawing_consent_to_a_published_version_is_confirmed_too(clients, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    before = snapshot(matrix)
    response = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]) + "?consent=0")
    assert response.status_code == 200
    assert snapshot(matrix) == before
    assert "taken off the public pages at once" in text_of(response, "confirm-effect")
    html = response.content.decode()
    assert '<input type="hidden" name="consent" value="0">' in html
    assert f'action="{reverse("matrices:consent", args=[matrix.pk])}"' in html
    # Without `consent`, the page offers what the version's state calls for: here, withdrawing.
    plain = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]))
    assert '<input type="hidden" name="consent" value="0">' in plain.content.decode()


def test_nothing_to_confirm_when_consent_changes_nothing(clients, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    response = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]) + "?consent=1")
    assert "already published" in text_of(response, "confirm-effect")
    assert 'name="consent"' not in response.content.decode()
    matrix = submitted(state_a, state_a_official, code="CWC")
    response = clients["official_a"].get(reverse("matrices:confirm_consent", args=[matrix.pk]) + "?consent=0")
    assert "no consent to withdraw" in text_of(response, "confirm-effect")


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("anonymous", "?consent=1", 302),
        ("official_a", "?consent=1", 200),
        ("official_a", "?consent=yes", 400),
        ("official_b", "?consent=1", 404),
        ("expert", "?consent=1", 403),
        ("provider", "?consent=1", 403),
        ("admin", "?consent=1", 403),
    ],
)
def test_the_consent_confirmation_is_for_the_states_officials(
    clients, who, query, expected, state_a, state_a_official, expert
):
    matrix = approved(state_a, state_a_official, expert, cells=[CELL])
    before = snapshot(matrix)
    assert clients[who].get(reverse("matrices:confirm_consent", args=[matrix.pk]) + query).status_code == expected
    if expected != 200:
        data = {"consent": query.split("=")[1]}
        assert clients[who].post(reverse("matrices:consent", args=[matrix.pk]), data).status_code == expected
    assert snapshot(matrix) == before


# --- Approve ----------------------------------------------------------------------------------------


def test_the_approve_confirmation_shows_cells_comments_and_consent(clients, state_a, state_a_official, expert):
    matrix = submitted(state_a, state_a_official, cells=[CELL, USE_CW])
    services.add_comment(matrix, row="OP2.USE", column="CW", aspect="framework", body="Fine.", acting_user=expert)
    before = snapshot(matrix)
    response = clients["expert"].get(reverse("matrices:confirm_approve", args=[matrix.pk]))
    assert response.status_code == 200
    assert snapshot(matrix) == before
    assert text_of(response, "summary-changed") == "2 cells filled (no earlier version to compare with)"
    assert text_of(response, "summary-comments") == "1"
    assert "has not consented" in text_of(response, "confirm-effect")
    html = response.content.decode()
    assert f'action="{reverse("matrices:approve", args=[matrix.pk])}"' in html
    assert f'href="{reverse("matrices:review", args=[matrix.pk])}" data-confirm-cancel>Cancel' in html

    services.set_consent(matrix, consent=True, acting_user=state_a_official)
    response = clients["expert"].get(reverse("matrices:confirm_approve", args=[matrix.pk]))
    assert "approving publishes this version to the world at once" in text_of(response, "confirm-effect")
    assert "Approve and publish" in response.content.decode()
    clients["expert"].post(reverse("matrices:approve", args=[matrix.pk]))
    matrix.refresh_from_db()
    assert matrix.status == "published"


def test_a_refused_approval_is_said_up_front(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official, cells=[CELL])
    response = clients["expert"].get(reverse("matrices:confirm_approve", args=[matrix.pk]))
    assert response.status_code == 409
    assert "Cannot approve a version that is draft." in text_of(response, "confirm-refusal")
    assert f'action="{reverse("matrices:approve", args=[matrix.pk])}"' not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("official_a", 403),
        ("official_b", 403),
        ("expert", 200),
        ("provider", 403),
        ("admin", 200),
    ],
)
def test_the_approve_confirmation_is_for_the_experts(clients, who, expected, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[CELL])
    before = snapshot(matrix)
    assert clients[who].get(reverse("matrices:confirm_approve", args=[matrix.pk])).status_code == expected
    assert snapshot(matrix) == before
    if expected != 200:
        assert clients[who].post(reverse("matrices:approve", args=[matrix.pk])).status_code == expected
        assert snapshot(matrix) == before


def test_the_confirmations_need_no_post(clients, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    for name in ("confirm_submit", "confirm_consent"):
        assert clients["official_a"].post(reverse(f"matrices:{name}", args=[matrix.pk])).status_code == 405
    assert clients["expert"].post(reverse("matrices:confirm_approve", args=[matrix.pk])).status_code == 405
    assert Matrix.objects.get(pk=matrix.pk).status == "draft"


# --- Queries ----------------------------------------------------------------------------------------


QUERY_BUDGET = 14  # session, user, the version, its layout, cells, comments, the compared version...


def sized_version(state, official, expert, *, large):
    """A submitted version with one cell or every cell filled (and 1 or 40 comments), consent given."""
    matrix = draft(state, official)
    cells = full_cells(matrix) if large else [CELL]
    services.update_cells(matrix, cells, acting_user=official)
    matrix = services.submit(matrix, acting_user=official)
    for cell in cells[:40]:
        services.add_comment(matrix, body="?", acting_user=expert, **{k: cell[k] for k in ("row", "column", "aspect")})
    services.set_consent(matrix, consent=True, acting_user=official)
    matrix.refresh_from_db()
    return matrix


def queries_of(client, url):
    client.get(url)  # the template's layout is cached after the first page
    with CaptureQueriesContext(connection) as measured:
        assert client.get(url).status_code == 200
    return len(measured)


@pytest.mark.parametrize("page", ["confirm_consent", "confirm_approve"])
def test_the_confirmation_pages_run_the_same_queries_whatever_the_size(
    page, state_a, state_b, state_a_official, state_b_official, expert, django_assert_num_queries
):
    small = sized_version(state_a, state_a_official, expert, large=False)
    large = sized_version(state_b, state_b_official, expert, large=True)
    if page == "confirm_approve":
        small_client = large_client = logged_in(expert)
    else:
        small_client, large_client = logged_in(state_a_official), logged_in(state_b_official)
    count = queries_of(small_client, reverse(f"matrices:{page}", args=[small.pk]))
    assert count <= QUERY_BUDGET
    large_client.get(reverse(f"matrices:{page}", args=[large.pk]))
    with django_assert_num_queries(count):
        response = large_client.get(reverse(f"matrices:{page}", args=[large.pk]))
    assert text_of(response, "summary-comments") == "40"


def test_the_submit_confirmation_runs_the_same_queries_whatever_the_size(
    state_a, state_b, state_a_official, state_b_official, django_assert_num_queries
):
    small = draft(state_a, state_a_official, cells=[CELL])
    large = draft(state_b, state_b_official)
    services.update_cells(large, full_cells(large), acting_user=state_b_official)
    count = queries_of(logged_in(state_a_official), reverse("matrices:confirm_submit", args=[small.pk]))
    assert count <= QUERY_BUDGET
    client = logged_in(state_b_official)
    client.get(reverse("matrices:confirm_submit", args=[large.pk]))
    with django_assert_num_queries(count):
        response = client.get(reverse("matrices:confirm_submit", args=[large.pk]))
    assert text_of(response, "summary-gaps") == "0 applicable cells blank or marked ?"
