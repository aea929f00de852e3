"""The State officials' action plan pages: who may open and do what, the forms and their validation,
items drafted from the gap list, asking for assistance from an item, the plan document, sharing,
taking back and publishing with consent, published versions that never change, and constant query
counts."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance import services as assistance_services
from assistance.models import AssistanceRequest, RoutingJob
from assistance.tests.helpers import template
from matrices.tests.helpers import draft as matrix_draft
from plans import services
from plans.models import Plan, PlanComment, PlanItem
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db

CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
CELL_2 = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "enforcement"}
PDF = b"%PDF-1.4\n% a plan\n"


@pytest.fixture
def page_clients(state_a_official, state_b_official, expert, provider_chemical, admin_user):
    """A logged-in browser session per persona, and an anonymous one."""
    return {
        "anonymous": logged_in(None),
        "official_a": logged_in(state_a_official),
        "official_b": logged_in(state_b_official),
        "expert": logged_in(expert),
        "opcw": logged_in(provider_chemical),
        "admin": logged_in(admin_user),
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def matrix_a(state_a, state_a_official):
    """A 1540 draft of State A: every cell blank, so every cell is a gap."""
    return matrix_draft(state_a, state_a_official)


def new_plan(state, official, **fields):
    return services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)


def add(plan, official, measure="Adopt the Chemical Weapons Act", **fields):
    return services.add_item(plan, {"measure": measure, **fields}, acting_user=official)


@pytest.fixture
def plan_a(state_a, state_a_official):
    """A draft of State A with one item."""
    plan = new_plan(state_a, state_a_official, title="National action plan 2026-2028")
    add(plan, state_a_official, cells=[CELL], lead_agency="Ministry of Justice", target_date="2027-06-30")
    return plan


def shared(plan, official):
    return services.submit(plan, acting_user=official)


def published(plan, official):
    return services.consent(shared(plan, official), acting_user=official)


def gap_value(matrix, cell=CELL):
    return f"{matrix.pk}|{cell['row']}|{cell['column']}|{cell['aspect']}"


def pdf(name="plan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def state_of_plans():
    """Everything a refused call must leave as it was."""
    return (
        list(Plan.objects.order_by("pk").values_list("pk", "status", "title", "summary", "document", "published_at")),
        list(PlanItem.objects.order_by("pk").values_list("pk", "measure", "status", "cells", "request_id")),
        PlanComment.objects.count(),
        AssistanceRequest.objects.count(),
        AuditEvent.objects.count(),
    )


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def expect(response, who, expected):
    if who == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, response.content[:500]


# ---------------------------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_a", 200), ("official_b", 200), ("expert", 403), ("opcw", 403), ("admin", 403)],
)
@pytest.mark.parametrize("name", ["mine", "new"])
def test_our_action_plan_is_for_state_officials(page_clients, state_a, state_b, state_b_official, name, who, expected):
    # State B's published plan (State A has none: the new version form opens for its officials).
    plan_b = new_plan(state_b, state_b_official, title="Kenya plan")
    add(plan_b, state_b_official)
    published(plan_b, state_b_official)
    response = page_clients[who].get(reverse(f"plans:{name}"))
    expect(response, who, expected)
    if who == "official_a":  # its own State's (empty) list, never State B's versions
        assert b"Kenya plan" not in response.content


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_a", 200), ("official_b", 404), ("expert", 200), ("opcw", 403), ("admin", 200)],
)
def test_the_editor_opens_for_the_states_officials_and_read_only_for_experts(page_clients, plan_a, who, expected):
    response = page_clients[who].get(reverse("plans:edit", args=[plan_a.pk]))
    expect(response, who, expected)
    html = response.content.decode()
    if expected == 200:
        assert "Adopt the Chemical Weapons Act" in html
    else:
        assert "Adopt the Chemical Weapons Act" not in html
    editable = f'action="{reverse("plans:add_item", args=[plan_a.pk])}"'
    if who == "official_a":
        assert 'name="summary"' in html and reverse("plans:add_item", args=[plan_a.pk]) in html
    elif expected == 200:  # read-only: no form, no button that changes anything
        assert 'name="summary"' not in html and editable not in html
        assert reverse("plans:add_item", args=[plan_a.pk]) not in html
        assert reverse("plans:submit", args=[plan_a.pk]) not in html


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_a", 200), ("official_b", 404), ("expert", 403), ("opcw", 403), ("admin", 403)],
)
@pytest.mark.parametrize("name", ["add_item", "edit_item", "delete_item"])
def test_the_item_pages_are_for_the_states_officials(page_clients, plan_a, matrix_a, name, who, expected):
    item = plan_a.items.get()
    args = [plan_a.pk] if name == "add_item" else [plan_a.pk, item.pk]
    response = page_clients[who].get(reverse(f"plans:{name}", args=args))
    expect(response, who, expected)


def test_another_states_official_may_not_open_a_published_version_in_the_editor(page_clients, plan_a, state_a_official):
    published(plan_a, state_a_official)
    response = page_clients["official_b"].get(reverse("plans:edit", args=[plan_a.pk]))
    assert response.status_code == 403
    assert page_clients["official_b"].get(reverse("plans:add_item", args=[plan_a.pk])).status_code == 403


def test_an_unknown_version_or_item_is_not_found(page_clients, plan_a):
    client = page_clients["official_a"]
    assert client.get(reverse("plans:edit", args=[999999])).status_code == 404
    assert client.get(reverse("plans:edit_item", args=[plan_a.pk, 999999])).status_code == 404


def test_an_item_of_another_version_is_not_found_under_this_one(page_clients, plan_a, state_a_official):
    item = plan_a.items.get()
    published(plan_a, state_a_official)
    second = new_plan(plan_a.state, state_a_official)
    response = page_clients["official_a"].get(reverse("plans:edit_item", args=[second.pk, item.pk]))
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Denied actions change nothing


def _posts(plan, item):
    """Every action of the pages, with a valid body."""
    return [
        (reverse("plans:new"), {"summary": "Another plan"}),
        (reverse("plans:edit", args=[plan.pk]), {"summary": "Changed", "language": "en"}),
        (reverse("plans:add_item", args=[plan.pk]), {"measure": "Train customs", "status": "planned"}),
        (reverse("plans:edit_item", args=[plan.pk, item.pk]), {"measure": "Changed", "status": "done"}),
        (reverse("plans:delete_item", args=[plan.pk, item.pk]), {}),
        (reverse("plans:start_request", args=[plan.pk, item.pk]), {}),
        (reverse("plans:attach_document", args=[plan.pk]), {"document": pdf()}),
        (reverse("plans:submit", args=[plan.pk]), {}),
        (reverse("plans:reopen", args=[plan.pk]), {}),
        (reverse("plans:publish", args=[plan.pk]), {}),
    ]


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_b", 404), ("expert", 403), ("opcw", 403), ("admin", 403)],
)
def test_denied_posts_change_nothing(page_clients, plan_a, matrix_a, who, expected):
    item = plan_a.items.get()
    before = state_of_plans()
    for url, data in _posts(plan_a, item):
        if url == reverse("plans:new") and who == "official_b":
            continue  # official B may start its own State's plan: that is not State A's
        response = page_clients[who].post(url, data)
        if who == "anonymous":
            assert_login_redirect(response)
        else:
            assert response.status_code == expected, (url, response.status_code)
        assert state_of_plans() == before, url


def test_an_expert_may_not_start_a_plan_for_a_state(page_clients, state_a):
    assert page_clients["expert"].post(reverse("plans:new"), {"summary": "x"}).status_code == 403
    assert not Plan.objects.exists()


# ---------------------------------------------------------------------------------------------
# Starting a version


def test_an_official_starts_a_version_and_lands_in_its_editor(page_clients, state_a):
    response = page_clients["official_a"].post(
        reverse("plans:new"),
        {"title": "Plan 2026", "summary": "Close the gaps.\r\nAll of them.", "period_start": "2026-01-01",
         "period_end": "2028-12-31", "language": "fr"},
    )  # fmt: skip
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plans:edit", args=[plan.pk])
    assert (plan.state, plan.version, plan.status, plan.summary, plan.language) == (
        state_a,
        1,
        "draft",
        "Close the gaps.\nAll of them.",
        "fr",
    )
    assert str(plan.period_end) == "2028-12-31"


def test_bad_plan_fields_come_back_next_to_the_fields_and_nothing_is_kept(page_clients):
    response = page_clients["official_a"].post(
        reverse("plans:new"), {"summary": " ", "period_start": "2027-01-01", "period_end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "required" in text_of(response, "id_summary-error").lower() or text_of(response, "id_summary-error")
    assert "cannot end before it starts" in text_of(response, "id_period_end-error")
    assert 'aria-invalid="true"' in response.content.decode()
    bad_date = page_clients["official_a"].post(reverse("plans:new"), {"summary": "ok", "period_start": "soon"})
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in text_of(bad_date, "id_period_start-error")
    assert not Plan.objects.exists()


def test_a_new_version_is_copied_from_the_latest_published_one(page_clients, plan_a, state_a_official):
    published(plan_a, state_a_official)
    form = page_clients["official_a"].get(reverse("plans:new"))
    assert form.status_code == 200 and "Close the chemical gaps by 2028." in form.content.decode()
    response = page_clients["official_a"].post(reverse("plans:new"), {"summary": "Version two", "language": "en"})
    second = Plan.objects.get(version=2)
    assert response["Location"] == reverse("plans:edit", args=[second.pk])
    assert second.based_on == plan_a and list(second.items.values_list("measure", flat=True)) == [
        "Adopt the Chemical Weapons Act"
    ]


def test_only_one_version_is_open_at_a_time(page_clients, plan_a):
    # The form sends the official to the open version; a POST all the same is refused (409).
    response = page_clients["official_a"].get(reverse("plans:new"))
    assert response.status_code == 302 and response["Location"] == reverse("plans:edit", args=[plan_a.pk])
    before = state_of_plans()
    refused = page_clients["official_a"].post(reverse("plans:new"), {"summary": "Another"})
    assert refused.status_code == 409 and "still" in refused.content.decode()
    assert state_of_plans() == before


# ---------------------------------------------------------------------------------------------
# The list of versions


def test_our_action_plan_lists_the_versions_with_their_progress(page_clients, state_a, state_a_official):
    first = new_plan(state_a, state_a_official, period_start="2024-01-01", period_end="2025-12-31")
    add(first, state_a_official, "Done already", status="done")
    add(first, state_a_official, "Late", target_date="2020-01-01")
    add(first, state_a_official, "Needs help", assistance_needed=True)
    published(first, state_a_official)
    second = new_plan(state_a, state_a_official)
    response = page_clients["official_a"].get(reverse("plans:mine"))
    assert response.status_code == 200
    row = text_of(response, "version-1")
    assert "published" in row and "1 / 3 done" in row
    assert "1 overdue" in row and "1 waiting for assistance" in row
    assert "draft" in text_of(response, "version-2")
    assert reverse("plans:edit", args=[second.pk]) in response.content.decode()
    assert "Continue version 2" in text_of(response, "plan-actions")
    assert "Start a new version" not in text_of(response, "plan-actions")


def test_our_action_plan_offers_to_start_when_there_is_none(page_clients):
    response = page_clients["official_a"].get(reverse("plans:mine"))
    assert "Start a new version" in text_of(response, "plan-actions")
    assert text_of(response, "no-versions")


# ---------------------------------------------------------------------------------------------
# The editor: plan fields and items


def test_the_official_saves_the_plan_fields(page_clients, plan_a):
    response = page_clients["official_a"].post(
        reverse("plans:edit", args=[plan_a.pk]), {"title": "New title", "summary": "New summary", "language": "es"}
    )
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert (plan_a.title, plan_a.summary, plan_a.language) == ("New title", "New summary", "es")


def test_bad_plan_fields_in_the_editor_keep_nothing(page_clients, plan_a):
    before = state_of_plans()
    response = page_clients["official_a"].post(
        reverse("plans:edit", args=[plan_a.pk]), {"summary": "", "language": "xx"}
    )
    assert response.status_code == 400
    assert text_of(response, "id_summary-error") and "Unknown language" in text_of(response, "id_language-error")
    assert "Adopt the Chemical Weapons Act" in response.content.decode()  # the editor, with its items
    assert state_of_plans() == before


def test_the_item_form_offers_the_states_gaps(page_clients, plan_a, matrix_a):
    response = page_clients["official_a"].get(reverse("plans:add_item", args=[plan_a.pk]))
    html = response.content.decode()
    assert f'value="{gap_value(matrix_a)}"' in html and f'value="{gap_value(matrix_a, CELL_2)}"' in html
    assert "OP2.MANUFACTURE CW framework" in html  # each checkbox named for screen readers


def test_an_item_drafted_from_two_gaps_keeps_their_cells_without_the_matrix(page_clients, plan_a, matrix_a):
    response = page_clients["official_a"].post(
        reverse("plans:add_item", args=[plan_a.pk]),
        {"measure": "Criminalise CW manufacture", "lead_agency": "Ministry of Justice", "target_date": "2027-01-31",
         "status": "under_way", "assistance_needed": "on", "cells": [gap_value(matrix_a), gap_value(matrix_a, CELL_2)]},
    )  # fmt: skip
    item = plan_a.items.get(measure="Criminalise CW manufacture")
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert item.cells == [CELL, CELL_2]
    assert (item.status, item.assistance_needed, str(item.target_date)) == ("under_way", True, "2027-01-31")
    # Editing it again shows its two cells ticked.
    form = page_clients["official_a"].get(reverse("plans:edit_item", args=[plan_a.pk, item.pk])).content.decode()
    for cell in (CELL, CELL_2):
        tag = re.search(rf'<input[^>]*value="{re.escape(gap_value(matrix_a, cell))}"[^>]*>', form).group(0)
        assert " checked" in tag


def test_an_items_cell_that_is_no_longer_a_gap_stays_on_the_form(page_clients, plan_a):
    # No matrix at all: the item's cell is not a gap, and is offered apart, ticked.
    item = plan_a.items.get()
    html = page_clients["official_a"].get(reverse("plans:edit_item", args=[plan_a.pk, item.pk])).content.decode()
    tag = re.search(r'<input[^>]*value="0\|OP2.MANUFACTURE\|CW\|framework"[^>]*>', html).group(0)
    assert " checked" in tag and "Other cells" in html
    response = page_clients["official_a"].post(
        reverse("plans:edit_item", args=[plan_a.pk, item.pk]),
        {"measure": "Adopt the act", "status": "planned", "cells": ["0|OP2.MANUFACTURE|CW|framework"]},
    )
    item.refresh_from_db()
    assert response.status_code == 302 and item.cells == [CELL] and item.measure == "Adopt the act"


def test_the_gap_lists_shortcut_opens_the_item_form_of_the_draft_with_the_cells_ticked(page_clients, plan_a, matrix_a):
    client = page_clients["official_a"]
    values = [gap_value(matrix_a), gap_value(matrix_a, CELL_2)]
    response = client.get(reverse("plans:add_item_from_gaps"), {"cells": values})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("plans:add_item", args=[plan_a.pk]) + "?cells=")
    form = client.get(response["Location"])
    assert "2 cells from your gap list are ticked" in text_of(form, "prefilled")
    for value in values:
        tag = re.search(rf'<input[^>]*value="{re.escape(value)}"[^>]*>', form.content.decode()).group(0)
        assert " checked" in tag
    for who, expected in [("expert", 403), ("opcw", 403), ("anonymous", 302)]:
        expect(page_clients[who].get(reverse("plans:add_item_from_gaps"), {"cells": values}), who, expected)


def test_the_gap_lists_shortcut_needs_a_draft(page_clients, plan_a, state_a_official):
    assert page_clients["official_b"].get(reverse("plans:add_item_from_gaps")).status_code == 409
    shared(plan_a, state_a_official)
    response = page_clients["official_a"].get(reverse("plans:add_item_from_gaps"))
    assert response.status_code == 409 and "take it back to draft" in response.content.decode()


def test_a_bad_item_comes_back_next_to_its_fields_and_nothing_is_kept(page_clients, plan_a, matrix_a):
    before = state_of_plans()
    response = page_clients["official_a"].post(
        reverse("plans:add_item", args=[plan_a.pk]),
        {"measure": "", "target_date": "next year", "status": "someday", "cells": ["1|NOPE|CW|framework"]},
    )
    assert response.status_code == 400
    assert text_of(response, "id_measure-error")
    assert "YYYY-MM-DD" in text_of(response, "id_target_date-error")
    assert text_of(response, "id_status-error")
    assert "No matrix has the cell" in text_of(response, "id_cells-error")
    garbled = page_clients["official_a"].post(
        reverse("plans:add_item", args=[plan_a.pk]), {"measure": "x", "cells": ["garbage"]}
    )
    assert garbled.status_code == 400 and "Not a matrix cell" in text_of(garbled, "id_cells-error")
    assert state_of_plans() == before


def test_an_item_is_edited_and_deleted(page_clients, plan_a):
    item = plan_a.items.get()
    client = page_clients["official_a"]
    response = client.post(
        reverse("plans:edit_item", args=[plan_a.pk, item.pk]),
        {"measure": "Adopt the act", "status": "done", "lead_agency": "Parliament"},
    )
    item.refresh_from_db()
    assert response.status_code == 302 and (item.status, item.lead_agency, item.cells) == ("done", "Parliament", [])
    confirm = client.get(reverse("plans:delete_item", args=[plan_a.pk, item.pk]))
    assert confirm.status_code == 200 and "Adopt the act" in text_of(confirm, "main")
    assert client.post(reverse("plans:delete_item", args=[plan_a.pk, item.pk])).status_code == 302
    assert not plan_a.items.exists()


def test_the_editor_shows_each_item_with_its_cells_dates_and_comments(page_clients, plan_a, state_a_official, expert):
    late = add(plan_a, state_a_official, "Set up the licensing office", target_date="2020-03-01",
               lead_agency="Trade Board", cells=[CELL_2])  # fmt: skip
    shared(plan_a, state_a_official)
    services.comment(plan_a, body="Name the penalties.", item=late, acting_user=expert)
    services.comment(plan_a, body="A clear plan overall.", acting_user=expert)
    response = page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk]))
    card = text_of(response, f"item-{late.pk}")
    assert "overdue" in card and "Trade Board" in card and "1 Mar 2020" in card
    assert "OP2.MANUFACTURE" in card and "enforcement" in card.lower()
    assert "Name the penalties." in card
    assert "A clear plan overall." in text_of(response, "plan-comments")
    assert "1 overdue" in text_of(response, "main")


# ---------------------------------------------------------------------------------------------
# Asking for assistance from an item


def test_asking_for_assistance_starts_a_linked_draft_request(page_clients, plan_a, matrix_a, state_a_official):
    item = plan_a.items.get()
    response = page_clients["official_a"].post(reverse("plans:start_request", args=[plan_a.pk, item.pk]))
    request = AssistanceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assistance:edit_request", args=[request.pk])
    item.refresh_from_db()
    assert item.request == request and item.assistance_needed
    assert list(request.plan_items.all()) == [item]
    assert request.status == "draft" and request.title == "Adopt the Chemical Weapons Act"
    # The draft opens on the assistance template, and the item shows it.
    assert page_clients["official_a"].get(response["Location"]).status_code == 200
    editor = page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk]))
    card = text_of(editor, f"item-{item.pk}")
    assert f"Request #{request.pk}" in card and "draft" in card
    assert reverse("assistance:request_detail", args=[request.pk]) in editor.content.decode()
    # Asked twice: the same request.
    page_clients["official_a"].post(reverse("plans:start_request", args=[plan_a.pk, item.pk]))
    assert AssistanceRequest.objects.count() == 1


def test_the_item_shows_when_its_assistance_was_delivered(
    page_clients, plan_a, matrix_a, state_a_official, provider_chemical
):
    item = plan_a.items.get()
    request = services.start_request(item, acting_user=state_a_official)
    request = assistance_services.update(request, template(preferred_providers=["opcw"]), acting_user=state_a_official)
    assistance_services.submit(request, acting_user=state_a_official)
    for job in RoutingJob.objects.filter(request=request, status=RoutingJob.Status.PENDING):
        assistance_services.route(job.pk)
    request.refresh_from_db()
    assistance_services.claim(request, acting_user=provider_chemical)
    assistance_services.report_progress(request, note="Workshop held", acting_user=provider_chemical)
    request = assistance_services.deliver(request, summary="Bill reviewed", acting_user=provider_chemical)
    response = page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk]))
    card = text_of(response, f"item-{item.pk}")
    assert "delivered" in card and f"delivered on {request.delivered_at:%-d %b %Y}" in card
    assert "Waiting for assistance" not in card
    expert_view = page_clients["expert"].get(reverse("plans:edit", args=[plan_a.pk])).content.decode()
    assert reverse("assistance:expert_request", args=[request.pk]) in expert_view


# ---------------------------------------------------------------------------------------------
# The plan document


def test_the_official_uploads_the_plan_and_those_who_may_see_it_download_it(page_clients, plan_a, state_a_official):
    response = page_clients["official_a"].post(
        reverse("plans:attach_document", args=[plan_a.pk]), {"document": pdf("Plan national.pdf")}
    )
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.document_name == "Plan national.pdf" and plan_a.document.name.endswith("JAM-plan-v1.pdf")
    url = reverse("plans:document", args=[plan_a.pk])
    assert url in page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk])).content.decode()
    for who in ("official_a", "expert", "admin"):
        download = page_clients[who].get(url)
        assert download.status_code == 200, who
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert "Plan national.pdf" in download["Content-Disposition"]
        assert download["Cache-Control"] == "private, no-store"
    for who in ("anonymous", "official_b", "opcw"):
        assert page_clients[who].get(url).status_code == 404, who
    published(plan_a, state_a_official)
    for who in ("anonymous", "official_b", "opcw"):
        assert page_clients[who].get(url).status_code == 200, who


def test_the_document_is_never_served_from_a_public_media_url(page_clients, plan_a, state_a_official):
    services.attach_document(plan_a, document=pdf(), acting_user=state_a_official)
    plan_a.refresh_from_db()
    html = page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk])).content.decode()
    assert plan_a.document.name not in html and "/media/" not in html


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("plan.txt", b"hello", content_type="text/plain"), "Upload the plan as a PDF"),
        (SimpleUploadedFile("plan.pdf", b"not a pdf at all", content_type="application/pdf"), "not a .pdf document"),
        (SimpleUploadedFile("plan.docx", b"", content_type="application/octet-stream"), ""),
        (None, "Choose the file to upload."),
    ],
)
def test_a_bad_document_is_refused_next_to_the_field(page_clients, plan_a, upload, message):
    before = state_of_plans()
    data = {"document": upload} if upload is not None else {}
    response = page_clients["official_a"].post(reverse("plans:attach_document", args=[plan_a.pk]), data)
    assert response.status_code == 400
    assert message in text_of(response, "id_document-error") and text_of(response, "id_document-error")
    assert state_of_plans() == before


def test_no_document_is_a_404(page_clients, plan_a):
    assert page_clients["official_a"].get(reverse("plans:document", args=[plan_a.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Sharing, taking back, publishing with consent


def test_sharing_a_plan_with_nothing_in_it_is_explained(page_clients, state_a, state_a_official):
    plan = new_plan(state_a, state_a_official)
    before = state_of_plans()
    response = page_clients["official_a"].post(reverse("plans:submit", args=[plan.pk]))
    assert response.status_code == 400
    assert "Add at least one item" in text_of(response, "submit-error")
    assert state_of_plans() == before


def test_share_take_back_and_publish_with_consent(page_clients, plan_a):
    client = page_clients["official_a"]
    assert client.post(reverse("plans:submit", args=[plan_a.pk])).status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == "submitted" and plan_a.submitted_at
    assert client.post(reverse("plans:reopen", args=[plan_a.pk])).status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == "draft"
    client.post(reverse("plans:submit", args=[plan_a.pk]))
    # The confirmation says what the public will see; GET changes nothing.
    confirm = client.get(reverse("plans:publish", args=[plan_a.pk]))
    assert confirm.status_code == 200
    assert "consents to everyone reading this version" in text_of(confirm, "confirm-effect")
    summary = text_of(confirm, "confirm-summary")
    assert "Adopt the Chemical Weapons Act" in summary and "Ministry of Justice" in summary
    assert "Close the chemical gaps by 2028." in summary
    assert f"/states/{plan_a.state.iso3}/plan/v1/" in text_of(confirm, "main")
    plan_a.refresh_from_db()
    assert plan_a.status == "submitted"
    response = client.post(reverse("plans:publish", args=[plan_a.pk]))
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == "published" and plan_a.consent_given_by.username == "official-a"


def test_the_publish_confirmation_refuses_a_draft_with_its_reason(page_clients, plan_a):
    response = page_clients["official_a"].get(reverse("plans:publish", args=[plan_a.pk]))
    assert response.status_code == 409
    assert "Only a version shared with the Committee can be published" in text_of(response, "confirm-refusal")
    assert reverse("plans:publish", args=[plan_a.pk]) not in re.findall(r'action="([^"]+)"', response.content.decode())
    assert page_clients["official_a"].post(reverse("plans:publish", args=[plan_a.pk])).status_code == 409
    plan_a.refresh_from_db()
    assert plan_a.status == "draft"


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_b", 404), ("expert", 403), ("opcw", 403), ("admin", 403)],
)
def test_the_publish_confirmation_is_for_the_states_officials(page_clients, plan_a, state_a_official, who, expected):
    shared(plan_a, state_a_official)
    expect(page_clients[who].get(reverse("plans:publish", args=[plan_a.pk])), who, expected)


def test_a_published_version_never_changes(page_clients, plan_a, matrix_a, state_a_official):
    published(plan_a, state_a_official)
    item = plan_a.items.get()
    client = page_clients["official_a"]
    editor = client.get(reverse("plans:edit", args=[plan_a.pk]))
    assert editor.status_code == 200 and 'name="summary"' not in editor.content.decode()
    assert "does not change" in text_of(editor, "plan-where")
    before = state_of_plans()
    for url, data in _posts(plan_a, item):
        if url == reverse("plans:new"):
            continue
        response = client.post(url, data)
        assert response.status_code == 409, (url, response.status_code)
        assert state_of_plans() == before, url
    for name, args in [("add_item", [plan_a.pk]), ("edit_item", [plan_a.pk, item.pk]),
                       ("delete_item", [plan_a.pk, item.pk])]:  # fmt: skip
        assert client.get(reverse(f"plans:{name}", args=args)).status_code == 409


def test_a_shared_version_is_not_edited_until_taken_back(page_clients, plan_a, state_a_official):
    shared(plan_a, state_a_official)
    item = plan_a.items.get()
    before = state_of_plans()
    response = page_clients["official_a"].post(
        reverse("plans:edit_item", args=[plan_a.pk, item.pk]), {"measure": "x", "status": "done"}
    )
    assert response.status_code == 409 and state_of_plans() == before
    html = page_clients["official_a"].get(reverse("plans:edit", args=[plan_a.pk])).content.decode()
    assert "Take back to draft" in html and reverse("plans:publish", args=[plan_a.pk]) in html


# ---------------------------------------------------------------------------------------------
# Queries: constant whatever the number of versions, items, cells, comments and requests


@pytest.fixture(params=["small", "large"])
def sized_plans(request, state_a, state_a_official, expert, matrix_a):
    """One published version and an open one, with one item each, or three versions with many
    items, cells, comments and requests."""
    large = request.param == "large"
    count = 6 if large else 1
    plan = None
    for version in range(3 if large else 2):
        plan = new_plan(state_a, state_a_official)
        for n in range(count):
            item = add(plan, state_a_official, f"Measure {version}.{n}", cells=[CELL, CELL_2][: 1 + n % 2],
                       target_date="2020-01-01", assistance_needed=True)  # fmt: skip
            if n % 2:
                services.start_request(item, acting_user=state_a_official)
        shared(plan, state_a_official)
        for item in list(plan.items.all())[:count]:
            services.comment(plan, body="A comment", item=item, acting_user=expert)
        services.comment(plan, body="On the plan", acting_user=expert)
        if version < (2 if large else 1):
            services.consent(plan, acting_user=state_a_official)
    services.attach_document(services.reopen(plan, acting_user=state_a_official), document=pdf(),
                             acting_user=state_a_official)  # fmt: skip
    return plan


@pytest.mark.parametrize("page, queries", [("mine", 5), ("editor", 6), ("item_form", 8)])
def test_the_pages_run_a_constant_number_of_queries(
    page, queries, sized_plans, state_a_official, django_assert_num_queries
):
    client = logged_in(state_a_official)
    item = sized_plans.items.first()
    url = {
        "mine": reverse("plans:mine"),
        "editor": reverse("plans:edit", args=[sized_plans.pk]),
        "item_form": reverse("plans:edit_item", args=[sized_plans.pk, item.pk]),
    }[page]
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
