"""A request's status looks the same to everyone: the official's, the expert's, the provider's and
the public page show one badge, in one colour, in Debian's Chromium."""

import pytest

from assistance.tests.helpers import routed_request
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def badge_on(chromium, live_server, url, username=None):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        if username:
            page.goto(f"/accounts/login/?next={url}")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(TEST_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"**{url}")
        else:
            page.goto(url)
        badge = page.locator("main .status-badge").first
        return (
            badge.inner_text(),
            badge.get_attribute("class"),
            badge.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
    finally:
        context.close()


def test_every_role_sees_the_same_status_badge(
    chromium, live_server, state_a, state_a_official, expert, provider_chemical
):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    assert request.status == "routed" and request.consent_to_publish
    seen = {
        "official": badge_on(chromium, live_server, f"/assistance/requests/{request.pk}/", "official-a"),
        "expert": badge_on(chromium, live_server, f"/assistance/expert/{request.pk}/", "expert"),
        "provider": badge_on(chromium, live_server, f"/assistance/provider/{request.pk}/", "opcw-staff"),
        "public": badge_on(chromium, live_server, f"/assistance/published/{request.pk}/"),
    }
    assert len(set(seen.values())) == 1, seen
    text, classes, _colour = seen["public"]
    assert text == "routed" and "text-bg-info" in classes
