"""No edit of a section is lost to a navigation or a secondary action, and saving keeps the official's
place: in the grid (autosave: a pending edit is saved before the page is left; one that cannot be saved
stops the navigation and says so) and in the form (`?form=1`: a guard asks or stops). Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Cell, Comment
from matrices.tests.helpers import draft, submitted
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELL = "OP2.MANUFACTURE, Chemical weapons, National legal framework"
ANCHOR = "cell-OP2-MANUFACTURE-CW-framework"


def open_section(page, matrix, section="OP2", query="?form=1"):
    """The section as the form (`?form=1`), or with `query=""` as the grid."""
    page.goto(f"/accounts/login/?next=/workspace/{matrix.pk}/section/{section}/{query}")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/workspace/{matrix.pk}/section/{section}/{query}")


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

    page.wait_for_url(f"**/section/OP2/?form=1#{ANCHOR}")
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
    expect(page.locator(f"#{ANCHOR}")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0


# --- The grid ----------------------------------------------------------------------------------------


def grid_cell(page, anchor=ANCHOR):
    return page.locator(f"#g-{anchor}")


def stored_source(matrix, row="OP2.MANUFACTURE", column="CW"):
    cell = Cell.objects.filter(matrix=matrix, row__code=row, column=column, aspect="framework").first()
    return cell.source if cell else ""


def test_grid_a_section_tab_saves_the_edit_first_and_one_that_cannot_be_saved_stops_it(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_section(page, matrix, query="")
    grid_cell(page).click()
    page.keyboard.press("Enter")
    page.get_by_label("Legal source", exact=True).fill("Chemical Weapons Act 2004, s. 3")  # not saved yet
    prompts = []
    page.on("dialog", lambda dialog: (prompts.append(dialog.type), dialog.dismiss()))
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="OP3a").click()

    # Saved on the way out: the other section opens, the edit is stored, nothing was asked.
    page.wait_for_url(f"**/workspace/{matrix.pk}/section/OP3ab/")
    assert stored_source(matrix) == "Chemical Weapons Act 2004, s. 3"
    assert prompts == []

    # An edit the server refuses (NA without a reason) stops the tab, says so, and is kept.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="OP2").click()
    page.wait_for_url(f"**/workspace/{matrix.pk}/section/OP2/")
    grid_cell(page).click()
    page.keyboard.press("Enter")
    page.get_by_label("NA: not applicable").check()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="OP3a").click()
    expect(page.locator("#unsaved-note")).to_contain_text("Some cells are not saved yet")
    expect(page.get_by_role("heading", level=1)).to_have_text("OP2: prohibitions and their enforcement")
    expect(page.locator("#grid-panel-remarks-error")).to_contain_text("NA needs a reason in the remarks.")
    expect(page.get_by_label("NA: not applicable")).to_be_checked()
    expect(grid_cell(page)).to_have_attribute("data-state", "error")
    assert Cell.objects.get(matrix=matrix, row__code="OP2.MANUFACTURE", column="CW", aspect="framework").mark == ""


def test_grid_a_reply_sent_while_correcting_a_cell_keeps_the_correction(page, state_a_official, expert):
    version = submitted(state_a_official.state, state_a_official)
    services.add_comment(
        version, row="OP2.MANUFACTURE", column="CW", aspect="framework", body="Which article?", acting_user=expert
    )
    version = services.request_changes(version, acting_user=expert, comment="See the comment.")
    open_section(page, version, query="")
    grid_cell(page).click()
    page.keyboard.press("Enter")
    panel = page.locator("#grid-panel")
    expect(panel).to_contain_text("Which article?")  # the cell's comments are in its panel
    panel.get_by_label("Legal source", exact=True).fill("Chemical Weapons Act 2004, s. 3")  # not saved yet
    panel.get_by_label(f"Reply ({CELL})").fill("Corrected: section 3")
    panel.get_by_role("button", name="Send reply").click()

    # The correction was saved first, then the reply sent; the page comes back to the cell.
    expect(page.get_by_role("status")).to_contain_text("Your comment on OP2.MANUFACTURE was added.")
    page.wait_for_url(f"**/section/OP2/#{ANCHOR}")
    expect(grid_cell(page)).to_be_focused()
    assert stored_source(version) == "Chemical Weapons Act 2004, s. 3"
    assert list(Comment.objects.filter(matrix=version).values_list("body", flat=True).order_by("id")) == [
        "Which article?",
        "Corrected: section 3",
    ]


def test_grid_saving_keeps_the_place(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    page.set_viewport_size({"width": 1366, "height": 700})
    open_section(page, matrix, query="")
    page.evaluate("window.notReloaded = true")
    far = grid_cell(page, "cell-OP2-FINANCE-BW-enforcement")
    far.scroll_into_view_if_needed()
    far.click()
    page.keyboard.press("Enter")
    page.get_by_label("Legal source", exact=True).fill("Terrorism Prevention Act, s. 8")
    page.get_by_label("?: references incomplete or not directly relevant").check()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#grid-status")).to_contain_text("All changes saved")
    expect(far).to_be_focused()
    expect(far).to_be_in_viewport()
    assert page.evaluate("window.notReloaded") is True  # nothing reloaded: the place is kept
    scrolled = page.locator(".grid-scroll").evaluate("el => el.scrollTop") + page.evaluate("window.scrollY")
    assert scrolled > 0
    cell = Cell.objects.get(matrix=matrix, row__code="OP2.FINANCE", column="BW", aspect="enforcement")
    assert (cell.mark, cell.source) == ("?", "Terrorism Prevention Act, s. 8")
