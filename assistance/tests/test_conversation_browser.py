"""The State asks the matched OPCW a question, the OPCW answers, the State reads the answer: in Debian's
Chromium, one browser context per person."""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistance.models import AssistanceRequest, Message
from assistance.tests.helpers import routed_request
from assistance.tests.test_conversation import PDF
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots of the pages, to look at: /tmp/shots by default.
SHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", Path(tempfile.gettempdir()) / "shots"))
OPCW = "Organisation for the Prohibition of Chemical Weapons"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def test_the_official_asks_the_opcw_and_reads_its_answer(
    page, chromium, live_server, state_a, state_a_official, provider_chemical
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=False)
    assert request.matches.filter(provider__slug="opcw").exists()

    # The official asks the OPCW from the request's page, with the draft bill attached.
    log_in(page, "official-a", f"/assistance/requests/{request.pk}/")
    conversations = page.locator("#conversations")
    expect(conversations).to_contain_text(OPCW)
    conversations.get_by_role("link", name=f"Ask a question to {OPCW}").click()
    page.wait_for_url(f"**/assistance/requests/{request.pk}/conversation/opcw/")
    expect(page.locator("#thread-empty")).to_have_text("No message yet.")
    page.get_by_label("Your message").fill("Could you review our draft bill?\nThe penal provisions are in Part 3.")
    page.get_by_label("Document (optional)").set_input_files(
        {"name": "Draft bill.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text=f"Your message was sent to {OPCW}")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("The penal provisions are in Part 3.")
    expect(page.get_by_role("link", name="Download Draft bill.pdf")).to_be_visible()

    # The OPCW's staff, in their own browser, answer from their request page.
    context = chromium.new_context(base_url=live_server.url)
    try:
        opcw = context.new_page()
        opcw.set_default_timeout(10_000)
        log_in(opcw, "opcw-staff", f"/assistance/provider/{request.pk}/")
        opcw.locator("#conversations").get_by_role("link", name="Open the conversation").click()
        opcw.wait_for_url(f"**/assistance/requests/{request.pk}/conversation/opcw/")
        expect(opcw.locator("#thread")).to_contain_text("Could you review our draft bill?")
        with opcw.expect_download() as download:
            opcw.get_by_role("link", name="Download Draft bill.pdf").click()
        assert Path(download.value.path()).read_bytes() == PDF
        opcw.get_by_label("Your message").fill("Yes: our legal team can start in May.")
        opcw.get_by_role("button", name="Send").click()
        expect(opcw.get_by_role("status").filter(has_text="Your message was sent to Jamaica")).to_be_visible()
        opcw.screenshot(path=str(SHOTS / "conversation-provider-desktop.png"), full_page=True)
    finally:
        context.close()

    # The official sees the answer.
    page.reload()
    thread = page.locator("#thread")
    expect(thread.locator("li")).to_have_count(2)
    expect(thread.locator("li").nth(1)).to_contain_text("Yes: our legal team can start in May.")
    expect(thread.locator("li").nth(1)).to_contain_text(OPCW)
    assert_accessible(page, "the conversation")
    page.screenshot(path=str(SHOTS / "conversation-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "conversation-phone.png"), full_page=True)

    request = AssistanceRequest.objects.get(pk=request.pk)
    answer = Message.objects.get(side="provider")
    assert request.first_response_at == answer.created_at

    # The request's page counts the messages.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/assistance/requests/{request.pk}/")
    expect(page.locator("#conversations")).to_contain_text("2 messages")
    page.screenshot(path=str(SHOTS / "conversation-request-page.png"), full_page=True)
