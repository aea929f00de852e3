"""The State official's assistance pages: who may open and do what, the template form and its validation,
pre-filling from the gap list, submission routed at commit, withdrawal, feedback, and constant query counts."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from assistance import services
from assistance.models import AssistanceRequest, Need, NeedCell, RoutingJob
from assistance.reasons import reason_texts
from assistance.tests.helpers import draft_request, routed_request, submit
from matrices.tests.helpers import draft
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "official_a", "official_b", "expert", "opcw", "iaea", "admin"]


@pytest.fixture
def matrix_a(state_a, state_a_official):
    """A 1540 draft of State A: every cell blank, so every cell is a gap."""
    return draft(state_a, state_a_official)


def snapshot(obj):
    """Everything a refused request must leave as it was."""
    obj.refresh_from_db()
    return (
        obj.status,
        obj.title,
        obj.submitted_at,
        obj.withdrawn_at,
        obj.closed_at,
        obj.feedback_rating,
        AssistanceRequest.objects.count(),
        Need.objects.count(),
        RoutingJob.objects.count(),
        AuditEvent.objects.count(),
    )


def form_data(**overrides):
    """The template as the browser posts it."""
    data = {
        "area": "LEGISLATION",
        "columns": ["CW"],
        "assistance_type": "legislative_drafting",
        "title": "Penal provisions for chemical weapons offences",
        "beneficiary_agencies": "Ministry of Justice\r\nCWC National Authority",
        "timeline": "2026 Q2",
        "language": "en",
        "contact_person": "Ms A. Example",
        "need-0-description": "Review of the draft Chemical Weapons Bill against CWC Art. VII",
        "need-1-description": "",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def cell(matrix, row="OP2.MANUFACTURE", column="CW", aspect="framework"):
    return f"{matrix.pk}|{row}|{column}|{aspect}"


def ticked(html, value, need=0):
    """Whether the checkbox of `value` under need `need` is ticked (None: no such checkbox)."""
    found = re.search(rf'<input[^>]*name="need-{need}-cells" value="{re.escape(value)}"[^>]*>', html)
    return found and " checked" in found.group(0)


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def delivered_request(state, official, provider_user):
    """A request claimed and delivered by `provider_user`'s organisation, through the services."""
    request = routed_request(state, official, preferred_providers=[provider_user.provider.slug])
    services.claim(request, acting_user=provider_user)
    services.report_progress(request, note="Workshop held in Kingston", acting_user=provider_user)
    return services.deliver(request, summary="Draft bill reviewed with the drafters", acting_user=provider_user)


# ---------------------------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_a", 200), ("official_b", 200), ("expert", 403), ("opcw", 403), ("iaea", 403),
     ("admin", 403)],
)  # fmt: skip
@pytest.mark.parametrize("name", ["my_requests", "new_request"])
def test_the_officials_pages_are_for_state_officials_only(page_clients, name, who, expected):
    response = page_clients[who].get(reverse(f"assistance:{name}"))
    if who == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_a", 200), ("official_b", 404), ("expert", 403), ("opcw", 403), ("iaea", 403),
     ("admin", 403)],
)  # fmt: skip
@pytest.mark.parametrize("name", ["request_detail", "edit_request", "withdraw_request"])
def test_a_states_unpublished_request_opens_for_its_officials_only(
    page_clients, state_a, state_a_official, name, who, expected
):
    obj = draft_request(state_a, state_a_official)
    response = page_clients[who].get(reverse(f"assistance:{name}", args=[obj.pk]))
    if who == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    if expected == 404:
        assert obj.title.encode() not in response.content


