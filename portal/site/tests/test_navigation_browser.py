"""Landing and moving around, driven in Debian's Chromium: each role lands on "My work", the main
menu stays on one line at 1366 px and collapses at 390 px, a new API token is copied with a button."""

import pytest
from playwright.sync_api import expect

from assistance.tests.helpers import routed_request
from portal.testing.axe import assert_accessible, focus_indicator_problems
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = {
    "official-a": ("state_a_official", "Matrices to work on"),
    "expert": ("expert", "Review queue"),
    "opcw-staff": ("provider_chemical", "Routed to you, awaiting a claim"),
    "operator": ("admin_user", "Requests needing the experts"),
}


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def menu_layout(page):
    """The main menu's geometry: the rows its items sit on, whether the two lists overlap, and the
    navbar's height against one item's."""
    return page.evaluate(
        """() => {
          const items = [...document.querySelectorAll('#main-nav .nav-item')].filter(e => e.offsetParent);
          const lists = [...document.querySelectorAll('#main-nav > ul')].map(e => e.getBoundingClientRect());
          const bar = document.querySelector('.portal-header .navbar > .container');
          const style = getComputedStyle(bar);
          return {
            rows: [...new Set(items.map(e => Math.round(e.getBoundingClientRect().top)))].length,
            gap: lists[1].left - lists[0].right,
            overflow: Math.max(...items.map(e => e.getBoundingClientRect().right))
                      - (bar.getBoundingClientRect().right - parseFloat(style.paddingRight)),
            wrapped: items.filter(e => e.getBoundingClientRect().height > 48).map(e => e.innerText.trim()),
            height: bar.getBoundingClientRect().height,
            itemHeight: Math.max(...items.map(e => e.getBoundingClientRect().height)),
            brandHeight: document.querySelector('.navbar-brand').getBoundingClientRect().height,
          };
        }"""
    )


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_lands_on_my_work_and_the_menu_is_one_line_at_1366(request, page, username):
    fixture, heading = ROLES[username]
    request.getfixturevalue(fixture)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, username)
    page.wait_for_url("**/my-work/")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()

    nav = page.get_by_role("navigation", name="Main navigation")
    for name in ("My work", "Search", "Compare"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="My work", exact=True)).to_have_attribute("aria-current", "page")
    layout = menu_layout(page)
    assert layout["rows"] == 1, layout
    assert layout["wrapped"] == [], layout
    assert layout["gap"] >= 0 and layout["overflow"] <= 0.5, layout
    assert layout["height"] <= max(layout["itemHeight"], layout["brandHeight"]) + 1, layout
    assert_accessible(page, f"My work at 1366 px, as {username}")
    assert not focus_indicator_problems(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, f"My work at 390 px, as {username}")


def test_the_admins_secondary_items_are_in_dropdowns_that_open(page, admin_user):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "operator")
    page.wait_for_url("**/my-work/")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Turnaround")).to_be_hidden()
    nav.get_by_role("button", name="Requests").click()
    nav.get_by_role("link", name="Turnaround").click()
    page.wait_for_url("**/assistance/expert/turnaround/")
    nav.get_by_role("button", name="operator").click()
    nav.get_by_role("link", name="Administration").click()
    page.wait_for_url("**/admin/")


def test_the_menu_collapses_at_390_and_opens_with_its_toggle(page, state_a_official):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "official-a")
    page.wait_for_url("**/my-work/")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Search", exact=True)).to_be_hidden()
    nav.get_by_role("button", name="Show navigation").click()
    for name in ("States", "Search", "Compare", "My work", "Our matrices", "Our requests"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    nav.get_by_role("link", name="Compare", exact=True).click()
    page.wait_for_url("**/compare/")


def test_the_items_on_my_work_lead_where_the_action_is(page, state_a, state_a_official, provider_chemical):
    req = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    assert req.matches.filter(provider__slug="opcw").exists()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "opcw-staff")
    page.wait_for_url("**/my-work/")
    page.get_by_role("link", name=f"#{req.pk} Penal provisions for chemical weapons offences").click()
    page.wait_for_url(f"**/assistance/provider/{req.pk}/")
    expect(page.get_by_role("button", name="Claim")).to_be_visible()


def test_a_new_token_is_copied_with_the_copy_button(page, live_server, state_a_official):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, "official-a")
    page.wait_for_url("**/my-work/")
    page.goto("/accounts/profile/")
    page.get_by_label("Name", exact=True).fill("CI")
    page.get_by_role("button", name="Create").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("p1540_")
    status = page.locator("#new-token-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    page.get_by_role("button", name="Copy").click()
    expect(status).to_have_text("Copied to the clipboard.")
    assert page.evaluate("() => navigator.clipboard.readText()") == token


def test_the_favicon_answers_without_a_404(page, reference):
    response = page.goto("/favicon.ico")
    assert response is not None and response.status == 200
    assert page.url.endswith("/static/favicon.svg")
    assert page.locator("svg").count() == 1
