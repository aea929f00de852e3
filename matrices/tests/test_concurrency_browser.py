"""Two officials of one State edit the same section at the same time, each in their own browser."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Cell, Regime
from portal.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANUFACTURE = "OP2.MANUFACTURE, Chemical weapons, National legal framework"
ACQUIRE = "OP2.ACQUIRE, Biological weapons, National legal framework"


def open_section(chromium, live_server, username, url):
    """A browser of its own (cookies and all) logged in as `username`, on the section form."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")
    return context, page


def fill(page, cell, mark, source):
    page.get_by_label(f"Mark ({cell})").select_option(mark)
    page.get_by_label(f"Legal source ({cell})").fill(source)


def stored(matrix, row, column):
    cell = Cell.objects.filter(matrix=matrix, row__code=row, column=column, aspect="framework").first()
    return (cell.mark, cell.source) if cell else ("", "")


def test_two_officials_save_the_same_section_without_losing_either_change(chromium, live_server, state_a_official):
    UserFactory(username="official-a2", role="state_official", state=state_a_official.state)
    matrix = services.start_draft(state_a_official.state, Regime.objects.get(code="1540"), acting_user=state_a_official)
    url = f"/workspace/{matrix.pk}/section/OP2/?form=1"  # the form; the grid's conflicts: test_grid_editor_browser.py
    context_a, a = open_section(chromium, live_server, "official-a", url)
    context_b, b = open_section(chromium, live_server, "official-a2", url)
    try:
        # A saves one cell; B, whose page still shows it blank, saves another: both are kept.
        fill(a, MANUFACTURE, "X", "Chemical Weapons Act 2004, s. 3")
        a.get_by_role("button", name="Save this section").click()
        expect(a.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
        fill(b, ACQUIRE, "?", "Draft biosafety bill")
        b.get_by_role("button", name="Save this section").click()
        expect(b.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
        expect(b.get_by_label(f"Legal source ({MANUFACTURE})")).to_have_value("Chemical Weapons Act 2004, s. 3")
        assert stored(matrix, "OP2.MANUFACTURE", "CW") == ("X", "Chemical Weapons Act 2004, s. 3")
        assert stored(matrix, "OP2.ACQUIRE", "BW") == ("?", "Draft biosafety bill")

        # A, whose page predates B's save, changes B's cell too: a conflict, shown with both values.
        fill(a, ACQUIRE, "X", "Biological Weapons Act, s. 2")
        a.get_by_role("button", name="Save this section").click()
        expect(a.get_by_role("alert")).to_contain_text("nothing was saved")
        conflict = a.locator("#cell-OP2-ACQUIRE-BW-framework-conflict")
        expect(conflict.locator(".conflict-yours")).to_contain_text("Biological Weapons Act, s. 2")
        expect(conflict.locator(".conflict-saved")).to_contain_text("Draft biosafety bill")
        expect(conflict).to_contain_text("by official-a2")
        assert stored(matrix, "OP2.ACQUIRE", "BW") == ("?", "Draft biosafety bill")

        # A takes the saved value: nothing left to save, B's value stays.
        conflict.get_by_role("button", name="Take the saved value").click()
        expect(a.get_by_label(f"Legal source ({ACQUIRE})")).to_have_value("Draft biosafety bill")
        a.get_by_role("button", name="Save this section").click()
        expect(a.get_by_role("status")).to_contain_text("Nothing to save")
        assert stored(matrix, "OP2.ACQUIRE", "BW") == ("?", "Draft biosafety bill")
    finally:
        context_a.close()
        context_b.close()
