"""Switching the language on a phone, in Debian's Chromium: the switcher's menu, the cookie, <html lang dir>."""

import pytest
from playwright.sync_api import expect

from portal.core import i18n

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_switches_to_arabic_and_back_on_a_phone(page, settings, reference):
    settings.LANGUAGES = list(i18n.UN_LANGUAGES)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/states/")
    switcher = page.locator("#language-switcher")
    expect(switcher).to_be_visible()  # beside the menu button, not inside the collapsed menu
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    switcher.locator("summary").click()
    page.get_by_role("button", name="العربية").click()

    page.wait_for_url("**/states/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies["django_language"] == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    switcher.locator("summary").click()
    page.get_by_role("button", name="English").click()

    page.wait_for_url("**/states/")
    expect(html).to_have_attribute("lang", "en")
    assert html.get_attribute("dir") is None
    assert {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}["django_language"] == "en"


def test_escape_closes_the_switcher(page, settings, reference):
    settings.LANGUAGES = list(i18n.UN_LANGUAGES)
    page.goto("/")
    page.locator("#language-switcher summary").click()
    expect(page.get_by_role("button", name="Français")).to_be_visible()

    page.keyboard.press("Escape")

    expect(page.get_by_role("button", name="Français")).to_be_hidden()
    expect(page.locator("#language-switcher summary")).to_be_focused()


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("code", ["ar", "en"])
def test_the_switcher_is_accessible_open_and_closed(page, settings, reference, width, code):
    from portal.testing.axe import assert_accessible, indicator_of_focused

    settings.LANGUAGES = list(i18n.UN_LANGUAGES)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/?lang={code}")
    assert_accessible(page, f"home, {code}, {width} px")

    toggle = page.locator("#language-switcher summary")
    toggle.focus()
    focused = indicator_of_focused(page)
    assert focused["inHeader"] and not focused["reason"], focused
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    assert_accessible(page, f"home, {code}, {width} px, switcher open")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
