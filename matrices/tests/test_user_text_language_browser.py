"""The official says the language of the State's entries in the workspace, and the grid's cell panel
marks what they type with it, in Debian's Chromium."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from matrices.models import Matrix
from matrices.tests.helpers import CELL, draft
from matrices.tests.test_grid_editor_browser import cell, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")  # noqa: S108 - the screenshots are looked at by hand


def test_the_official_sets_the_language_of_the_entries_and_the_grid_marks_them(page, state_a_official):
    matrix = draft(state_a_official.state, state_a_official, cells=[{**CELL, "source": "Loi sur les armes chimiques"}])
    log_in(page, f"/workspace/{matrix.pk}/")
    expect(page.locator("#entries-language")).to_have_text("English")
    panel = page.get_by_role("region", name="Language of our entries")
    panel.get_by_label("Language of our entries").select_option("fr")
    panel.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The language of the entries of this version was saved.")
    expect(page.locator("#entries-language")).to_have_text("French")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "i18n-usertext-workspace.png", full_page=True)
    assert Matrix.objects.get(pk=matrix.pk).language == "fr"

    page.goto(f"/workspace/{matrix.pk}/section/OP2/")
    expect(page.get_by_role("grid")).to_be_visible()
    cell(page, "MANUFACTURE", "CW").click()
    page.keyboard.press("Enter")
    source = page.get_by_label("Legal source", exact=True)
    expect(source).to_have_value("Loi sur les armes chimiques")
    expect(source).to_have_attribute("lang", "fr")
    expect(source).to_have_attribute("dir", "auto")
    expect(page.get_by_label("Remarks", exact=True)).to_have_attribute("lang", "fr")
    page.screenshot(path=SHOTS / "i18n-usertext-grid.png")
