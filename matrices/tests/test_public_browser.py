"""The public compares two States' published matrices and downloads one as CSV, in Debian's Chromium."""

import csv
import io

import pytest
from playwright.sync_api import expect

from matrices.tests.test_public import filled_cells, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_published(state_a, state_b, state_a_official, state_b_official, expert):
    jamaica = publish(state_a, state_a_official, expert, filled_cells(3, source="Jamaican Act {i}"))
    kenya = publish(
        state_b,
        state_b_official,
        expert,
        filled_cells(2, source="Jamaican Act {i}") + filled_cells(4, source="Kenyan Act {i}")[2:],
    )
    return jamaica, kenya


def test_the_public_compares_two_states_and_downloads_a_csv(page, two_published):
    page.goto("/compare/")
    page.get_by_label("Regime").select_option("1540")
    page.get_by_label("First State").select_option(label="Jamaica")
    page.get_by_label("Second State").select_option(label="Kenya")
    page.get_by_role("button", name="Compare").click()

    page.wait_for_url("**/compare/?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jamaica and Kenya: 1540 matrices side by side")
    expect(page.locator("#differing-count")).to_contain_text("2 cells differ.")
    differing = page.locator("tr[data-differs]")
    expect(differing).to_have_count(2)
    expect(differing.first).to_contain_text("Jamaican Act 2")
    expect(differing.first).to_contain_text("Kenyan Act 2")
    expect(page.get_by_role("note", name="Disclaimer")).to_contain_text("not a tool for measuring compliance")

    page.get_by_label("Show only the cells that differ").check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**only=on*")
    expect(page.locator("table.compare-table tbody tr")).to_have_count(2)

    page.get_by_role("link", name="Kenya", exact=True).click()
    page.wait_for_url("**/states/KEN/1540/v1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kenya")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value

    assert download.suggested_filename == "KEN-1540-v1.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        lines = list(csv.DictReader(io.StringIO(handle.read())))
    assert len(lines) == 357
    marked = [(line["row"], line["mark"], line["source"]) for line in lines if line["mark"]]
    assert marked == [
        ("OP1.NPT", "X", "Jamaican Act 0"),
        ("OP1.NWFZ", "X", "Jamaican Act 1"),
        ("OP1.ICSANT", "X", "Kenyan Act 2"),
        ("OP1.CPPNM", "X", "Kenyan Act 3"),
    ]
    assert {line["state"] for line in lines} == {"KEN"}