def test_another_states_official_is_sent_to_the_public_page_of_a_published_request(
    page_clients, state_a, state_a_official
):
    obj = submit(draft_request(state_a, state_a_official, consent_to_publish=True), state_a_official)
    response = page_clients["official_b"].get(reverse("assistance:request_detail", args=[obj.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("assistance:public_request", args=[obj.pk])
    assert page_clients["official_b"].get(reverse("assistance:edit_request", args=[obj.pk])).status_code == 403


def test_an_unknown_request_is_not_found(page_clients, state_a_official):
    assert page_clients["official_a"].get(reverse("assistance:request_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("official_b", 404), ("expert", 403), ("opcw", 403), ("iaea", 403), ("admin", 403)],
)
@pytest.mark.parametrize("name", ["submit_request", "withdraw_request", "feedback", "edit_request"])
def test_others_cannot_act_on_a_states_request_and_nothing_changes(
    page_clients, state_a, state_a_official, name, who, expected
):
    obj = draft_request(state_a, state_a_official, consent_to_publish=False)
    before = snapshot(obj)
    data = form_data(title="Changed", action="submit") if name == "edit_request" else {"rating": "5"}
    response = page_clients[who].post(reverse(f"assistance:{name}", args=[obj.pk]), data)
    if who == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    assert snapshot(obj) == before


@pytest.mark.parametrize("name", ["submit_request", "withdraw_request", "feedback"])
def test_another_states_official_cannot_act_on_a_published_request(page_clients, state_a, state_a_official, name):
    obj = submit(draft_request(state_a, state_a_official, consent_to_publish=True), state_a_official)
    before = snapshot(obj)
    response = page_clients["official_b"].post(reverse(f"assistance:{name}", args=[obj.pk]), {"rating": "5"})
    assert response.status_code == 403
    assert snapshot(obj) == before


@pytest.mark.parametrize("name", ["submit_request", "feedback"])
def test_state_changes_need_a_post(page_clients, state_a, state_a_official, name):
    obj = draft_request(state_a, state_a_official)
    before = snapshot(obj)
    assert page_clients["official_a"].get(reverse(f"assistance:{name}", args=[obj.pk])).status_code == 405
    assert snapshot(obj) == before


def test_forms_carry_a_csrf_token(state_a, state_a_official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(state_a_official)
    obj = draft_request(state_a, state_a_official)
    before = snapshot(obj)
    assert client.post(reverse("assistance:submit_request", args=[obj.pk])).status_code == 403
    assert snapshot(obj) == before
    assert b"csrfmiddlewaretoken" in client.get(reverse("assistance:request_detail", args=[obj.pk])).content


# ---------------------------------------------------------------------------------------------
# The dashboard


def test_the_dashboard_lists_the_states_requests_with_status_dates_provider_and_next_step(
    page_clients, state_a, state_b, state_a_official, state_b_official, provider_chemical
):
    draft_obj = draft_request(state_a, state_a_official, title="Draft on export controls")
    routed = routed_request(state_a, state_a_official, title="Routed legislative help")
    delivered = delivered_request(state_a, state_a_official, provider_chemical)
    other = draft_request(state_b, state_b_official, title="Kenya's own request")
    response = page_clients["official_a"].get(reverse("assistance:my_requests"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jamaica" in html
    for obj in (draft_obj, routed, delivered):
        assert reverse("assistance:request_detail", args=[obj.pk]) in html
    assert other.title not in html
    assert "Complete the template and submit it." in html
    assert reverse("assistance:edit_request", args=[draft_obj.pk]) in html
    assert "Waiting for one of the matched providers to claim it." in html
    assert "Give your feedback on the assistance delivered." in html
    assert provider_chemical.provider.name in html
    assert "3 providers matched" in html
    rows = response.context["requests"]
    assert [r.pk for r in rows] == [delivered.pk, routed.pk, draft_obj.pk]


def test_an_official_of_a_state_without_requests_is_invited_to_start_from_the_gaps(page_clients):
    response = page_clients["official_b"].get(reverse("assistance:my_requests"))
    assert response.status_code == 200
    assert b"has no assistance request yet" in response.content
    assert reverse("matrices:gaps").encode() in response.content


# ---------------------------------------------------------------------------------------------
# The template form


def test_an_official_saves_a_draft_with_needs_pointing_at_matrix_cells(page_clients, state_a, matrix_a):
    data = form_data(
        **{
            "need-0-cells": [cell(matrix_a), cell(matrix_a, aspect="enforcement")],
            "need-1-description": "Training of prosecutors",
            "need-1-cells": [cell(matrix_a, row="OP2.USE")],
            "preferred_providers": ["opcw", "vertic"],
            "approached_providers": ["unoda"],
            "consent_to_publish": "on",
        }
    )
    response = page_clients["official_a"].post(reverse("assistance:new_request"), data)
    obj = AssistanceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assistance:request_detail", args=[obj.pk])
    assert obj.status == "draft" and obj.state == state_a and obj.area.code == "LEGISLATION"
    assert obj.columns == ["CW"] and obj.consent_to_publish and obj.timeline == "2026 Q2"
    assert obj.beneficiary_agencies == "Ministry of Justice\nCWC National Authority"
    assert sorted(obj.preferred_providers.values_list("slug", flat=True)) == ["opcw", "vertic"]
    assert list(obj.approached_providers.values_list("slug", flat=True)) == ["unoda"]
    needs = list(obj.needs.all())
    assert [n.description for n in needs] == [data["need-0-description"], "Training of prosecutors"]
    assert sorted(needs[0].cells.values_list("row_code", "column", "aspect")) == [
        ("OP2.MANUFACTURE", "CW", "enforcement"),
        ("OP2.MANUFACTURE", "CW", "framework"),
    ]
    assert list(needs[1].cells.values_list("matrix_id", "row_code")) == [(matrix_a.pk, "OP2.USE")]
    page = page_clients["official_a"].get(response["Location"]).content.decode()
    assert f"Draft #{obj.pk} was saved." in page
    assert "OP2.MANUFACTURE" in page and "manufacture/produce" in page and "Training of prosecutors" in page
    assert "Ms A. Example" in page


def test_need_slots_left_empty_are_ignored_and_the_order_is_kept(page_clients, matrix_a):
    data = form_data(**{"need-0-description": "", "need-2-description": "Second slot used", "need-3-description": ""})
    assert page_clients["official_a"].post(reverse("assistance:new_request"), data).status_code == 302
    assert list(Need.objects.values_list("description", "order")) == [("Second slot used", 0)]


def test_more_needs_than_the_default_slots_are_kept(page_clients, matrix_a):
    data = form_data(**{f"need-{i}-description": f"Need number {i + 1}" for i in range(8)})
    assert page_clients["official_a"].post(reverse("assistance:new_request"), data).status_code == 302
    assert Need.objects.count() == 8


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"area": "NOPE"}, "area", "Unknown area of assistance: NOPE."),
        ({"columns": ["XX"]}, "columns", "Choose one or more of NW, CW, BW, MD."),
        ({"assistance_type": "money"}, "assistance_type", "Unknown type of assistance money"),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "At most 200 characters (this has 201)."),
        ({"beneficiary_agencies": "y" * 4001}, "beneficiary_agencies", "At most 4000 characters"),
        ({"title": "<script>alert(1)</script>"}, "title", "Plain text only: HTML tags are not allowed."),
        ({"need-0-description": "<img src=x onerror=alert(1)>"}, "need-0-description", "Plain text only"),
        ({"language": "xx"}, "language", "Unknown language xx."),
        ({"preferred_providers": ["nobody"]}, "preferred_providers", "Unknown provider(s): nobody."),
        ({"need-0-cells": ["not a cell"]}, "need-0-cells", "Not a matrix cell: not a cell."),
        ({"need-0-description": "", "need-0-cells": ["1|OP2.MANUFACTURE|CW|framework"]}, "need-0-description",
         "This field is required."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_bad_template_shows_each_error_next_to_its_field_and_saves_nothing(
    page_clients, matrix_a, overrides, field, message, action
):
    events = AuditEvent.objects.count()
    response = page_clients["official_a"].post(reverse("assistance:new_request"), form_data(action=action, **overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert AssistanceRequest.objects.count() == 0 and Need.objects.count() == 0
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "missing, field, message",
    [
        ({"area": ""}, "area", "Choose the subject area: one request per area."),
        ({"columns": []}, "columns", "Choose the weapon columns the request is about."),
        ({"assistance_type": ""}, "assistance_type", "Choose the type of assistance."),
    ],
)
def test_a_draft_may_leave_the_area_columns_and_type_open_but_cannot_be_submitted_so(
    page_clients, matrix_a, missing, field, message
):
    refused = page_clients["official_a"].post(reverse("assistance:new_request"), form_data(action="submit", **missing))
    assert refused.status_code == 400
    assert refused.context["form"].errors[field] == [message]
    assert f'id="id_{field}-error"'.encode() in refused.content
    assert AssistanceRequest.objects.count() == 0

    saved = page_clients["official_a"].post(reverse("assistance:new_request"), form_data(action="save", **missing))
    assert saved.status_code == 302
    draft = AssistanceRequest.objects.get()
    assert draft.status == "draft" and draft.needs.count() == 1
    page = page_clients["official_a"].get(reverse("assistance:request_detail", args=[draft.pk]))
    assert page.status_code == 200 and "Complete the template and submit it." in page.content.decode()


def test_every_error_is_shown_at_once(page_clients, matrix_a):
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"),
        form_data(action="submit", area="NOPE", title="", columns=[], assistance_type="", **{"need-0-description": ""}),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"area", "title", "columns", "assistance_type", "need-0-description"}
    assert errors["area"] == ["Unknown area of assistance: NOPE."]
    assert b"Please correct the following:" in response.content


def test_a_vague_request_cannot_be_submitted_and_nothing_is_saved(page_clients, matrix_a):
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"), form_data(action="submit", **{"need-0-description": ""})
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "vague request cannot be routed" in errors["need-0-description"][0]
    assert b'id="id_need-0-description-error"' in response.content
    assert AssistanceRequest.objects.count() == 0 and RoutingJob.objects.count() == 0


def test_a_vague_request_can_be_kept_as_a_draft(page_clients, matrix_a):
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"), form_data(action="save", **{"need-0-description": ""})
    )
    assert response.status_code == 302
    assert AssistanceRequest.objects.get().status == "draft" and not Need.objects.exists()


def test_cells_of_another_states_matrix_are_refused_and_nothing_is_saved(
    page_clients, matrix_a, state_b, state_b_official
):
    matrix_b = draft(state_b, state_b_official)
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"), form_data(**{"need-0-cells": [cell(matrix_a), cell(matrix_b)]})
    )
    assert response.status_code == 400
    assert (
        f"Matrix {matrix_b.pk} is not one of your State's versions." in response.context["form"].errors["need-0-cells"]
    )
    assert not AssistanceRequest.objects.exists() and not NeedCell.objects.exists()


def test_a_cell_that_is_not_in_the_template_is_refused(page_clients, matrix_a):
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"), form_data(**{"need-0-cells": [cell(matrix_a, row="OP2.NOTHING")]})
    )
    assert response.status_code == 400
    assert "has no cell OP2.NOTHING" in response.context["form"].errors["need-0-cells"][0]
    assert not AssistanceRequest.objects.exists()


def test_a_refused_form_keeps_what_was_typed_and_ticked(page_clients, matrix_a):
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"),
        form_data(area="NOPE", **{"need-0-cells": [cell(matrix_a)], "need-1-description": "Keep me"}),
    )
    html = response.content.decode()
    assert ticked(html, cell(matrix_a))
    assert "Keep me" in html and "Penal provisions for chemical weapons offences" in html


# ---------------------------------------------------------------------------------------------
# Pre-filled from the gap list


def test_the_form_offers_the_states_gaps_as_cells_to_tick(page_clients, matrix_a):
    html = page_clients["official_a"].get(reverse("assistance:new_request")).content.decode()
    assert f'value="{cell(matrix_a)}"' in html
    assert "1540 v1 · OP2: prohibitions and their enforcement" in html
    assert 'name="need-0-cells"' in html and 'name="need-1-cells"' in html
    assert 'src="/static/js/assistance_form.js"' in html and "onclick" not in html


def test_cells_ticked_on_the_gap_list_prefill_the_first_need_columns_and_area(page_clients, matrix_a):
    cells = [cell(matrix_a), cell(matrix_a, row="OP2.USE", column="BW", aspect="enforcement")]
    response = page_clients["official_a"].get(reverse("assistance:new_request"), {"cells": cells})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["area"].value() == "LEGISLATION"
    assert form["columns"].value() == ["CW", "BW"]
    assert form["need-0-cells"].value() == cells
    html = response.content.decode()
    for value in cells:
        assert ticked(html, value, need=0)
        assert ticked(html, value, need=1) is False
    assert 'value="CW" id="id_columns_1" checked' in html
    assert '<option value="LEGISLATION" selected>' in html
    assert "2 cells from your gap list are ticked under need 1" in html


@pytest.mark.parametrize(
    "row, column, area, columns",
    [
        ("OP2.FINANCE", "NW", "LEGISLATION", ["NW"]),
        ("OP3ab.ACC_USE", "CW", "ACCOUNTING_SECURITY", ["CW"]),
        ("OP3ab.SEC_STORAGE", "NW", "PHYSICAL_PROTECTION", ["NW"]),
        ("OP3cd.CONTROL_LISTS", "BW", "EXPORT_CONTROL", ["BW"]),
        ("OP3cd.BORDER_CONTROL", "CW", "BORDER_CONTROL", ["CW"]),
        ("OP1.CWC", "ALL", "ACTION_PLAN", []),
    ],
)
def test_the_area_is_suggested_from_the_section_of_the_cells(page_clients, matrix_a, row, column, area, columns):
    response = page_clients["official_a"].get(
        reverse("assistance:new_request"), {"cells": cell(matrix_a, row=row, column=column)}
    )
    form = response.context["form"]
    assert (form["area"].value(), form["columns"].value()) == (area, columns)


def test_prefilled_cells_that_make_no_sense_are_left_out_with_a_warning(page_clients, matrix_a):
    response = page_clients["official_a"].get(
        reverse("assistance:new_request"), {"cells": ["garbage", "1|2", cell(matrix_a)]}, follow=True
    )
    assert response.status_code == 200
    assert response.context["form"]["need-0-cells"].value() == [cell(matrix_a)]
    assert b"were not understood and were left out" in response.content


def test_prefilled_cells_of_another_state_are_shown_and_refused_on_save(
    page_clients, matrix_a, state_b, state_b_official
):
    matrix_b = draft(state_b, state_b_official)
    response = page_clients["official_a"].get(reverse("assistance:new_request"), {"cells": cell(matrix_b)})
    assert response.status_code == 200
    html = response.content.decode()
    assert ticked(html, cell(matrix_b))
    assert "manufacture/produce" not in html.split("Other cells")[1].split("</table>")[0]
    response = page_clients["official_a"].post(
        reverse("assistance:new_request"), form_data(**{"need-0-cells": [cell(matrix_b)]})
    )
    assert response.status_code == 400 and not AssistanceRequest.objects.exists()


# ---------------------------------------------------------------------------------------------
# The form sent twice (a double click, a retry): one request


def form_token(client):
    """The one-time token of a fresh "new request" form, as the browser would send it back."""
    html = client.get(reverse("assistance:new_request")).content.decode()
    found = re.search(r'<input type="hidden" name="form_token" value="([0-9a-f]{32})"[^>]*>', html)
    assert found, "the new-request form carries no token"
    return found.group(1)


@pytest.mark.parametrize("action, message", [("save", "Draft #%s was saved."), ("submit", "Request #%s was submitted")])
def test_the_new_request_form_sent_twice_creates_one_request(
    page_clients, matrix_a, action, message, django_capture_on_commit_callbacks
):
    client = page_clients["official_a"]
    data = form_data(action=action, form_token=form_token(client), **{"need-0-cells": [cell(matrix_a)]})

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("assistance:new_request"), data)
        second = client.post(reverse("assistance:new_request"), data)

    obj = AssistanceRequest.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("assistance:request_detail", args=[obj.pk])
    assert AuditEvent.objects.filter(verb="request.create").count() == 1
    assert RoutingJob.objects.count() == (1 if action == "submit" else 0)
    assert message % obj.pk in client.get(second["Location"]).content.decode()


