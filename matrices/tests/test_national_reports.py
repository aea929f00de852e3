"""A State's national reports: who adds them, which version cites which, who sees them (the workspace,
the State page's section, the download, the API), the upload rules, and the data migration that
turned each version's attached document into a report."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from matrices import reports
from matrices.models import Matrix, NationalReport
from matrices.tests.helpers import CELL, draft, published, submitted
from portal.audit.models import AuditEvent
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clients(state_a_official, state_b_official, expert, provider_chemical):
    return {
        "anonymous": logged_in(None),
        "official_a": logged_in(state_a_official),
        "official_b": logged_in(state_b_official),
        "expert": logged_in(expert),
        "provider": logged_in(provider_chemical),
    }


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def add(state, user, *, content=PDF, name="Our report (final).pdf", day=datetime.date(2024, 3, 1), **fields):
    return reports.upload(
        state, document=SimpleUploadedFile(name, content), report_date=day, acting_user=user, **fields
    )


def api_reports(client, iso3="JAM"):
    response = client.get(f"/api/v1/states/{iso3}/reports/")
    assert response.status_code == 200, response.content
    return response.json()


# --- Uploading ---------------------------------------------------------------------------------------


def test_an_official_adds_the_first_report_then_additional_ones(state_a, state_a_official, media):
    first = add(state_a, state_a_official, day=datetime.date(2005, 10, 28))
    second = add(state_a, state_a_official, content=DOCX, name="addendum.docx", title="Addendum", language="fr")
    assert (first.kind, second.kind) == ("first", "additional")
    assert first.title == "First national report of Jamaica" and second.title == "Addendum"
    assert add(state_a, state_a_official).title == "Additional national report of Jamaica"
    assert (second.language, second.report_date, second.uploaded_by) == (
        "fr",
        datetime.date(2024, 3, 1),
        state_a_official,
    )
    # The stored names are the portal's, never the uploader's.
    for report in (first, second):
        assert "Our report" not in report.document.name and "addendum" not in report.document.name
        assert report.document.name.startswith("reports/") and "/JAM-national-report-" in report.document.name
    assert first.document.name.endswith(".pdf") and second.document.name.endswith(".docx")
    assert len(stored_files(media)) == 3
    with first.document.open("rb") as handle:
        assert handle.read() == PDF
    event = AuditEvent.objects.get(verb="report.upload", object_id=str(second.pk))
    assert event.after["kind"] == "additional" and event.actor == state_a_official


def test_an_expert_adds_a_report_of_any_state(state_b, expert):
    report = add(state_b, expert, kind="additional")
    assert report.state == state_b and report.kind == "additional"


@pytest.mark.parametrize("who", ["state_b_official", "provider_chemical", "anonymous"])
def test_others_cannot_add_a_states_report(request, who, state_a, media):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    events = AuditEvent.objects.count()
    with pytest.raises(NotAllowed):
        add(state_a, user)
    assert NationalReport.objects.count() == 0 and AuditEvent.objects.count() == events
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("content", "name", "day", "fields", "field"),
    [
        (b"hello", "report.txt", datetime.date(2024, 3, 1), {}, "document"),
        (b"MZ\x90\x00 not a pdf", "report.pdf", datetime.date(2024, 3, 1), {}, "document"),
        (b"", "report.pdf", datetime.date(2024, 3, 1), {}, "document"),
        (PDF, "report.pdf", datetime.date(2999, 1, 1), {}, "report_date"),
        (PDF, "report.pdf", None, {}, "report_date"),
        (PDF, "report.pdf", datetime.date(2024, 3, 1), {"language": "xx"}, "language"),
        (PDF, "report.pdf", datetime.date(2024, 3, 1), {"kind": "third"}, "kind"),
        (PDF, "report.pdf", datetime.date(2024, 3, 1), {"title": "t" * 201}, "title"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(
    state_a, state_a_official, media, content, name, day, fields, field
):
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        add(state_a, state_a_official, content=content, name=name, day=day, **fields)
    assert field in refused.value.errors
    assert NationalReport.objects.count() == 0 and AuditEvent.objects.count() == events
    assert stored_files(media) == []


def test_the_workspace_adds_a_report_and_the_version_cites_it(clients, state_a, state_a_official, media):
    matrix = draft(state_a, state_a_official)
    revision = matrix.revision
    response = clients["official_a"].post(
        reverse("matrices:upload_document", args=[matrix.pk]),
        {
            "document": SimpleUploadedFile("r.pdf", PDF),
            "report_date": "2023-05-02",
            "title": "Second report",
            "language": "es",
            "kind": "additional",
        },
    )
    assert response.status_code == 302
    report = NationalReport.objects.get()
    assert (report.title, report.language, report.kind, report.state) == ("Second report", "es", "additional", state_a)
    matrix.refresh_from_db()
    assert matrix.report == report and matrix.report_date == datetime.date(2023, 5, 2)
    assert matrix.revision == revision + 1
    page = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert "Second report" in page and reverse("matrices:download_report", args=[report.pk]) in page
    assert reverse("matrices:cite_report", args=[matrix.pk]) in page  # the choice among the State's reports


def test_a_bad_file_in_the_workspace_is_refused_next_to_the_field(clients, state_a, state_a_official, media):
    matrix = draft(state_a, state_a_official)
    response = clients["official_a"].post(
        reverse("matrices:upload_document", args=[matrix.pk]),
        {"document": SimpleUploadedFile("r.pdf", b"not a pdf"), "report_date": "2023-05-02", "language": "en"},
    )
    assert response.status_code == 400
    assert "not a .pdf document" in response.content.decode().split('id="id_document-error">', 1)[1]
    assert NationalReport.objects.count() == 0 and stored_files(media) == []
    matrix.refresh_from_db()
    assert matrix.report is None


# --- Citing ------------------------------------------------------------------------------------------


def test_a_draft_cites_one_of_its_states_reports(clients, state_a, state_a_official):
    older = add(state_a, state_a_official, day=datetime.date(2006, 1, 5), title="First")
    newer = add(state_a, state_a_official, day=datetime.date(2020, 6, 30), title="Update")
    matrix = draft(state_a, state_a_official)
    page = clients["official_a"].get(reverse("matrices:workspace", args=[matrix.pk])).content.decode()
    assert "First" in page and "Update" in page
    cite = reverse("matrices:cite_report", args=[matrix.pk])
    assert clients["official_a"].post(cite, {"report": older.pk}).status_code == 302
    matrix.refresh_from_db()
    assert (matrix.report, matrix.report_date, matrix.document.name) == (older, older.report_date, older.document.name)
    assert clients["official_a"].post(cite, {"report": newer.pk}).status_code == 302
    matrix.refresh_from_db()
    assert matrix.report == newer
    events = AuditEvent.objects.filter(verb="matrix.cite_report", object_id=str(matrix.pk))
    assert [event.after["report"] for event in events.order_by("id")] == [older.pk, newer.pk]
    # The version's download serves the cited report.
    response = clients["official_a"].get(reverse("matrices:download_document", args=[matrix.pk]))
    assert b"".join(response.streaming_content) == PDF


def test_a_version_cites_only_a_report_of_its_own_state(clients, state_a, state_a_official, state_b, expert):
    kenyan = add(state_b, expert)
    matrix = draft(state_a, state_a_official)
    response = clients["official_a"].post(reverse("matrices:cite_report", args=[matrix.pk]), {"report": kenyan.pk})
    assert response.status_code == 400
    with pytest.raises(InvalidInput):
        reports.cite(matrix, kenyan, acting_user=state_a_official)
    matrix.refresh_from_db()
    assert matrix.report is None and not AuditEvent.objects.filter(verb="matrix.cite_report").exists()


@pytest.mark.parametrize(("who", "expected"), [("official_b", 404), ("expert", 403), ("provider", 403)])
def test_others_cannot_change_which_report_a_draft_cites(clients, who, expected, state_a, state_a_official):
    report = add(state_a, state_a_official)
    matrix = draft(state_a, state_a_official)
    response = clients[who].post(reverse("matrices:cite_report", args=[matrix.pk]), {"report": report.pk})
    assert response.status_code == expected
    matrix.refresh_from_db()
    assert matrix.report is None


def test_a_submitted_version_keeps_its_report(clients, state_a, state_a_official):
    report = add(state_a, state_a_official)
    matrix = submitted(state_a, state_a_official)
    response = clients["official_a"].post(reverse("matrices:cite_report", args=[matrix.pk]), {"report": report.pk})
    assert response.status_code == 409
    with pytest.raises(InvalidTransition):
        reports.cite(matrix, report, acting_user=state_a_official)
    matrix.refresh_from_db()
    assert matrix.report is None


# --- Who sees which reports ----------------------------------------------------------------------------


def test_the_public_sees_a_states_reports_once_a_matrix_is_published(
    clients, api_client, token_client, state_a, state_a_official, state_b_official, expert, provider_chemical
):
    report = add(state_a, state_a_official)
    matrix = draft(state_a, state_a_official, cells=[CELL])
    reports.cite(matrix, report, acting_user=state_a_official)
    download = reverse("matrices:download_report", args=[report.pk])

    # Only a draft: the State's officials and the experts see the report; nobody else learns it exists.
    for who in ("anonymous", "official_b", "provider"):
        assert clients[who].get(download).status_code == 404
    for who in ("official_a", "expert"):
        response = clients[who].get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Cache-Control"] == "private, no-store"
    assert api_reports(api_client) == []
    for user in (state_b_official, provider_chemical):
        assert api_reports(token_client(user)) == []
    for user in (state_a_official, expert):
        [seen] = api_reports(token_client(user))
        assert seen["id"] == report.pk and seen["matrices"] == [matrix.pk]

    # Published: everyone sees it, with the published versions citing it (never a draft's id).
    published_matrix = published(state_a, state_a_official, expert, code="CWC", cells=[])
    Matrix.objects.filter(pk=published_matrix.pk).update(report=report)
    later = draft(state_a, state_a_official, code="NPT")
    reports.cite(later, report, acting_user=state_a_official)
    response = clients["anonymous"].get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "public, max-age=300"
    assert "attachment" in response["Content-Disposition"] and response["Content-Type"] == "application/pdf"
    [seen] = api_reports(api_client)
    assert seen == {
        "id": report.pk,
        "kind": "first",
        "title": "First national report of Jamaica",
        "report_date": "2024-03-01",
        "language": "en",
        "document": f"http://testserver{download}",
        "matrices": [published_matrix.pk],
    }
    assert sorted(api_reports(token_client(state_a_official))[0]["matrices"]) == sorted(
        [matrix.pk, published_matrix.pk, later.pk]
    )


def test_an_unknown_state_is_404_and_a_lower_case_code_is_fine(api_client, state_a, state_a_official, expert):
    assert api_client.get("/api/v1/states/XXX/reports/").status_code == 404
    assert api_client.get("/api/v1/states/jam/reports/").status_code == 200
    assert api_client.get("/api/v1/states/JAM/reports/?page=2").status_code == 400  # no paging, no parameters


def test_a_missing_report_is_404(clients):
    assert clients["expert"].get(reverse("matrices:download_report", args=[999])).status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_the_reports_endpoint_runs_a_constant_number_of_queries(
    count, api_client, state_a, state_a_official, expert, django_assert_num_queries
):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    for i in range(count):
        report = add(state_a, state_a_official, day=datetime.date(2000 + i, 1, 1))
        Matrix.objects.filter(pk=matrix.pk).update(report=report)
        if i < 3:
            version = draft(state_a, state_a_official, code=("CWC", "NPT", "BWC")[i])
            reports.cite(version, report, acting_user=state_a_official)
    # The State, the reports, and the versions citing them.
    with django_assert_num_queries(3):
        found = api_reports(api_client)
    assert len(found) == count
    assert [item["report_date"] for item in found] == sorted((item["report_date"] for item in found), reverse=True)


def test_the_matrix_payload_names_its_report(api_client, token_client, state_a, state_a_official, expert):
    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    assert api_client.get(f"/api/v1/matrices/{matrix.pk}/").json()["report"] is None
    report = add(state_a, state_a_official)
    later = draft(state_a, state_a_official)
    reports.cite(later, report, acting_user=state_a_official)
    assert token_client(state_a_official).get(f"/api/v1/matrices/{later.pk}/").json()["report"] == report.pk


def test_the_state_page_section_lists_the_reports_a_visitor_may_see(clients, state_a, state_a_official, expert):
    report = add(state_a, state_a_official, title="Report of 2024")
    state_page = reverse("states:detail", args=["JAM"])
    assert clients["anonymous"].get(state_page).context["national_reports"] == []
    assert [r.pk for r in clients["official_a"].get(state_page).context["national_reports"]] == [report.pk]

    matrix = published(state_a, state_a_official, expert, cells=[CELL])
    Matrix.objects.filter(pk=matrix.pk).update(report=report)
    found = clients["anonymous"].get(state_page).context["national_reports"]
    assert [r.pk for r in found] == [report.pk] and [m.pk for m in found[0].cited_by] == [matrix.pk]

    request = RequestFactory().get(state_page)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string("matrices/_national_reports.html", reports.state_page_section(request, state_a))
    assert "Report of 2024" in html and reverse("matrices:download_report", args=[report.pk]) in html
    assert matrix.get_absolute_url() in html and "first report" in html
    empty = render_to_string("matrices/_national_reports.html", {"national_reports": []})
    assert "No national report of this State is listed yet." in empty


# --- The data migration ----------------------------------------------------------------------------------


def test_the_migration_turns_each_attached_document_into_a_report_of_its_state(
    state_a, state_a_official, state_b, state_b_official, media
):
    migration = importlib.import_module("matrices.migrations.0006_national_reports")
    storage = Matrix._meta.get_field("document").storage
    old = storage.save("reports/2019/JAM-1540-v1.pdf", ContentFile(PDF))
    new = storage.save("reports/2024/JAM-cwc-v1.pdf", ContentFile(PDF))
    kenyan = storage.save("reports/2024/KEN-1540-v1.pdf", ContentFile(PDF))
    jam_1540 = draft(state_a, state_a_official)
    jam_cwc = draft(state_a, state_a_official, code="CWC")
    jam_npt = draft(state_a, state_a_official, code="NPT")  # the same file as the 1540 version
    ken = draft(state_b, state_b_official)
    plain = draft(state_a, state_a_official, code="BWC")  # no document: no report
    for matrix, name, day in [
        (jam_cwc, new, datetime.date(2024, 1, 2)),
        (jam_1540, old, datetime.date(2019, 5, 6)),
        (jam_npt, old, datetime.date(2019, 5, 6)),
        (ken, kenyan, None),
    ]:
        Matrix.objects.filter(pk=matrix.pk).update(document=name, report_date=day)

    migration.reports_from_matrix_documents(django_apps, None)

    jamaica = list(NationalReport.objects.filter(state=state_a).order_by("report_date"))
    assert [(r.kind, r.report_date, r.document.name) for r in jamaica] == [
        ("first", datetime.date(2019, 5, 6), old),
        ("additional", datetime.date(2024, 1, 2), new),
    ]
    [kenya] = NationalReport.objects.filter(state=state_b)
    assert kenya.kind == "first" and kenya.document.name == kenyan
    assert kenya.report_date == ken.created_at.date()  # undated: the day the version was started
    cited = dict(Matrix.objects.values_list("pk", "report_id"))
    assert cited[jam_1540.pk] == cited[jam_npt.pk] == jamaica[0].pk
    assert cited[jam_cwc.pk] == jamaica[1].pk and cited[ken.pk] == kenya.pk and cited[plain.pk] is None
    with jamaica[0].document.open("rb") as handle:
        assert handle.read() == PDF  # the same stored file, not a copy
    # Running it again changes nothing.
    migration.reports_from_matrix_documents(django_apps, None)
    assert NationalReport.objects.count() == 3
