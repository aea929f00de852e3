"""A request's needs on a phone, in Debian's Chromium: wide tables scroll in their box, never the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assistance.tests.helpers import routed_request
from matrices.tests.helpers import draft
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long row labels and blank marks (whose text for screen readers is visually hidden) make the needs'
# cell table wider than a phone.
LONG_ROWS = ["OP3cd.BORDER_CONTROL", "OP3cd.EXPORT_LEGISLATION", "OP3cd.BROKERING"]


def test_the_needs_of_a_request_do_not_make_the_page_scroll_sideways_on_a_phone(page, state_a, state_a_official):
    matrix = draft(state_a, state_a_official)
    cells = [{"matrix": matrix.pk, "row": row, "column": "CW", "aspect": "enforcement"} for row in LONG_ROWS]
    request = routed_request(
        state_a, state_a_official, needs=[{"description": "Border control training", "cells": cells}]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    url = reverse("assistance:confirm_withdraw", args=[request.pk])  # the needs, as providers see them too
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill("official-a")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")

    table = page.locator("#needs-heading ~ ol table")
    expect(table).to_contain_text("OP3cd.BORDER_CONTROL")
    assert table.evaluate("t => t.parentElement.scrollWidth > t.parentElement.clientWidth")  # it scrolls in its box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
