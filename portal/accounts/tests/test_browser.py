"""The main forms of the foundation, driven in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_official_logs_in_sees_their_role_and_logs_out(page, state_a_official):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")

    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/my-work/")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.locator("main")).to_contain_text("State official")
    expect(page.locator("main")).to_contain_text("Jamaica")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="Implementing resolution 1540, together")).to_be_visible()


def test_the_public_filters_states_by_region_and_treaty(page, reference):
    page.goto("/states/")
    page.get_by_label("UN regional group").select_option("African")
    page.get_by_label("Not party to").select_option("CWC")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/states/?*")
    expect(page.locator("tbody tr th a")).to_have_text(["Egypt", "South Sudan"])
    page.get_by_role("link", name="Egypt").click()
    expect(page.get_by_role("heading", name="Egypt", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("verified non-party")


def test_an_official_changes_their_password_from_the_account_page(page, state_a_official):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/my-work/")
    page.goto("/accounts/profile/")

    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("montego-bay-lighthouse-77")
    page.get_by_label("New password confirmation").fill("montego-bay-lighthouse-77")
    page.get_by_role("button", name="Change password").click()

    page.wait_for_url("**/accounts/profile/")
    expect(page.get_by_role("status")).to_contain_text("Your password was changed.")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_the_login_page_leads_to_the_password_reset(page, state_a_official):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("official-a@example.org")
    page.get_by_role("button", name="Send the link").click()

    page.wait_for_url("**/accounts/password/reset/sent/")
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
