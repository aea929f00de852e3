"""A State official, in Debian's Chromium, says which national report a draft is built from, then adds
a new report, which the draft then cites; the page stays accessible."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from matrices import reports
from matrices.models import Matrix, NationalReport
from matrices.tests.helpers import draft
from portal.testing.axe import assert_accessible
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - the screenshots are looked at by hand
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_an_official_cites_a_report_then_adds_one(page, settings, tmp_path, state_a_official):
    settings.MEDIA_ROOT = tmp_path / "media"
    state = state_a_official.state
    first = reports.upload(
        state,
        document=SimpleUploadedFile("r.pdf", PDF),
        report_date=datetime.date(2005, 10, 28),
        title="First report of Jamaica",
        acting_user=state_a_official,
    )
    matrix = draft(state, state_a_official)
    url = f"/workspace/{matrix.pk}/"
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Username").fill(state_a_official.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")

    page.get_by_label("This version is built from").select_option(str(first.pk))
    page.get_by_role("button", name="Cite this report").click()
    expect(page.get_by_role("status")).to_contain_text("This version is now built from “First report of Jamaica”.")
    expect(page.locator("#cited-report")).to_contain_text("First report of Jamaica")
    assert Matrix.objects.get(pk=matrix.pk).report_id == first.pk

    path = tmp_path / "Update 2024.pdf"
    path.write_bytes(PDF)
    page.get_by_label("National report (PDF or Word)").set_input_files(str(path))
    page.get_by_label("Date of the national report").fill("2024-03-01")
    page.get_by_label("Title").fill("Additional report 2024")
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_role("button", name="Add the report").click()
    expect(page.get_by_role("status")).to_contain_text("The national report was added")
    expect(page.locator("#cited-report")).to_contain_text("Additional report 2024")
    added = NationalReport.objects.get(title="Additional report 2024")
    assert (added.kind, added.language, Matrix.objects.get(pk=matrix.pk).report_id) == ("additional", "fr", added.pk)
    page.locator("#document-title").scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "reports-storage-workspace.png", full_page=True)
    assert_accessible(page)
