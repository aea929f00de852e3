"""An expert handles an unmatched request, in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from assistance.models import AssistanceRequest
from assistance.tests.helpers import draft_request, submit
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_expert_assigns_a_provider_to_an_unmatched_request(page, state_a, state_a_official, expert):
    # No provider lists financing controls among its areas: routing (in-process, at commit) finds nobody.
    request = submit(
        draft_request(state_a, state_a_official, area="FINANCING_CONTROLS", title="Counter-proliferation financing"),
        state_a_official,
    )
    request.refresh_from_db()
    assert request.status == "unmatched" and not request.matches.exists()

    page.goto("/accounts/login/?next=/assistance/expert/")
    page.get_by_label("Username").fill("expert")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/assistance/expert/")
    expect(page.get_by_role("heading", name="Assistance requests", level=1)).to_be_visible()

    page.get_by_role("link", name="Unmatched").click()
    page.wait_for_url("**/assistance/expert/?*tab=unmatched*")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name=f"#{request.pk} Counter-proliferation financing").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/")
    expect(page.locator("#request-status")).to_have_text("unmatched")
    expect(page.locator("main")).to_contain_text("No provider is matched to this request.")

    page.get_by_label("Provider to assign").select_option(label="CARICOM 1540 Implementation Programme")
    page.get_by_role("button", name="Assign this provider").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/")
    expect(page.get_by_role("status")).to_contain_text("CARICOM 1540 Implementation Programme was assigned")
    expect(page.locator("#request-status")).to_have_text("routed")
    row = page.get_by_role("row", name="CARICOM 1540 Implementation Programme")
    expect(row).to_contain_text("assigned by a Committee expert")

    request.refresh_from_db()
    assert request.status == "routed"
    assert AssistanceRequest.objects.get(pk=request.pk).matches.get().provider.slug == "caricom-1540"
