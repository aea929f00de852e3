"""A State's page in Debian's Chromium: the public's and the State official's, on a desktop and on a phone,
with the in-page navigation, no sideways scroll and no accessibility violation."""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from matrices.tests.helpers import published
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD
from states.tests.test_state_page_one_place import CONTACT_NAME, jamaica  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", Path(tempfile.gettempdir()) / "shots"))
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


@pytest.fixture
def with_matrix(jamaica, state_a_official, expert):  # noqa: F811 - the fixture imported above
    published(jamaica, state_a_official, expert)
    return jamaica


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_public_reads_the_state_page_and_jumps_to_its_sections(page, with_matrix, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(SIZES[size])
    page.goto("/states/JAM/")

    nav = page.get_by_role("navigation", name="On this page")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Assistance").click()
    page.wait_for_url("**/states/JAM/#assistance")
    expect(page.locator("#delivered-requests")).to_contain_text("Delivered request")
    expect(page.locator("#published-requests")).not_to_contain_text("Confidential routed request")
    expect(page.locator("#contacts")).not_to_contain_text(CONTACT_NAME)
    expect(page.locator("#action-plan")).to_contain_text("Action plan, version 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"state-page-public-{size}.png"), full_page=True)
    assert_accessible(page, f"the State page for the public ({size})")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_states_official_finds_their_links_in_the_same_page(page, with_matrix, state_a_official, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(SIZES[size])
    log_in(page, "official-a", "/states/JAM/")

    links = page.locator("#your-links")
    expect(links.get_by_role("link", name="Your points of contact")).to_have_attribute("href", "/states/JAM/contacts/")
    expect(page.locator("#assistance-open")).to_contain_text("Open requests")
    expect(page.locator("#contacts")).to_contain_text(CONTACT_NAME)
    expect(page.locator("#action-plan")).to_contain_text("Version 2 is draft")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=str(SHOTS / f"state-page-official-{size}.png"), full_page=True)
    assert_accessible(page, f"the State page for its official ({size})")
