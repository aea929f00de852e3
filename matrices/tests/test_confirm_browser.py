"""Submitting a version through its confirmation, in Debian's Chromium, without JavaScript (the
confirmation page) and with it (the same page in a dialog): the summary shows the right numbers,
Cancel changes nothing, confirming submits."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Matrix, Regime
from matrices.tests.helpers import CELL, published
from portal.audit.models import AuditEvent
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USE_CW = {"row": "OP2.USE", "column": "CW", "aspect": "framework", "mark": "X", "source": "Chemical Act, s. 4"}
USE_BW = {"row": "OP2.USE", "column": "BW", "aspect": "framework", "mark": "?", "source": ""}


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def version_to_submit(official, expert):
    """Version 2 of Jamaica's 1540 matrix: two cells changed since the published version 1, one comment."""
    state = official.state
    published(state, official, expert, cells=[CELL])
    matrix = services.start_draft(state, Regime.objects.get(code="1540"), acting_user=official)
    services.update_cells(matrix, [USE_CW, USE_BW], acting_user=official)
    services.add_comment(
        matrix, row="OP2.USE", column="BW", aspect="framework", body="Which law covers this?", acting_user=expert
    )
    return matrix


def expect_the_summary(scope, matrix):
    expect(scope.locator("#summary-changed")).to_have_text("2 cells changed since version 1")
    gaps = len(services.gaps(matrix))
    expect(scope.locator("#summary-gaps")).to_have_text(f"{gaps} applicable cells blank or marked ?")
    expect(scope.locator("#summary-comments")).to_have_text("1")
    expect(scope.locator("#summary-report")).to_have_text("not attached")
    expect(scope.locator("#confirm-warnings")).to_contain_text("No national report is attached to this version.")
    expect(scope.locator("#summary-sections")).to_contain_text("OP2: prohibitions and their enforcement")


def expect_submitted(page, matrix):
    expect(page.get_by_role("status")).to_contain_text("Version 2 was submitted for review.")
    expect(page.locator("#matrix-status")).to_contain_text("submitted")
    assert Matrix.objects.get(pk=matrix.pk).status == "submitted"
    expect(page.get_by_role("link", name="Submit for review")).to_have_count(0)


def test_without_javascript_the_official_reads_the_summary_cancels_then_confirms(
    chromium, live_server, state_a_official, expert
):
    matrix = version_to_submit(state_a_official, expert)
    events = AuditEvent.objects.count()
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, "official-a", f"/workspace/{matrix.pk}/")
        page.get_by_role("link", name="Submit for review").click()
        page.wait_for_url(f"**/workspace/{matrix.pk}/submit/confirm/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Submit version 2 of the")
        expect_the_summary(page, matrix)

        # Cancel: back to the version, nothing changed.
        page.get_by_role("link", name="Cancel").click()
        page.wait_for_url(f"**/workspace/{matrix.pk}/")
        expect(page.locator("#matrix-status")).to_contain_text("draft")
        assert Matrix.objects.get(pk=matrix.pk).status == "draft"
        assert AuditEvent.objects.count() == events

        page.get_by_role("link", name="Submit for review").click()
        page.get_by_role("button", name="Submit for review").click()
        expect_submitted(page, matrix)
        # Opened anyway, the confirmation says why it cannot be done, before anything is posted.
        page.goto(f"/workspace/{matrix.pk}/submit/confirm/")
        expect(page.locator("#confirm-refusal")).to_contain_text("Version 2 is submitted")
        expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    finally:
        context.close()


def test_with_javascript_the_confirmation_opens_in_a_dialog(page, state_a_official, expert):
    matrix = version_to_submit(state_a_official, expert)
    events = AuditEvent.objects.count()
    log_in(page, "official-a", f"/workspace/{matrix.pk}/")
    page.get_by_role("link", name="Submit for review").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Submit version 2 of the", exact=False).first).to_be_visible()
    expect_the_summary(dialog, matrix)
    assert page.url.endswith(f"/workspace/{matrix.pk}/")

    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Submit for review")).to_be_focused()
    assert Matrix.objects.get(pk=matrix.pk).status == "draft"
    assert AuditEvent.objects.count() == events

    page.get_by_role("link", name="Submit for review").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit for review").click()
    expect_submitted(page, matrix)
