"""The public reads, compares and searches published matrices in Debian's Chromium: on a desktop screen
and on a phone (390 px wide), where no page scrolls sideways."""

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

    page.get_by_label("Cells shown").select_option("on")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**only=on*")
    expect(page.locator("table.compare-table tr[data-differs]")).to_have_count(2)
    expect(page.locator("table.compare-table td.pair-a")).to_have_count(2)

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


# ---------------------------------------------------------------------------------------------
# On a phone and on a desktop screen

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def full_matrix(state_a, state_a_official, expert):
    """Jamaica's 1540 matrix with a mark in every one of its 357 cells."""
    from matrices.tests.test_public import filled_cells

    cells = filled_cells(357, source="Jamaican Act {i}, section {i} of the consolidated statutes")
    for index, cell in enumerate(cells):
        cell["mark"] = ["X", "?", "NA"][index % 3]
        if cell["mark"] == "NA":
            cell["source"], cell["remarks"] = "", "No such facilities on the territory"
        elif cell["mark"] == "?":
            cell["remarks"] = "References incomplete"
    return publish(state_a, state_a_official, expert, cells)


def test_on_a_phone_the_matrix_shows_every_mark_without_sideways_scroll(page, full_matrix):
    page.set_viewport_size(PHONE)
    page.goto("/states/JAM/1540/")

    assert no_sideways_scroll(page)
    marks = page.locator("td.matrix-cell > .cell-mark")
    expect(marks).to_have_count(357)
    outside = page.evaluate(
        """() => [...document.querySelectorAll('td.matrix-cell > .cell-mark')].filter(mark => {
            const box = mark.getBoundingClientRect();
            return box.width === 0 || box.left < 0 || box.right > window.innerWidth;
        }).length"""
    )
    assert outside == 0
    # Each cell of a weapons row says which column it is.
    label = page.evaluate(
        "getComputedStyle(document.getElementById('cell-OP2-MANUFACTURE-CW-enforcement'), '::before').content"
    )
    assert label == '"CW · Enforcement"'


def test_the_column_headers_stay_in_sight_while_a_section_scrolls(page, full_matrix):
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/states/JAM/1540/")
    jumps = page.get_by_role("navigation", name="Go to a section")
    jumps.get_by_role("link", name="OP2: prohibitions and their enforcement").click()
    page.wait_for_url("**#section-OP2")

    page.wait_for_function("() => Math.abs(document.getElementById('section-OP2').getBoundingClientRect().top) < 5")
    page.evaluate("window.scrollBy({top: 900, behavior: 'instant'})")

    header = page.locator("#section-OP2 ~ table thead")
    page.wait_for_function(
        "() => Math.abs(document.querySelector('#section-OP2 ~ table thead').getBoundingClientRect().top) < 2"
    )
    first_row = page.locator("#section-OP2 ~ table tbody tr").first
    assert first_row.bounding_box()["y"] < 0  # the rows scrolled up under the header
    expect(header.get_by_text("CW", exact=True)).to_be_in_viewport()
    expect(header.get_by_text("Enforcement").first).to_be_in_viewport()
    assert no_sideways_scroll(page)


def test_on_a_phone_compare_shows_both_states_side_by_side_without_sideways_scroll(page, two_published):
    page.set_viewport_size(PHONE)
    page.goto("/compare/?regime=1540&a=JAM")

    expect(page.get_by_label("First State")).to_have_value("JAM")
    page.get_by_label("Second State").select_option(label="Kenya")
    page.get_by_label("Cells shown").select_option("on")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**b=KEN*")

    assert no_sideways_scroll(page)
    first = page.locator("tr[data-differs]").first
    left, right = first.locator("td.pair-a"), first.locator("td.pair-b")
    expect(left).to_contain_text("Jamaican Act 2")
    expect(right).to_contain_text("Kenyan Act 2")
    left_box, right_box = left.bounding_box(), right.bounding_box()
    assert left_box["x"] + left_box["width"] <= right_box["x"] + 1 and abs(left_box["y"] - right_box["y"]) < 2
    assert right_box["x"] + right_box["width"] <= 390
    assert page.evaluate("getComputedStyle(document.querySelector('td.pair-b'), '::before').content") == '"Kenya"'


def test_compare_lists_the_states_of_the_regime_chosen(page, two_published, state_a, state_a_official, expert):
    from matrices.tests.test_public import filled_cells

    publish(state_a, state_a_official, expert, filled_cells(1, regime="CWC"), regime="CWC")
    page.goto("/compare/")
    first = page.get_by_label("First State")
    expect(first.locator("option:not([hidden])")).to_have_text(["Choose a State", "Jamaica", "Kenya"])

    page.get_by_label("Regime").select_option("cwc")

    expect(first.locator("option:not([hidden])")).to_have_text(["Choose a State", "Jamaica"])
    page.get_by_label("Regime").select_option("1540")
    expect(first.locator("option:not([hidden])")).to_have_text(["Choose a State", "Jamaica", "Kenya"])


def test_search_highlights_the_term_and_opens_page_two_with_its_filters(
    page, state_a, state_b, state_a_official, state_b_official, expert
):
    from matrices.tests.test_public import filled_cells

    publish(state_a, state_a_official, expert, filled_cells(30, source="Jamaica Customs Act s.{i}"))
    publish(state_b, state_b_official, expert, filled_cells(5, source="Kenya Customs Act s.{i}"))
    page.set_viewport_size(PHONE)
    page.goto("/search/")
    page.get_by_label("Legal source or remark").fill("customs act")
    page.get_by_label("State").select_option(label="Jamaica")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=customs+act*")

    expect(page.locator("#search-count")).to_contain_text("30 cells mention “customs act”.")
    expect(page.locator(".search-result mark").first).to_have_text("Customs Act")
    assert no_sideways_scroll(page)
    page.get_by_role("navigation", name="Pages of search results").get_by_role("link", name="Page 2").click()

    page.wait_for_url("**page=2*")
    expect(page.locator("#search-count")).to_contain_text("Showing 26–30.")
    expect(page.locator(".search-result")).to_have_count(5)
    expect(page.get_by_label("State")).to_have_value("JAM")
    expect(page.locator(".search-result mark")).to_have_count(5)
    assert "Kenya" not in page.locator(".search-results").inner_text()
