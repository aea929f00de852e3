"""The section grid driven in Debian's Chromium as an official uses it: keyboard entry, the cell's panel,
errors in place, conflicts between two browsers, bulk NA, next gap, the form without JavaScript, a phone."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Cell
from matrices.tests.helpers import draft
from portal.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url, username="official-a"):
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")


def open_grid(page, matrix, section="OP2", username="official-a"):
    log_in(page, f"/workspace/{matrix.pk}/section/{section}/", username)
    expect(page.get_by_role("grid")).to_be_visible()


def cell(page, row, column="NW", aspect="framework"):
    return page.locator(f"#g-cell-OP2-{row}-{column}-{aspect}")


def stored(matrix, row, column="NW", aspect="framework"):
    found = Cell.objects.filter(matrix=matrix, row__code=f"OP2.{row}", column=column, aspect=aspect).first()
    return (found.mark, found.source, found.remarks) if found else ("", "", "")


def all_saved(page):
    expect(page.locator("#grid-status")).to_contain_text("All changes saved")


def test_keyboard_entry_sets_marks_and_they_are_stored(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    cell(page, "MANUFACTURE").click()
    page.keyboard.press("?")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("?")
    page.keyboard.press("ArrowDown")  # ACQUIRE, NW enforcement
    page.keyboard.press("Shift+?")
    page.keyboard.press("End")  # ACQUIRE, BW enforcement
    page.keyboard.press("?")
    all_saved(page)
    expect(cell(page, "ACQUIRE", "BW", "enforcement")).to_have_attribute("data-state", "saved")
    expect(page.locator("#grid-status")).to_contain_text("saved")
    assert stored(matrix, "MANUFACTURE")[0] == "?"
    assert stored(matrix, "MANUFACTURE", "NW", "enforcement")[0] == "?"
    assert stored(matrix, "ACQUIRE", "NW", "enforcement")[0] == "?"
    assert stored(matrix, "ACQUIRE", "BW", "enforcement")[0] == "?"
    # Delete blanks the mark again; the progress follows.
    expect(page.locator("#grid-progress")).to_contain_text("0 of 84 cells decided, 84 gaps")
    page.keyboard.press("Delete")
    all_saved(page)
    assert not Cell.objects.filter(matrix=matrix, row__code="OP2.ACQUIRE", column="BW", aspect="enforcement").exists()


def test_enter_opens_the_source_and_remarks_and_ctrl_enter_saves_them(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    target = cell(page, "POSSESS", "CW")
    target.click()
    page.keyboard.press("Enter")
    source = page.get_by_label("Legal source", exact=True)
    expect(source).to_be_focused()
    page.get_by_label("X: measure taken or legal basis found").check()
    source.fill("Chemical Weapons Act 2004, s. 3")
    page.get_by_label("Remarks", exact=True).fill("In force since 2005")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#grid-panel")).to_be_hidden()
    expect(target).to_be_focused()
    all_saved(page)
    assert stored(matrix, "POSSESS", "CW") == ("X", "Chemical Weapons Act 2004, s. 3", "In force since 2005")
    expect(target.locator(".gflag-source")).to_be_visible()
    expect(page.locator("#grid-progress")).to_contain_text("1 of 84 cells decided")
    expect(page.locator('[data-progress-for="OP2"]')).to_contain_text("1/84")


def test_d_copies_the_cell_above_in_the_same_column_and_saves_it(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    top = cell(page, "MANUFACTURE", "CW")
    top.click()
    page.keyboard.press("Enter")
    page.get_by_label("X: measure taken or legal basis found").check()
    page.get_by_label("Legal source", exact=True).fill("Chemical Weapons Act 2004, s. 3")
    page.get_by_label("Remarks", exact=True).fill("In force since 2005")
    page.keyboard.press("Control+Enter")
    all_saved(page)

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # POSSESS, two rows down: the nearest cell above it is ACQUIRE (blank)
    page.keyboard.press("ArrowUp")  # ACQUIRE: MANUFACTURE is above it
    page.keyboard.press("d")
    expect(cell(page, "ACQUIRE", "CW")).to_have_attribute("data-state", "saved")
    assert stored(matrix, "ACQUIRE", "CW") == ("X", "Chemical Weapons Act 2004, s. 3", "In force since 2005")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("D")  # the copy goes on down the column
    expect(cell(page, "POSSESS", "CW")).to_have_attribute("data-state", "saved")
    assert stored(matrix, "POSSESS", "CW") == ("X", "Chemical Weapons Act 2004, s. 3", "In force since 2005")
    assert stored(matrix, "POSSESS", "NW") == ("", "", "")  # other columns untouched

    # The first row has nothing above it: the page says so, nothing changes.
    page.keyboard.press("Control+Home")
    page.keyboard.press("d")
    expect(page.locator("#grid-status")).to_contain_text("No cell above in this column to copy from.")
    assert stored(matrix, "MANUFACTURE") == ("", "", "")


def test_an_invalid_cell_shows_its_error_in_place_and_is_not_stored(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    target = cell(page, "MANUFACTURE", "CW")
    target.click()
    page.keyboard.press("x")  # X without a legal source: the server refuses it
    expect(page.locator("#grid-panel-source-error")).to_have_text(
        "A mark of X needs its legal source (law and article)."
    )
    expect(target).to_have_attribute("data-state", "error")
    expect(page.get_by_label("Legal source", exact=True)).to_be_focused()
    expect(page.locator("#grid-status")).to_contain_text("1 cell(s) not saved")
    assert stored(matrix, "MANUFACTURE", "CW") == ("", "", "")

    # The source typed in place, the same cell is saved.
    page.keyboard.type("Chemical Weapons Act 2004, s. 3")
    page.keyboard.press("Control+Enter")
    all_saved(page)
    expect(target).to_have_attribute("data-state", "saved")
    assert stored(matrix, "MANUFACTURE", "CW") == ("X", "Chemical Weapons Act 2004, s. 3", "")

    # NA needs a reason: refused as well; Esc keeps the value in the cell, marked as not saved.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("n")
    expect(page.locator("#grid-panel-remarks-error")).to_contain_text("NA needs a reason in the remarks.")
    expect(page.get_by_label("Remarks", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    enforcement = cell(page, "MANUFACTURE", "CW", "enforcement")
    expect(enforcement).to_be_focused()
    expect(enforcement).to_have_attribute("data-state", "error")
    expect(enforcement).to_contain_text("NA")
    assert stored(matrix, "MANUFACTURE", "CW", "enforcement") == ("", "", "")


def test_two_browsers_editing_the_same_cell_see_a_conflict_and_nothing_is_overwritten(
    chromium, live_server, state_a_official
):
    UserFactory(
        username="official-a2", first_name="Bea", last_name="Brown", role="state_official", state=state_a_official.state
    )
    matrix = draft(state_a_official.state, state_a_official)
    pages = []
    for username in ("official-a", "official-a2"):
        context = chromium.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        open_grid(page, matrix, username=username)
        pages.append((context, page))
    (context_a, a), (context_b, b) = pages
    try:
        cell(a, "ACQUIRE", "BW").click()
        a.keyboard.press("?")
        all_saved(a)
        assert stored(matrix, "ACQUIRE", "BW")[0] == "?"

        # B's page still shows the cell blank: B's NA is a conflict, shown in place with both values.
        cell(b, "ACQUIRE", "BW").click()
        b.keyboard.press("Enter")
        b.get_by_label("NA: not applicable").check()
        b.get_by_label("Remarks", exact=True).fill("No biological industry")
        b.keyboard.press("Control+Enter")
        conflict = b.locator("#grid-panel-conflict")
        expect(conflict).to_be_visible()
        expect(conflict.locator(".conflict-yours")).to_contain_text("NA · No biological industry")
        expect(conflict.locator(".conflict-saved")).to_contain_text("?")
        expect(conflict).to_contain_text("official-a")
        expect(cell(b, "ACQUIRE", "BW")).to_have_attribute("data-state", "conflict")
        assert stored(matrix, "ACQUIRE", "BW")[0] == "?"  # nothing overwritten

        # Having seen both, B keeps theirs.
        conflict.get_by_role("button", name="Keep mine").click()
        all_saved(b)
        assert stored(matrix, "ACQUIRE", "BW") == ("NA", "", "No biological industry")

        # A's page now predates B's save: A's change is a conflict too; A takes B's value.
        expect(cell(a, "ACQUIRE", "BW")).to_be_focused()  # where A left it
        a.keyboard.press("Delete")
        expect(a.locator("#grid-panel-conflict")).to_contain_text("Bea Brown")
        a.get_by_role("button", name="Take theirs").click()
        expect(cell(a, "ACQUIRE", "BW")).to_contain_text("NA")
        all_saved(a)
        assert stored(matrix, "ACQUIRE", "BW") == ("NA", "", "No biological industry")
    finally:
        context_a.close()
        context_b.close()


def test_a_column_is_marked_na_with_one_reason(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    services.update_cells(
        matrix,
        [{"row": "OP2.USE", "column": "NW", "aspect": "enforcement", "mark": "X", "source": "Nuclear Act, s. 9"}],
        acting_user=state_a_official,
    )
    open_grid(page, matrix)
    cell(page, "ACQUIRE", "NW", "enforcement").click()
    page.get_by_role("button", name="Mark column NA…").click()
    page.get_by_label("Reason (saved in the remarks of each cell)").fill("No nuclear material or facility")
    page.get_by_role("button", name="Mark 13 blank cell(s) NA").click()
    all_saved(page)
    expect(page.locator("#grid-bulk-na")).to_be_hidden()
    column = Cell.objects.filter(matrix=matrix, column="NW", aspect="enforcement", row__section__code="OP2")
    assert column.count() == 14
    assert sorted(set(column.values_list("mark", "remarks"))) == [
        ("NA", "No nuclear material or facility"),
        ("X", ""),
    ]
    assert stored(matrix, "USE", "NW", "enforcement") == ("X", "Nuclear Act, s. 9", "")
    expect(page.locator("#grid-progress")).to_contain_text("14 of 84 cells decided")


def test_a_column_without_a_reason_is_refused_and_nothing_changes(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    cell(page, "ACQUIRE", "CW").click()
    page.get_by_role("button", name="Mark column NA…").click()
    page.get_by_role("button", name="Mark 14 blank cell(s) NA").click()
    expect(page.locator("#grid-bulk-na-error")).to_contain_text("NA needs a reason in the remarks.")
    expect(cell(page, "ACQUIRE", "CW")).not_to_contain_text("NA")
    assert not matrix.cells.exists()


def test_copy_source_down_fills_the_blank_sources_below(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    open_grid(page, matrix)
    target = cell(page, "POSSESS", "BW")
    target.click()
    page.keyboard.press("Enter")
    page.get_by_label("Legal source", exact=True).fill("Biological Weapons Act, s. 2")
    page.keyboard.press("Control+Enter")
    all_saved(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Copy source down").click()
    all_saved(page)
    sources = Cell.objects.filter(matrix=matrix, column="BW", aspect="framework").values_list("source", flat=True)
    assert set(sources) == {"Biological Weapons Act, s. 2"}
    assert sources.count() == 12  # POSSESS and the 11 rows below it
    assert stored(matrix, "MANUFACTURE", "BW") == ("", "", "")


def test_next_gap_jumps_to_the_next_blank_or_partial_cell(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    done = [
        {"row": "OP2.MANUFACTURE", "column": c, "aspect": a, "mark": "X", "source": "Act 1"}
        for c in ("NW", "CW", "BW")
        for a in ("framework", "enforcement")
    ]
    done += [{"row": "OP2.ACQUIRE", "column": "NW", "aspect": "framework", "mark": "NA", "remarks": "None"}]
    services.update_cells(matrix, done, acting_user=state_a_official)
    open_grid(page, matrix)
    cell(page, "MANUFACTURE").click()
    page.keyboard.press("g")
    expect(cell(page, "ACQUIRE", "NW", "enforcement")).to_be_focused()
    page.keyboard.press("?")  # a partial mark is still a gap
    all_saved(page)
    page.get_by_role("button", name="Next gap").click()
    expect(cell(page, "ACQUIRE", "CW")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("G")
    expect(cell(page, "ACQUIRE", "CW")).to_be_focused()


def test_without_javascript_the_section_form_still_saves(chromium, live_server, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, f"/workspace/{matrix.pk}/section/OP2/")
        expect(page.get_by_role("grid")).to_have_count(0)
        label = "OP2.MANUFACTURE, Chemical weapons, National legal framework"
        page.get_by_label(f"Mark ({label})").select_option("X")
        page.get_by_label(f"Legal source ({label})").fill("Chemical Weapons Act 2004, s. 3")
        page.get_by_role("button", name="Save this section").click()
        expect(page.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
        assert stored(matrix, "MANUFACTURE", "CW") == ("X", "Chemical Weapons Act 2004, s. 3", "")
    finally:
        context.close()


def test_on_a_phone_the_page_does_not_scroll_sideways(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official)
    page.set_viewport_size({"width": 390, "height": 844})
    open_grid(page, matrix)
    width = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(width)
    target = cell(page, "ACQUIRE", "BW", "enforcement")
    # One card per row, each cell labelled with its column.
    assert target.evaluate("td => getComputedStyle(td, '::before').content") == '"BW · enforcement"'
    assert page.locator("thead").evaluate("el => el.getBoundingClientRect().width") <= 1
    target.click()
    target.click()  # a second tap opens the panel
    expect(page.locator("#grid-panel")).to_be_visible()
    assert page.evaluate(width)
    page.get_by_label("?: references incomplete or not directly relevant").check()
    page.get_by_role("button", name="Save").click()
    all_saved(page)
    assert stored(matrix, "ACQUIRE", "BW", "enforcement")[0] == "?"