def test_each_new_request_form_has_its_own_token(page_clients, matrix_a):
    client = page_clients["official_a"]
    first, second = form_token(client), form_token(client)
    assert first != second

    for token in (first, second):
        assert client.post(reverse("assistance:new_request"), form_data(form_token=token)).status_code == 302

    assert AssistanceRequest.objects.count() == 2


def test_a_refused_form_keeps_its_token_and_is_saved_once_corrected(page_clients, matrix_a):
    client = page_clients["official_a"]
    token = form_token(client)

    refused = client.post(reverse("assistance:new_request"), form_data(title="", form_token=token))
    assert refused.status_code == 400 and f'name="form_token" value="{token}"' in refused.content.decode()
    for _attempt in range(2):
        assert client.post(reverse("assistance:new_request"), form_data(form_token=token)).status_code == 302

    assert AssistanceRequest.objects.count() == 1


def test_a_form_token_is_the_users_own(page_clients, state_a, matrix_a):
    from portal.testing.factories import UserFactory

    token = form_token(page_clients["official_a"])
    colleague = logged_in(UserFactory(username="official-a2", role="state_official", state=state_a))

    for client in (page_clients["official_a"], colleague):
        assert client.post(reverse("assistance:new_request"), form_data(form_token=token)).status_code == 302

    assert AssistanceRequest.objects.count() == 2


