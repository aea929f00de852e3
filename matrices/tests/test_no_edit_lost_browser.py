"""No edit of the section form is lost to a navigation or a secondary action, and saving keeps the
official's place: driven in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Comment
from matrices.tests.helpers import draft, submitted
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELL = "OP2.MANUFACTURE, Chemical weapons, National legal framework"
ANCHOR = "cell-OP2-MANUFACTURE-CW-framework"


def open_section(page, matrix, section="OP2"):
    page.goto(f"/accounts/login/?next=/workspace/{matrix.pk}/section/{section}/")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/workspace/{matrix.pk}/section/{section}/")


def type_source(page, text):
    source = page.get_by_label(f"Legal source ({CELL})")
    source.click()  # typed by a person: the page has had a user gesture, as for a real official
    page.keyboard.type(text)
    return source


def test_leaving_by_a_section_tab_asks_first_and_staying_keeps_the_edit(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_section(page, matrix)
    source = type_source(page, "Chemical Weapons Act 2004, s. 3")
    prompts = []

    def stay(dialog):
        prompts.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="OP3a").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("OP2: prohibitions and their enforcement")
    assert prompts == ["beforeunload"]
    expect(source).to_have_value("Chemical Weapons Act 2004, s. 3")
    assert not matrix.cells.exists()


def test_a_reply_is_not_sent_while_the_section_has_unsaved_edits(page, state_a_official, expert):
    version = submitted(state_a_official.state, state_a_official)
    services.add_comment(
        version, row="OP2.MANUFACTURE", column="CW", aspect="framework", body="Which article?", acting_user=expert
    )
    version = services.request_changes(version, acting_user=expert, comment="See the comment.")
    open_section(page, version)
    source = type_source(page, "Chemical Weapons Act 2004, s. 3")
    page.get_by_label(f"Reply ({CELL})").fill("Corrected")
    page.get_by_role("button", name="Send reply").click()

    expect(page.locator("#unsaved-note")).to_contain_text("Your changes to this section are not saved yet")
    expect(source).to_have_value("Chemical Weapons Act 2004, s. 3")
    assert Comment.objects.filter(matrix=version).count() == 1  # only the expert's

    # Saved first, the reply then goes through, and the correction is kept.
    page.get_by_role("button", name="Save this section").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
    page.get_by_label(f"Reply ({CELL})").fill("Corrected")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment on OP2.MANUFACTURE was added.")
    assert Comment.objects.filter(matrix=version).count() == 2
    assert version.cells.get(row__code="OP2.MANUFACTURE", column="CW").source == "Chemical Weapons Act 2004, s. 3"


def test_saving_comes_back_to_the_changed_cell(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_section(page, matrix)
    row = page.locator(f"#{ANCHOR}")
    row.scroll_into_view_if_needed()
    page.get_by_label(f"Mark ({CELL})").select_option("X")
    type_source(page, "Chemical Weapons Act 2004, s. 3")
    page.get_by_role("button", name="Save this section").click()

    page.wait_for_url(f"**/section/OP2/#{ANCHOR}")
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
    expect(page.locator(f"#{ANCHOR}")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
