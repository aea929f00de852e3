"""The OPCW's staff manage their offers in Debian's Chromium: they edit the offer drafted for them
(which confirms it), add one, withdraw it, and the public list shows each step. Accessible, and
readable at 1366 px (the menu on one line) and on a phone."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistance.models import Offer
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - the screenshots are looked at by hand


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def shoot(page, name, *, full_page=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"offer-pages-{name}.png"), full_page=full_page)


def menu_rows(page) -> int:
    """How many lines the main menu's items take."""
    tops = page.locator("#main-nav .navbar-nav > .nav-item").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    return len(set(tops))


def public_titles(browser_page):
    browser_page.goto("/assistance/offers/?provider=opcw")
    return browser_page.locator("#offers h2").all_inner_texts()


def test_provider_staff_edit_add_and_withdraw_offers(request, page, chromium, live_server, provider_chemical):
    page.set_viewport_size({"width": 1366, "height": 800})
    public_context = chromium.new_context(base_url=live_server.url)
    request.addfinalizer(public_context.close)
    public = public_context.new_page()
    opcw_offer = Offer.objects.get(provider__slug="opcw")
    assert not opcw_offer.confirmed

    log_in(page, "opcw-staff", "/assistance/provider/offers/")
    expect(page.get_by_role("heading", name="Our offers", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Our offers")).to_have_attribute("aria-current", "page")
    assert menu_rows(page) == 1, "the menu wraps at 1366 px"
    card = page.locator(f'[data-offer="{opcw_offer.pk}"]')
    expect(card).to_contain_text("unconfirmed: drafted from public information")
    expect(card.get_by_role("button", name="Confirm as it stands")).to_be_visible()
    assert_accessible(page, "the provider's offers")
    shoot(page, "manage-1366")

    # Edit the drafted offer: saving it confirms it.
    card.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(f"**/assistance/provider/offers/{opcw_offer.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value(opcw_offer.title)
    page.locator("#id_title").fill("Article VII legislation help desk and training")
    page.locator("#id_capacity").fill("12")
    page.get_by_role("button", name="Save the offer").click()
    page.wait_for_url("**/assistance/provider/offers/")
    expect(page.get_by_role("status").filter(has_text="was saved")).to_be_visible()
    card = page.locator(f'[data-offer="{opcw_offer.pk}"]')
    expect(card).to_contain_text("confirmed by the provider")
    expect(card.get_by_role("button", name="Confirm as it stands")).to_have_count(0)
    opcw_offer.refresh_from_db()
    assert opcw_offer.confirmed and opcw_offer.capacity == 12
    assert "Article VII legislation help desk and training" in public_titles(public)

    # Add an offer for the members of CARICOM; a first attempt without areas comes back explained.
    page.get_by_role("link", name="New offer").click()
    page.wait_for_url("**/assistance/provider/offers/new/")
    assert_accessible(page, "the new offer form")
    page.locator("#id_title").fill("Caribbean chemical security workshop")
    page.locator("#id_description").fill("A regional workshop on securing chemicals, for customs and regulators.")
    page.get_by_label("Chemical weapons", exact=True).check()
    page.get_by_label("Workshop", exact=True).check()
    page.get_by_label("English", exact=True).check()
    page.get_by_role("group", name="Members of the regional organisations").get_by_label(
        "Caribbean Community (CARICOM)"
    ).check()
    page.get_by_role("button", name="Add the offer").click()
    expect(page.locator("#form-error")).to_contain_text("Areas of assistance: Choose at least one.")
    assert_accessible(page, "the offer form with errors")
    shoot(page, "form-errors-1366", full_page=True)
    page.get_by_label("Physical protection", exact=True).check()
    page.locator("#id_valid_until").fill("2099-06-30")
    page.get_by_role("button", name="Add the offer").click()
    page.wait_for_url("**/assistance/provider/offers/")
    new_offer = Offer.objects.get(title="Caribbean chemical security workshop")
    assert new_offer.confirmed and [o.code for o in new_offer.eligible_organizations.all()] == ["CARICOM"]

    public.goto("/assistance/offers/?eligible=JAM&provider=opcw")
    item = public.locator(f'[data-offer="{new_offer.pk}"]')
    expect(item).to_contain_text("members of CARICOM")
    expect(item).to_contain_text("confirmed by the provider")
    public.goto("/assistance/offers/?eligible=PER&provider=opcw")
    expect(public.locator(f'[data-offer="{new_offer.pk}"]')).to_have_count(0)

    # Withdraw it, after the confirmation page.
    page.locator(f'[data-offer="{new_offer.pk}"]').get_by_role("link", name="Withdraw").click()
    page.wait_for_url(f"**/assistance/provider/offers/{new_offer.pk}/withdraw/")
    expect(page.locator("#confirm-effect")).to_contain_text("no longer shown to the public")
    assert_accessible(page, "the withdraw confirmation")
    page.get_by_role("button", name="Withdraw the offer").click()
    page.wait_for_url("**/assistance/provider/offers/")
    expect(page.locator(f'[data-offer="{new_offer.pk}"] [data-status="withdrawn"]')).to_be_visible()
    assert "Caribbean chemical security workshop" not in public_titles(public)
    new_offer.refresh_from_db()
    assert new_offer.status == "withdrawn"

    # The public list and an offer's page, on a laptop and on a phone.
    public.set_viewport_size({"width": 1366, "height": 800})
    public.goto("/assistance/offers/")
    expect(public.get_by_role("heading", name="Assistance offers")).to_be_visible()
    assert_accessible(public, "the public offers")
    shoot(public, "public-list-1366")
    public.goto(f"/assistance/offers/{opcw_offer.pk}/")
    assert_accessible(public, "an offer's page")
    shoot(public, "detail-1366")
    public.goto("/assistance/providers/caricom-1540/")
    assert_accessible(public, "a provider's page")
    shoot(public, "provider-1366")
    public.set_viewport_size({"width": 390, "height": 844})
    public.goto("/assistance/offers/")
    assert public.evaluate("document.documentElement.scrollWidth") <= 390, "the list is wider than a phone"
    shoot(public, "public-list-390")
    public.locator("#offers").scroll_into_view_if_needed()
    shoot(public, "public-list-390-offers")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/assistance/provider/offers/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the form is wider than a phone"
    shoot(page, "form-390")
    page.goto("/assistance/provider/offers/")
    shoot(page, "manage-390")
    expect(page).to_have_url(re.compile(r".*/assistance/provider/offers/$"))