def test_an_edit_form_carries_no_token(page_clients, state_a, state_a_official):
    obj = draft_request(state_a, state_a_official)
    html = page_clients["official_a"].get(reverse("assistance:edit_request", args=[obj.pk])).content.decode()
    assert 'name="form_token"' not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_new_request_form_sent_twice_at_once_creates_one_request(
    needs_postgres, state_a, state_a_official
):
    from portal.testing.concurrency import all_at_once

    token = form_token(logged_in(state_a_official))
    clients = [logged_in(state_a_official) for _ in range(2)]
    answers = all_at_once(
        [
            lambda client=client: client.post(reverse("assistance:new_request"), form_data(form_token=token))
            for client in clients
        ]
    )

    obj = AssistanceRequest.objects.get()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer["Location"] for answer in answers} == {reverse("assistance:request_detail", args=[obj.pk])}


# ---------------------------------------------------------------------------------------------
# Submitting, routing, the request page


def test_submitting_routes_the_request_at_commit_and_the_page_shows_matches_and_reasons(
    page_clients, matrix_a, django_capture_on_commit_callbacks
):
    data = form_data(action="submit", **{"need-0-cells": [cell(matrix_a)], "preferred_providers": ["opcw"]})
    with django_capture_on_commit_callbacks(execute=True):
        response = page_clients["official_a"].post(reverse("assistance:new_request"), data)
    obj = AssistanceRequest.objects.get()
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "routed" and obj.submitted_at and obj.routed_at
    page = page_clients["official_a"].get(response["Location"])
    html = page.content.decode()
    assert f"Request #{obj.pk} was submitted and is being routed." in html
    assert ">routed</span>" in html
    matches = list(obj.matches.select_related("provider"))
    assert matches
    for match in matches:
        assert match.provider.name in html
        for reason in reason_texts(match.reasons):
            assert reason.replace("'", "&#x27;") in html
    assert "preferred by the State" in html and "covers CW" in html
    assert "Routed to providers" in html and obj.routed_at.strftime("%Y") in html


