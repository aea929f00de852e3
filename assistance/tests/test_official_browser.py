"""An official turns gaps into a specific assistance request and submits it, in Debian's Chromium."""

import re

import pytest
from playwright.sync_api import expect

from assistance.models import AssistanceRequest
from matrices.tests.helpers import draft
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def test_an_official_turns_gaps_into_a_request_that_is_routed_with_reasons(page, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)  # a 1540 draft: every cell blank, so every cell is a gap
    log_in(page, "official-a", "/workspace/gaps/")

    manufacture = page.get_by_label("Select OP2.MANUFACTURE CW framework")
    if not manufacture.is_visible():  # the gap list shows each section folded
        page.locator("summary").filter(has_text="OP2: prohibitions and their enforcement").first.click()
    manufacture.check()
    page.get_by_label("Select OP2.MANUFACTURE CW enforcement").check()
    page.get_by_role("button", name="Ask for assistance with the selected cells").click()
    page.wait_for_url("**/assistance/requests/new/?cells=*")

    # The template comes pre-filled: the cells under need 1, the column and area derived from them.
    expect(page.get_by_role("heading", name="New assistance request")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="2 cells from your gap list")).to_be_visible()
    first_need = page.locator("#need-0")
    for aspect in ("framework", "enforcement"):
        expect(first_need.locator(f'input[value="{matrix.pk}|OP2.MANUFACTURE|CW|{aspect}"]')).to_be_checked()
    expect(first_need.locator("[data-ticked-count]")).to_have_text("2")
    expect(page.get_by_label("Chemical weapons (CW)")).to_be_checked()
    expect(page.get_by_label("Nuclear weapons (NW)")).not_to_be_checked()
    expect(page.get_by_label("Subject area")).to_have_value("LEGISLATION")

    # One more cell, ticked in the form itself; the empty second need is revealed on demand.
    first_need.locator(f'input[value="{matrix.pk}|OP2.USE|CW|framework"]').check()
    expect(first_need.locator("[data-ticked-count]")).to_have_text("3")
    expect(page.locator("#need-1")).to_be_hidden()
    page.get_by_role("button", name="Add another need").click()
    expect(page.locator("#need-1")).to_be_visible()
    page.locator("#id_need-1-description").fill("Training for prosecutors on the new offences")
    page.get_by_role("button", name="Add another need").click()
    expect(page.locator("#need-2")).to_be_visible()
    expect(page.locator("#need-2 legend")).to_have_text("Need 3")

    first_need.get_by_label("Description").fill("Review of the draft Chemical Weapons Bill against CWC Art. VII")
    page.get_by_label("Title").fill("Penal provisions for chemical weapons offences")
    page.get_by_label("Type of assistance").select_option(label="Legislative drafting")
    page.get_by_role("button", name="Submit", exact=True).click()

    page.wait_for_url(re.compile(r".*/assistance/requests/\d+/$"))
    expect(page.get_by_role("status").filter(has_text="was submitted and is being routed")).to_be_visible()
    expect(page.locator("#request-status")).to_have_text("routed")
    rows = page.locator("#matches tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.first).to_contain_text("covers CW")
    expect(rows.first).to_contain_text("offers Legislative drafting and review")
    expect(page.locator("main")).to_contain_text("Training for prosecutors on the new offences")
    expect(page.locator("main")).to_contain_text("OP2.USE")

    request = AssistanceRequest.objects.get()
    assert request.status == "routed" and request.area.code == "LEGISLATION" and request.columns == ["CW"]
    needs = list(request.needs.all())
    assert len(needs) == 2
    assert sorted(needs[0].cells.values_list("row_code", "aspect")) == [
        ("OP2.MANUFACTURE", "enforcement"),
        ("OP2.MANUFACTURE", "framework"),
        ("OP2.USE", "framework"),
    ]
    assert request.matches.count() >= 1

    # The State's dashboard follows it.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Our requests").click()
    expect(page.locator("tbody tr").first).to_contain_text("Penal provisions for chemical weapons offences")
    expect(page.locator("tbody tr").first).to_contain_text("Waiting for one of the matched providers to claim it.")


def test_a_vague_request_is_explained_next_to_its_fields(page, state_a, state_a_official):
    log_in(page, "official-a", "/assistance/requests/new/")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following:")
    expect(page.locator("#id_area-error")).to_contain_text("Choose the subject area")
    expect(page.locator("#id_title-error")).to_contain_text("This field is required.")
    expect(page.locator("#id_columns-error")).to_contain_text("Choose the weapon columns")
    expect(page.locator("#id_assistance_type-error")).to_contain_text("Choose the type of assistance.")
    expect(page.locator("#id_need-0-description-error")).to_contain_text("a vague request cannot be routed")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    assert not AssistanceRequest.objects.exists()
