"""A State's published action plan and the comparison of two versions, in Debian's Chromium, on a desktop
and on a phone: readable, accessible, never wider than the screen."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from plans import services
from portal.testing.axe import assert_accessible

SHOTS = Path("/tmp/shots")  # noqa: S108 - the screenshots are looked at by hand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELLS = [
    {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"},
    {"row": "OP3cd.BORDER_CONTROL", "column": "CW", "aspect": "enforcement"},
]


def two_published_versions(state, official):
    plan = services.create(
        state,
        {"summary": "Close the chemical and biological gaps of the matrix by 2028.", "title": "National action plan",
         "period_start": "2026-01-01", "period_end": "2028-12-31"},
        acting_user=official,
    )  # fmt: skip
    for data in (
        {"measure": "Adopt the Chemical Weapons Act", "cells": CELLS, "lead_agency": "Ministry of Justice",
         "target_date": "2025-06-30", "status": "under_way"},
        {"measure": "Train customs officers on precursor chemicals", "lead_agency": "Customs", "status": "done"},
        {"measure": "Set up a licensing office", "assistance_needed": True, "target_date": "2027-12-31"},
    ):  # fmt: skip
        services.add_item(plan, data, acting_user=official)
    services.submit(plan, acting_user=official)
    services.consent(plan, acting_user=official)
    second = services.create(state, {"summary": "The second version of the plan."}, acting_user=official)
    act, training, office = second.items.order_by("order")
    services.update_item(act, {"status": "done", "lead_agency": "Attorney General's Chambers"}, acting_user=official)
    services.delete_item(training, acting_user=official)
    services.add_item(second, {"measure": "Draft biological safety rules", "cells": CELLS[:1]}, acting_user=official)
    services.submit(second, acting_user=official)
    services.consent(second, acting_user=official)
    return plan, second


@pytest.mark.parametrize("width", [1366, 390])
def test_the_public_plan_and_the_comparison_read_well_on_a_desktop_and_a_phone(page, state_a, state_a_official, width):
    two_published_versions(state_a, state_a_official)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(reverse("plans:public_version", args=[state_a.iso3, 1]))
    expect(page.get_by_role("heading", level=1)).to_have_text("National action plan")
    expect(page.locator("#plan-items")).to_contain_text("OP3cd.BORDER_CONTROL")
    expect(page.locator("#plan-items")).to_contain_text("overdue")
    expect(page.get_by_text("not the latest version")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, "the public plan")
    page.screenshot(path=SHOTS / f"plans-public-plan-{width}.png", full_page=True)

    page.goto(reverse("plans:public_latest", args=[state_a.iso3]))
    page.get_by_role("link", name="What changed from version 1 to 2").click()
    page.wait_for_url("**/plan/diff/?from=1&to=2")
    changed = page.locator('[data-change="changed"]')
    expect(changed).to_contain_text("Attorney General's Chambers")
    expect(changed.locator("ins")).to_have_count(2)
    expect(page.locator('[data-change="removed"]')).to_contain_text("Train customs officers")
    expect(page.locator('[data-change="added"]')).to_contain_text("Draft biological safety rules")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, "the comparison of two versions")
    page.screenshot(path=SHOTS / f"plans-public-diff-{width}.png", full_page=True)


def test_an_expert_reviews_a_shared_version_and_comments_on_an_item(page, state_a, state_a_official, expert):
    from plans.models import PlanComment
    from portal.testing.factories import TEST_PASSWORD

    two_published_versions(state_a, state_a_official)
    third = services.create(state_a, {"summary": "The third version."}, acting_user=state_a_official)
    services.submit(third, acting_user=state_a_official)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/accounts/login/?next={reverse('plans:review_list')}")
    page.get_by_label("Username").fill("expert")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/plans/review/")
    assert_accessible(page, "the experts' list of plans")
    page.screenshot(path=SHOTS / "plans-public-review-list-1366.png", full_page=True)
    page.get_by_role("link", name="Review version 3").click()
    item = third.items.get(measure="Set up a licensing office")
    card = page.locator(f"#item-{item.pk}")
    card.get_by_label("Comment").fill("Which ministry will license?")
    card.get_by_role("button", name="Comment on this measure").click()
    expect(page.locator(f"#item-{item.pk} .plan-comments")).to_contain_text("Which ministry will license?")
    assert_accessible(page, "the review of a version")
    page.screenshot(path=SHOTS / "plans-public-review-1366.png", full_page=True)
    assert PlanComment.objects.get().item_id == item.pk