def test_a_saved_draft_is_submitted_from_its_page(
    page_clients, state_a, state_a_official, django_capture_on_commit_callbacks
):
    obj = draft_request(state_a, state_a_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = page_clients["official_a"].post(reverse("assistance:submit_request", args=[obj.pk]))
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "routed"


def test_submitting_a_draft_without_a_need_shows_why_in_the_form(page_clients, state_a, state_a_official):
    obj = draft_request(state_a, state_a_official, needs=[])
    before = snapshot(obj)
    response = page_clients["official_a"].post(reverse("assistance:submit_request", args=[obj.pk]))
    assert response.status_code == 400
    assert "vague request cannot be routed" in response.context["form"].errors["need-0-description"][0]
    assert response.context["form"]["title"].value() == obj.title
    assert snapshot(obj) == before


def test_submitting_twice_is_a_conflict_that_changes_nothing(page_clients, state_a, state_a_official):
    obj = submit(draft_request(state_a, state_a_official), state_a_official)
    before = snapshot(obj)
    response = page_clients["official_a"].post(reverse("assistance:submit_request", args=[obj.pk]))
    assert response.status_code == 409
    assert b"Cannot submit a request that is submitted." in response.content
    assert snapshot(obj) == before


def test_the_request_page_shows_the_timeline_lead_provider_progress_and_delivery(
    page_clients, state_a, state_a_official, provider_chemical
):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    html = page_clients["official_a"].get(reverse("assistance:request_detail", args=[obj.pk])).content.decode()
    assert ">delivered</span>" in html
    assert "Lead provider: <strong>Organisation for the Prohibition of Chemical Weapons" in html
    assert "Workshop held in Kingston" in html and "Draft bill reviewed with the drafters" in html
    for label in ("Submitted", "Routed to providers", "Claimed by a provider", "Delivered"):
        assert label in html
    assert html.count("not yet") == 1  # only "closed"
    assert f'action="{reverse("assistance:feedback", args=[obj.pk])}"' in html
    assert reverse("assistance:edit_request", args=[obj.pk]) not in html
    assert reverse("assistance:withdraw_request", args=[obj.pk]) not in html


def test_a_draft_page_offers_edit_submit_and_withdraw(page_clients, state_a, state_a_official):
    obj = draft_request(state_a, state_a_official)
    html = page_clients["official_a"].get(reverse("assistance:request_detail", args=[obj.pk])).content.decode()
    for name in ("edit_request", "submit_request", "withdraw_request"):
        assert reverse(f"assistance:{name}", args=[obj.pk]) in html
    assert reverse("assistance:feedback", args=[obj.pk]) not in html


# ---------------------------------------------------------------------------------------------
# Editing a draft


def test_an_official_edits_a_draft(page_clients, state_a, state_a_official, matrix_a):
    obj = services.create(
        state_a,
        {**_template(), "needs": [{"description": "Old need", "cells": [_cell(matrix_a)]}]},
        acting_user=state_a_official,
    )
    url = reverse("assistance:edit_request", args=[obj.pk])
    page = page_clients["official_a"].get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["title"].value() == obj.title and form["need-0-description"].value() == "Old need"
    assert ticked(page.content.decode(), cell(matrix_a))
    response = page_clients["official_a"].post(url, form_data(title="New title", **{"need-0-description": "New need"}))
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.title == "New title" and obj.status == "draft"
    assert list(obj.needs.values_list("description", flat=True)) == ["New need"]


def test_editing_and_submitting_in_one_go(page_clients, state_a, state_a_official, django_capture_on_commit_callbacks):
    obj = draft_request(state_a, state_a_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = page_clients["official_a"].post(
            reverse("assistance:edit_request", args=[obj.pk]), form_data(action="submit")
        )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "routed"


def test_a_bad_edit_changes_nothing(page_clients, state_a, state_a_official):
    obj = draft_request(state_a, state_a_official)
    before = snapshot(obj)
    response = page_clients["official_a"].post(
        reverse("assistance:edit_request", args=[obj.pk]), form_data(title="<b>bold</b>", action="submit")
    )
    assert response.status_code == 400
    assert snapshot(obj) == before


def test_a_submitted_request_cannot_be_edited(page_clients, state_a, state_a_official):
    obj = submit(draft_request(state_a, state_a_official), state_a_official)
    before = snapshot(obj)
    url = reverse("assistance:edit_request", args=[obj.pk])
    response = page_clients["official_a"].post(url, form_data(title="Changed"), follow=True)
    assert response.redirect_chain[0] == (reverse("assistance:request_detail", args=[obj.pk]), 302)
    assert b"Only a draft can be changed" in response.content
    assert snapshot(obj) == before


# ---------------------------------------------------------------------------------------------
# Withdrawing


def test_an_official_withdraws_a_routed_request_after_confirming(page_clients, state_a, state_a_official):
    obj = routed_request(state_a, state_a_official)
    url = reverse("assistance:withdraw_request", args=[obj.pk])
    page = page_clients["official_a"].get(url)
    assert page.status_code == 200 and b"Withdraw the request" in page.content
    assert snapshot(obj)[0] == "routed"
    response = page_clients["official_a"].post(url, follow=True)
    obj.refresh_from_db()
    assert obj.status == "withdrawn" and obj.withdrawn_at
    assert b"was withdrawn" in response.content and b">withdrawn</span>" in response.content


def test_a_delivered_request_cannot_be_withdrawn(page_clients, state_a, state_a_official, provider_chemical):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    before = snapshot(obj)
    url = reverse("assistance:withdraw_request", args=[obj.pk])
    assert b"cannot be withdrawn" in page_clients["official_a"].get(url).content
    response = page_clients["official_a"].post(url)
    assert response.status_code == 409
    assert b"Cannot withdraw a request that is delivered." in response.content
    assert snapshot(obj) == before


# ---------------------------------------------------------------------------------------------
# Feedback


def test_the_state_gives_feedback_on_delivered_assistance_which_closes_the_request(
    page_clients, state_a, state_a_official, provider_chemical
):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    response = page_clients["official_a"].post(
        reverse("assistance:feedback", args=[obj.pk]), {"rating": "4", "comment": "Useful & timely"}, follow=True
    )
    obj.refresh_from_db()
    assert obj.status == "closed" and obj.feedback_rating == 4 and obj.feedback_comment == "Useful & timely"
    html = response.content.decode()
    assert "Rated 4 out of 5." in html and "Useful &amp; timely" in html and ">closed</span>" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "This field is required."),
        ({"rating": "0"}, "Select a valid choice."),
        ({"rating": "six"}, "Select a valid choice."),
        ({"rating": "3", "comment": "<script>x</script>"}, "Plain text only"),
        ({"rating": "3", "comment": "z" * 4001}, "At most 4000 characters"),
    ],
)
def test_bad_feedback_is_explained_and_changes_nothing(
    page_clients, state_a, state_a_official, provider_chemical, data, message
):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    before = snapshot(obj)
    response = page_clients["official_a"].post(reverse("assistance:feedback", args=[obj.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(obj) == before


def test_feedback_before_delivery_is_a_conflict(page_clients, state_a, state_a_official):
    obj = routed_request(state_a, state_a_official)
    before = snapshot(obj)
    response = page_clients["official_a"].post(reverse("assistance:feedback", args=[obj.pk]), {"rating": "5"})
    assert response.status_code == 409
    assert snapshot(obj) == before


@pytest.mark.parametrize("consent, expected", [(False, 404), (True, 403)])
def test_feedback_by_another_state_is_refused(
    page_clients, state_a, state_a_official, provider_chemical, consent, expected
):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    AssistanceRequest.objects.filter(pk=obj.pk).update(consent_to_publish=consent)
    before = snapshot(obj)
    response = page_clients["official_b"].post(reverse("assistance:feedback", args=[obj.pk]), {"rating": "1"})
    assert response.status_code == expected
    assert snapshot(obj) == before


@pytest.mark.parametrize("who", ["opcw", "expert"])
def test_feedback_by_the_provider_or_an_expert_is_refused(
    page_clients, state_a, state_a_official, provider_chemical, who
):
    obj = delivered_request(state_a, state_a_official, provider_chemical)
    before = snapshot(obj)
    assert page_clients[who].post(reverse("assistance:feedback", args=[obj.pk]), {"rating": "5"}).status_code == 403
    assert snapshot(obj) == before


# ---------------------------------------------------------------------------------------------
# Constant query counts


def _template():
    from assistance.tests.helpers import template

    return template()


def _cell(matrix, row="OP2.MANUFACTURE", column="CW", aspect="framework"):
    return {"matrix": matrix.pk, "row": row, "column": column, "aspect": aspect}


@pytest.fixture(params=["small", "large"])
def sized_requests(request, state_a, state_a_official, provider_chemical, matrix_a):
    """One request of each kind, or many: with more needs, cells, matches and progress reports."""
    large = request.param == "large"
    rows = ["OP2.MANUFACTURE", "OP2.USE", "OP2.TRANSFER", "OP2.FINANCE"] if large else ["OP2.MANUFACTURE"]
    needs = [
        {"description": f"Need on {row}", "cells": [_cell(matrix_a, row, c, a) for c in ("CW", "BW") for a in
                                                    ("framework", "enforcement")]}
        for row in rows
    ]  # fmt: skip
    main = routed_request(
        state_a, state_a_official, needs=needs, columns=["CW", "BW"] if large else ["CW"], preferred_providers=["opcw"]
    )
    services.claim(main, acting_user=provider_chemical)
    for n in range(5 if large else 1):
        services.report_progress(main, note=f"Step {n}", acting_user=provider_chemical)
    for n in range(8 if large else 1):
        draft_request(state_a, state_a_official, title=f"Draft {n}")
        routed_request(state_a, state_a_official, title=f"Routed {n}")
    return main


@pytest.mark.parametrize("page, queries", [("dashboard", 4), ("detail", 13)])
def test_official_pages_run_a_constant_number_of_queries(
    page, queries, sized_requests, state_a_official, django_assert_num_queries
):
    client = logged_in(state_a_official)
    url = {
        "dashboard": reverse("assistance:my_requests"),
        "detail": reverse("assistance:request_detail", args=[sized_requests.pk]),
    }[page]
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
