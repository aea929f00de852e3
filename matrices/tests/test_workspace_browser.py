"""The State official's section form, driven in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Matrix, Regime
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELL = "OP2.MANUFACTURE, Chemical weapons, National legal framework"


def test_an_official_fills_a_section_fixes_an_error_and_submits(page, state_a_official):
    matrix = services.start_draft(state_a_official.state, Regime.objects.get(code="1540"), acting_user=state_a_official)
    page.goto(f"/accounts/login/?next=/workspace/{matrix.pk}/")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/workspace/{matrix.pk}/")
    expect(page.locator("#matrix-status")).to_have_text("draft")

    page.get_by_role("link", name="OP2: prohibitions and their enforcement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OP2: prohibitions and their enforcement")
    page.get_by_role("link", name="Edit as a form").click()  # the grid is test_grid_editor_browser.py's
    mark = page.get_by_label(f"Mark ({CELL})")
    source = page.get_by_label(f"Legal source ({CELL})")
    mark.select_option("X")
    page.get_by_label(f"Remarks ({CELL})").fill("Penal provisions")
    page.get_by_role("button", name="Save this section").click()

    # The error is next to the source of that very cell; what was typed is kept.
    expect(page.get_by_role("alert")).to_contain_text("1 of 1 cells are not valid; nothing was saved.")
    expect(source).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework-source-error")).to_have_text(
        "A mark of X needs its legal source (law and article)."
    )
    expect(mark).to_have_value("X")
    expect(page.get_by_label(f"Remarks ({CELL})")).to_have_value("Penal provisions")
    assert not Matrix.objects.get(pk=matrix.pk).cells.exists()

    source.fill("Chemical Weapons Act 2004, s. 3")
    page.get_by_role("button", name="Save this section").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 cell(s) changed")
    expect(page.get_by_label(f"Legal source ({CELL})")).to_have_value("Chemical Weapons Act 2004, s. 3")

    page.get_by_role("link", name="Back to the version").click()
    page.get_by_role("link", name="Submit for review").click()
    expect(page.locator("#summary-changed")).to_have_text("1 cell filled (no earlier version to compare with)")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 was submitted for review.")
    expect(page.locator("#matrix-status")).to_contain_text("submitted")
    assert Matrix.objects.get(pk=matrix.pk).status == "submitted"
