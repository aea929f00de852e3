"""An official drafts the State's action plan from its gaps, asks for assistance from a measure, shares
the plan with the Committee and publishes it with consent, in Debian's Chromium; at 1366 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from assistance.models import AssistanceRequest
from matrices.tests.helpers import draft
from plans.models import Plan
from portal.site.tests.test_navigation_browser import menu_layout
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots/plans-official"  # noqa: S108 - the screenshots are looked at by hand
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def open_our_plan(page):
    """ "Our action plan" is in the account menu (the main menu is full at 1366 px)."""
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.locator(".account-toggle").click()
    nav.get_by_role("link", name="Our action plan").click()
    page.wait_for_url("**/plans/")


def shot(page, name):
    page.screenshot(path=f"{SHOTS}-{name}.png", full_page=True)


def test_an_official_drafts_a_plan_from_gaps_asks_for_assistance_and_publishes_it(page, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)  # a 1540 draft: every cell blank, so every cell is a gap
    page.set_viewport_size(DESKTOP)
    log_in(page, "official-a", "/my-work/")

    # The main menu stays on one line at 1366 px; "Our action plan" is in the account menu.
    nav = page.get_by_role("navigation", name="Main navigation")
    layout = menu_layout(page)
    assert layout["rows"] == 1 and layout["wrapped"] == [], layout
    assert layout["gap"] >= 0 and layout["overflow"] <= 0.5, layout
    open_our_plan(page)
    expect(nav.get_by_role("link", name="Our action plan", include_hidden=True)).to_have_attribute(
        "aria-current", "page"
    )
    shot(page, "mine-empty-1366")

    # Start a version: its summary first.
    page.get_by_role("link", name="Start a new version").click()
    page.wait_for_url("**/plans/new/")
    page.get_by_label("Title").fill("National action plan 2026–2028")
    page.get_by_label("Summary").fill("Close the chemical weapons gaps of our legislation by 2028.")
    page.get_by_label("Period from").fill("2026-01-01")
    page.get_by_label("Period until").fill("2028-12-31")
    page.get_by_role("button", name="Start the new version").click()
    page.wait_for_url(re.compile(r".*/plans/\d+/$"))
    plan = Plan.objects.get()
    expect(page.locator("#plan-status")).to_have_text("draft")
    expect(page.get_by_role("status").filter(has_text="Version 1 of the action plan was started")).to_be_visible()

    # A measure drafted from two gap cells, needing assistance.
    page.get_by_role("link", name="Add a measure").click()
    page.wait_for_url("**/items/new/")
    page.get_by_role("textbox", name=re.compile(r"^Measure")).fill("Criminalise the manufacture of chemical weapons")
    page.get_by_label("Lead agency").fill("Ministry of Justice")
    page.get_by_label("Target date").fill("2027-06-30")
    framework = page.get_by_label("OP2.MANUFACTURE CW framework")
    if not framework.is_visible():  # the gaps are grouped by section, folded
        page.locator("summary").filter(has_text="OP2").first.click()
    framework.check()
    page.get_by_label("OP2.MANUFACTURE CW enforcement").check()
    page.get_by_label("Assistance is needed for this measure").check()
    assert_accessible(page, "the item form")
    shot(page, "item-form-1366")
    page.set_viewport_size(PHONE)
    shot(page, "item-form-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Add the measure").click()
    page.wait_for_url(re.compile(r".*/plans/\d+/(#item-\d+)?$"))
    item = plan.items.get()
    assert item.cells == [
        {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"},
        {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "enforcement"},
    ]
    assert item.assistance_needed
    card = page.locator(f"#item-{item.pk}")
    expect(card).to_contain_text("Criminalise the manufacture of chemical weapons")
    expect(card).to_contain_text("OP2.MANUFACTURE")
    expect(card).to_contain_text("Assistance needed")
    assert_accessible(page, "the plan editor")

    # Ask for assistance: a draft request pre-filled from the measure, to complete.
    card.get_by_role("button", name=re.compile("Ask for assistance")).click()
    page.wait_for_url(re.compile(r".*/assistance/requests/\d+/edit/$"))
    request = AssistanceRequest.objects.get()
    expect(page.get_by_role("heading", name=f"Edit request #{request.pk}")).to_be_visible()
    for aspect in ("framework", "enforcement"):
        expect(page.locator(f'#need-0 input[value="{matrix.pk}|OP2.MANUFACTURE|CW|{aspect}"]')).to_be_checked()
    assert list(request.plan_items.all()) == [item]

    # Back to the plan: the measure shows its request.
    open_our_plan(page)
    page.get_by_role("link", name="Continue version 1").click()
    card = page.locator(f"#item-{item.pk}")
    expect(card).to_contain_text(f"Request #{request.pk}")
    expect(card.locator(".status-badge[data-status='draft']")).to_be_visible()
    shot(page, "editor-1366")
    page.set_viewport_size(PHONE)
    shot(page, "editor-390")
    assert_accessible(page, "the plan editor at 390 px")
    page.set_viewport_size(DESKTOP)

    # Share with the Committee, then publish with consent after reading what the public will see.
    page.get_by_role("button", name="Share with the Committee").click()
    expect(page.locator("#plan-status")).to_have_text("shared with the Committee")
    # The confirmation is a page of its own (without JavaScript) and opens in a dialog.
    page.goto(f"/plans/{plan.pk}/publish/")
    expect(page.locator("#confirm-effect")).to_contain_text("consents to everyone reading this version")
    assert_accessible(page, "the publish confirmation")
    page.go_back()
    page.get_by_role("link", name="Publish", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("What the public will see")
    expect(dialog).to_contain_text("Criminalise the manufacture of chemical weapons")
    shot(page, "publish-confirm-1366")
    dialog.get_by_role("button", name="Publish with my State's consent").click()
    expect(page.locator("#plan-status")).to_have_text("published")
    expect(page.locator("#plan-where")).to_contain_text("does not change")
    expect(page.get_by_role("button", name="Share with the Committee")).to_have_count(0)
    plan.refresh_from_db()
    assert plan.status == "published" and plan.consent_given_by == state_a_official
    shot(page, "published-1366")

    open_our_plan(page)
    expect(page.locator("#version-1")).to_contain_text("published")
    expect(page.locator("#version-1")).to_contain_text("0 / 1")
    shot(page, "mine-1366")
    assert_accessible(page, "our action plan")
    page.set_viewport_size(PHONE)
    shot(page, "mine-390")


def test_a_measure_without_a_description_is_explained_next_to_its_field(page, state_a, state_a_official):
    from plans import services

    plan = services.create(state_a, {"summary": "A plan"}, acting_user=state_a_official)
    page.set_viewport_size(DESKTOP)
    log_in(page, "official-a", f"/plans/{plan.pk}/items/new/")
    page.get_by_label("Target date").fill("2027-06-30")
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following:")
    expect(page.locator("#id_measure-error")).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile(r"^Measure"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Target date")).to_have_value("2027-06-30")
    assert not plan.items.exists()
    assert_accessible(page, "the item form with errors")
