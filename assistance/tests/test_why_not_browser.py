"""An expert asks why a provider was not matched to a request, then assigns another by hand through its
offer, in Debian's Chromium."""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistance.models import Match, Offer
from assistance.tests.helpers import routed_request
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots of the pages, to look at: /tmp/shots by default.
SHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", Path(tempfile.gettempdir()) / "shots"))


def screenshots(page, name):
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"why-not-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_an_expert_asks_why_not_caricom_then_assigns_unoda_through_its_offer(page, reference, expert):
    from states.models import State

    peru = State.objects.get(iso3="PER")
    official = UserFactory(username="official-per", role="state_official", state=peru)
    request = routed_request(peru, official, title="Chemical weapons penal code")
    assert request.status == "routed"
    assert not request.matches.filter(provider__slug__in=["caricom-1540", "unoda"]).exists()
    unoda = Offer.objects.get(provider__slug="unoda")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/accounts/login/?next=/assistance/expert/{request.pk}/")
    page.get_by_label("Username").fill("expert")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/")
    screenshots(page, "request")

    # Why not CARICOM's programme? Peru is not a member of CARICOM.
    page.get_by_label("Why not…?").select_option(label="CARICOM 1540 Implementation Programme")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/why-not/?provider=caricom-1540")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why not CARICOM 1540 Implementation Programme?")
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("No offer of CARICOM 1540 Implementation Programme may receive this request")
    expect(verdict).to_contain_text("the offer is reserved to other States (members of CARICOM)")
    screenshots(page, "caricom")
    assert_accessible(page, "why not CARICOM")

    # Why not UNODA? It fits, below the cut; the expert assigns it through its offer.
    page.get_by_label("Why not…?").select_option(value="unoda")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/why-not/?provider=unoda")
    expect(page.locator("#verdict")).to_contain_text("kept out by the cut")
    expect(page.locator(".why-not-compare")).to_contain_text("Last taken")
    screenshots(page, "unoda")
    assert_accessible(page, "why not UNODA")

    offer_card = page.get_by_role("article", name=unoda.title)
    expect(offer_card).to_contain_text("Score")
    offer_card.get_by_role("button", name="Assign through this offer").click()
    page.wait_for_url(f"**/assistance/expert/{request.pk}/")
    expect(page.get_by_role("status").first).to_contain_text(f"through its offer “{unoda.title}”")
    row = page.get_by_role("row", name="United Nations Office for Disarmament Affairs")
    expect(row).to_contain_text(f"Offer: {unoda.title}")
    expect(row).to_contain_text("assigned by an expert")
    screenshots(page, "assigned")
    assert_accessible(page, "the request after the assignment")

    match = Match.objects.get(request=request, provider__slug="unoda")
    assert match.offer_id == unoda.pk and match.assigned_by_expert

    # The public page (the State consented) names each provider's offer, linked to the offer's page.
    page.goto(f"/assistance/published/{request.pk}/")
    expect(page.get_by_role("link", name=unoda.title)).to_have_attribute("href", f"/assistance/offers/{unoda.pk}/")
    screenshots(page, "public")
    assert_accessible(page, "the public request page")
