"""An expert reviews a State's matrix in Debian's Chromium: comments, requests changes, approves."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Comment, Matrix, Regime
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CW_MANUFACTURE = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


def test_an_expert_comments_requests_changes_and_approves_a_resubmitted_version(
    page, expert, state_a, state_a_official
):
    matrix = services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    services.update_cells(
        matrix,
        [{**CW_MANUFACTURE, "mark": "X", "source": "Chemical Weapons Act 2010"}],
        acting_user=state_a_official,
    )
    services.submit(matrix, acting_user=state_a_official)

    # The expert logs in through the form and lands on the review queue.
    page.goto("/review/")
    page.get_by_label("Username").fill("expert")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/review/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    queue_row = page.locator("tbody tr").filter(has_text="Jamaica")
    expect(queue_row).to_contain_text("1540")
    expect(queue_row).to_contain_text("submitted")

    # The version, cell by cell; a comment on the CW cell of OP2 manufacture.
    queue_row.get_by_role("link", name="Jamaica").click()
    expect(page.get_by_role("heading", name="Jamaica: 1540 matrix, version 1")).to_be_visible()
    page.get_by_role("link", name="Comment on OP2.MANUFACTURE, Chemical weapons, National legal framework").click()
    expect(page.get_by_label("Cell", exact=True)).to_have_value("OP2.MANUFACTURE|CW|framework")
    page.get_by_label("Comment", exact=True).fill("Which article of the Act covers production?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("status").filter(has_text="Your comment on OP2.MANUFACTURE was added.")).to_be_visible()
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text(
        "Which article of the Act covers production?"
    )
    expect(page.locator("#matrix-status")).to_contain_text("in review")

    # Request changes: the version goes back to the State.
    page.get_by_label("Note to the State (optional)").fill("Please cite the articles.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator("#matrix-status")).to_contain_text("changes requested")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert Matrix.objects.get(pk=matrix.pk).status == Matrix.Status.CHANGES_REQUESTED
    assert Comment.objects.filter(matrix=matrix).count() == 1

    # The official answers and resubmits; the expert approves.
    services.update_cells(
        matrix,
        [{**CW_MANUFACTURE, "mark": "X", "source": "Chemical Weapons Act 2010, s. 3 (production)"}],
        acting_user=state_a_official,
    )
    services.submit(matrix, acting_user=state_a_official)
    page.reload()
    expect(page.locator("#matrix-status")).to_contain_text("submitted")
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text("s. 3 (production)")
    expect(page.get_by_text("once approved, this version is published when the State consents")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#matrix-status")).to_contain_text("approved")
    expect(page.get_by_role("status").filter(has_text="it will be published once the State consents")).to_be_visible()
    assert Matrix.objects.get(pk=matrix.pk).status == Matrix.Status.APPROVED
