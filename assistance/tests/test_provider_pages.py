"""The provider staff's pages: the inbox, one request with its needs and cells, and the actions
(claim, release, join, progress, deliver), for every persona; refusals change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assistance import services
from assistance.models import AssistanceRequest, Match, ProgressReport
from assistance.reasons import reason_texts
from assistance.tests.helpers import persona, routed_request
from matrices.tests.helpers import CELL, draft
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["state_a_official", "state_b_official", "expert", "admin_user", "provider_chemical", "provider_nuclear"]
ACTIONS = ["provider_claim", "provider_release", "provider_join", "provider_progress", "provider_deliver"]
INBOX_QUERIES = 9  # session, user, provider name, count, page, own matches, 3 lists of choices (area, State, region)


@pytest.fixture(autouse=True)
def _every_fitting_provider_is_matched(settings):
    # Both provider personas (OPCW, IAEA) must be matched to a NW+CW request, whatever the scores.
    settings.ASSISTANCE_MAX_MATCHES = 20


@pytest.fixture
def shared(state_a, state_a_official):
    """A Jamaican request on nuclear and chemical legislation, routed to OPCW and IAEA (among others)."""
    req = routed_request(state_a, state_a_official, columns=["NW", "CW"], title="Model law on CBRN offences")
    slugs = set(req.matches.values_list("provider__slug", flat=True))
    assert {"opcw", "iaea"} <= slugs
    return req


@pytest.fixture
def chemical_only(state_a, state_a_official):
    """A chemical-only request: IAEA is never matched to it."""
    req = routed_request(state_a, state_a_official, title="Chemical penal provisions")
    assert req.matches.filter(provider__slug="opcw").exists()
    assert not req.matches.filter(provider__slug="iaea").exists()
    return req


def url(name, req):
    return reverse(f"assistance:{name}", args=[req.pk])


def snapshot(req):
    req = AssistanceRequest.objects.get(pk=req.pk)
    return (
        req.status,
        req.claimed_by_id,
        req.claimed_at,
        req.delivered_at,
        req.delivery_summary,
        list(Match.objects.filter(request=req).values_list("provider_id", "supporting_since").order_by("provider_id")),
        ProgressReport.objects.filter(request=req).count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# Who may open the pages


@pytest.mark.parametrize(
    "who, inbox, detail",
    [
        ("public", 302, 302),
        ("state_a_official", 403, 403),
        ("state_b_official", 403, 403),
        ("expert", 403, 403),
        ("admin_user", 403, 403),
        ("provider_chemical", 200, 200),
        ("provider_nuclear", 200, 200),
    ],
)
def test_provider_pages_open_for_provider_staff_only(request, shared, who, inbox, detail):
    client = logged_in(persona(request, who))
    response = client.get(reverse("assistance:provider_inbox"))
    assert response.status_code == inbox
    if inbox == 302:
        assert response["Location"].startswith("/accounts/login/")
    response = client.get(url("provider_request", shared))
    assert response.status_code == detail
    if detail == 200:
        assert "Model law on CBRN offences" in response.content.decode()


@pytest.mark.parametrize("who", ["public", *PERSONAS[:4]])
@pytest.mark.parametrize("action", ACTIONS)
def test_a_denied_action_changes_nothing(request, shared, who, action):
    before = snapshot(shared)
    response = logged_in(persona(request, who)).post(url(action, shared), {"note": "x", "summary": "y"})
    assert response.status_code == (302 if who == "public" else 403)
    assert snapshot(shared) == before


@pytest.mark.parametrize("action", ["provider_request", *ACTIONS])
def test_a_provider_the_request_was_not_routed_to_gets_404_and_changes_nothing(provider_nuclear, chemical_only, action):
    before = snapshot(chemical_only)
    client = logged_in(provider_nuclear)
    if action == "provider_request":
        response = client.get(url(action, chemical_only))
    else:
        response = client.post(url(action, chemical_only), {"note": "x", "summary": "y"})
    assert response.status_code == 404
    assert "Model" not in response.content.decode() and "Chemical penal provisions" not in response.content.decode()
    assert snapshot(chemical_only) == before


def test_a_published_request_not_routed_to_the_provider_is_not_on_its_pages(provider_nuclear, chemical_only):
    assert chemical_only.consent_to_publish  # the public may see it, but it is not in IAEA's inbox
    client = logged_in(provider_nuclear)
    assert "Chemical penal provisions" not in client.get(reverse("assistance:provider_inbox")).content.decode()
    assert client.get(url("provider_request", chemical_only)).status_code == 404


def test_actions_need_a_post(provider_chemical, shared):
    client = logged_in(provider_chemical)
    for action in ACTIONS:
        assert client.get(url(action, shared)).status_code == 405
    assert AssistanceRequest.objects.get(pk=shared.pk).status == "routed"


# ---------------------------------------------------------------------------------------------
# The inbox


def test_the_inbox_lists_the_requests_routed_to_the_organisation_with_score_and_reasons(
    provider_chemical, provider_nuclear, shared, chemical_only
):
    response = logged_in(provider_chemical).get(reverse("assistance:provider_inbox"))
    assert response.status_code == 200
    rows = {item.pk: item for item in response.context["page"].object_list}
    assert set(rows) == {shared.pk, chemical_only.pk}
    own = Match.objects.get(request=shared, provider__slug="opcw")
    assert rows[shared.pk].own_match == own
    html = response.content.decode()
    assert "Model law on CBRN offences" in html and "Chemical penal provisions" in html
    for reason in reason_texts(own.reasons):
        assert escape(reason) in html
    assert f"{own.score:.1f}" in html

    response = logged_in(provider_nuclear).get(reverse("assistance:provider_inbox"))
    assert [item.pk for item in response.context["page"].object_list] == [shared.pk]


def test_the_inbox_says_who_claimed_a_request_another_provider_leads(provider_chemical, provider_nuclear, shared):
    services.claim(shared, acting_user=provider_nuclear)
    html = logged_in(provider_chemical).get(reverse("assistance:provider_inbox"), {"scope": "all"}).content.decode()
    assert "claimed by International Atomic Energy Agency" in html
    html = logged_in(provider_nuclear).get(reverse("assistance:provider_inbox")).content.decode()
    assert "your organisation leads" in html


def test_the_inbox_filters_by_status_area_column_state_region_and_date(
    provider_chemical, provider_nuclear, state_b, state_b_official, shared, chemical_only
):
    kenyan = routed_request(state_b, state_b_official, area="TRAINING", assistance_type="training", title="Kenya CW")
    assert kenyan.matches.filter(provider__slug="opcw").exists()
    services.claim(chemical_only, acting_user=provider_chemical)
    AssistanceRequest.objects.filter(pk=kenyan.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    client = logged_in(provider_chemical)

    def listed(**params):
        response = client.get(reverse("assistance:provider_inbox"), params)
        assert response.status_code == 200, response.content
        return {item.pk for item in response.context["page"].object_list}

    assert listed() == {shared.pk, chemical_only.pk, kenyan.pk}
    assert listed(status="claimed") == {chemical_only.pk}
    assert listed(area="TRAINING") == {kenyan.pk}
    assert listed(column="NW") == {shared.pk}
    assert listed(state="KEN") == {kenyan.pk}
    assert listed(state="jam") == {shared.pk, chemical_only.pk}
    assert listed(region="GRULAC") == {shared.pk, chemical_only.pk}
    assert listed(region="African", status="routed") == {kenyan.pk}
    assert listed(submitted_after=(timezone.now() - timedelta(days=10)).date().isoformat()) == {
        shared.pk,
        chemical_only.pk,
    }


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"area": "ALCHEMY"}, "area"),
        ({"column": "XX"}, "column"),
        ({"state": "XYZ"}, "state"),
        ({"region": "Atlantis"}, "region"),
        ({"submitted_after": "yesterday"}, "submitted_after"),
    ],
)
def test_an_invalid_inbox_filter_answers_400_with_the_message_next_to_the_field(
    provider_chemical, shared, params, field
):
    response = logged_in(provider_chemical).get(reverse("assistance:provider_inbox"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert f'id="id_{field}-error"' in html
    assert response.context["form"].errors[field]
    assert "Model law on CBRN offences" not in html


def test_the_inbox_runs_a_constant_number_of_queries(
    provider_chemical, state_a, state_a_official, shared, django_assert_num_queries
):
    client = logged_in(provider_chemical)
    with django_assert_num_queries(INBOX_QUERIES):
        assert len(client.get(reverse("assistance:provider_inbox")).context["page"].object_list) == 1
    for n in range(12):
        req = routed_request(state_a, state_a_official, title=f"Request {n}")
        if n % 3 == 0:
            services.claim(req, acting_user=provider_chemical)
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(reverse("assistance:provider_inbox"))
    assert len(response.context["page"].object_list) == 13
    assert all(item.own_match for item in response.context["page"].object_list)


# ---------------------------------------------------------------------------------------------
# One request


def test_the_request_page_shows_needs_cells_marks_reasons_and_the_other_providers_in_the_state(
    provider_chemical, provider_nuclear, state_a, state_a_official
):
    matrix = draft(
        state_a,
        state_a_official,
        cells=[{**CELL, "mark": "?", "source": "Draft bill"}],
    )
    needs = [
        {
            "description": "Penal provisions for the manufacture of chemical weapons",
            "cells": [
                {"matrix": matrix.pk, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"},
                {"matrix": matrix.pk, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "enforcement"},
            ],
        }
    ]
    req = routed_request(state_a, state_a_official, columns=["NW", "CW"], needs=needs, title="Manufacture offences")
    other = routed_request(state_a, state_a_official, columns=["NW"], area="PHYSICAL_PROTECTION", title="Nuclear")
    services.claim(other, acting_user=provider_nuclear)

    response = logged_in(provider_chemical).get(url("provider_request", req))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Penal provisions for the manufacture of chemical weapons" in html
    cells = {(c.row_code, c.aspect): c for need in response.context["needs"] for c in need.cells.all()}
    assert cells[("OP2.MANUFACTURE", "framework")].mark == "?"
    assert cells[("OP2.MANUFACTURE", "enforcement")].mark == ""
    label = cells[("OP2.MANUFACTURE", "framework")].row_label
    assert label and label in html
    assert "OP2.MANUFACTURE" in html and "Chemical weapons" in html and "Enforcement" in html
    assert "1540 version 1" in html
    own = Match.objects.get(request=req, provider__slug="opcw")
    for reason in reason_texts(own.reasons):
        assert escape(reason) in html
    assert response.context["active_providers"] == [
        {"slug": "iaea", "provider": "International Atomic Energy Agency", "areas": ["Physical protection"]}
    ]
    assert "Other providers active in Jamaica" in html
    assert "Claim this request" in html


def test_the_request_page_escapes_what_the_state_wrote(provider_chemical, state_a, state_a_official):
    req = routed_request(state_a, state_a_official, title='Customs "training" & tools', contact_person="A & B")
    html = logged_in(provider_chemical).get(url("provider_request", req)).content.decode()
    assert "Customs &quot;training&quot; &amp; tools" in html
    assert "A &amp; B" in html


# ---------------------------------------------------------------------------------------------
# Claim, release, join, progress, deliver


def test_a_matched_provider_claims_and_a_second_one_gets_the_already_claimed_message(
    provider_chemical, provider_nuclear, shared
):
    client = logged_in(provider_chemical)
    response = client.post(url("provider_claim", shared))
    assert response.status_code == 302 and response["Location"] == url("provider_request", shared)
    shared.refresh_from_db()
    assert shared.status == "claimed" and shared.claimed_by.slug == "opcw" and shared.claimed_at
    page = client.get(response["Location"]).content.decode()
    assert "Your organisation leads this request now" in page and "Mark delivered" in page

    before = snapshot(shared)
    response = logged_in(provider_nuclear).post(url("provider_claim", shared))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Another provider has already claimed this request." in html
    assert "Claimed by Organisation for the Prohibition of Chemical Weapons" in html
    assert "Join as supporting provider" in html
    assert snapshot(shared) == before


def test_a_repeated_claim_by_the_winner_acts_once(provider_chemical, shared):
    client = logged_in(provider_chemical)
    assert client.post(url("provider_claim", shared)).status_code == 302
    before = snapshot(shared)
    assert client.post(url("provider_claim", shared)).status_code == 302
    assert snapshot(shared) == before


def test_the_lead_releases_the_claim_and_the_request_is_open_again(provider_chemical, provider_nuclear, shared):
    services.claim(shared, acting_user=provider_chemical)
    before = snapshot(shared)
    assert logged_in(provider_nuclear).post(url("provider_release", shared)).status_code == 403
    assert snapshot(shared) == before

    response = logged_in(provider_chemical).post(url("provider_release", shared), follow=True)
    assert "You released the request" in response.content.decode()
    shared.refresh_from_db()
    assert shared.status == "routed" and shared.claimed_by is None and shared.claimed_at is None
    assert logged_in(provider_nuclear).post(url("provider_claim", shared)).status_code == 302
    shared.refresh_from_db()
    assert shared.claimed_by.slug == "iaea"


def test_another_matched_provider_joins_as_supporting_and_reports_progress(provider_chemical, provider_nuclear, shared):
    client = logged_in(provider_nuclear)
    before = snapshot(shared)
    response = client.post(url("provider_join", shared))
    assert response.status_code == 409 and "Only a request another provider leads can be joined" in (
        response.content.decode()
    )
    assert snapshot(shared) == before

    services.claim(shared, acting_user=provider_chemical)
    response = client.post(url("provider_join", shared), follow=True)
    assert "Your organisation supports this request now." in response.content.decode()
    match = Match.objects.get(request=shared, provider__slug="iaea")
    assert match.supporting_since is not None

    response = client.post(url("provider_progress", shared), {"note": "Nuclear law gap analysis sent."}, follow=True)
    html = response.content.decode()
    assert "Your progress report was saved." in html and "Nuclear law gap analysis sent." in html
    report = ProgressReport.objects.get(request=shared)
    assert report.provider.slug == "iaea" and report.author == provider_nuclear

    # Only the lead marks it delivered.
    before = snapshot(shared)
    response = client.post(url("provider_deliver", shared), {"summary": "Done"})
    assert response.status_code == 403
    assert "Only the provider that claimed the request marks it delivered." in response.content.decode()
    assert snapshot(shared) == before


def test_progress_and_delivery_need_text_and_plain_text_only(provider_chemical, shared):
    services.claim(shared, acting_user=provider_chemical)
    client = logged_in(provider_chemical)
    before = snapshot(shared)
    response = client.post(url("provider_progress", shared), {"note": "  "})
    assert response.status_code == 400
    assert response.context["progress_form"].errors["note"] == ["Write what has been done."]
    assert 'id="id_note-error"' in response.content.decode()
    response = client.post(url("provider_progress", shared), {"note": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "Plain text only" in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    response = client.post(url("provider_deliver", shared), {"summary": ""})
    assert response.status_code == 400
    assert response.context["deliver_form"].errors["summary"] == ["Say what was delivered."]
    response = client.post(url("provider_deliver", shared), {"summary": "x" * 4001})
    assert response.status_code == 400
    assert snapshot(shared) == before


def test_the_lead_reports_progress_and_marks_the_request_delivered(provider_chemical, shared):
    client = logged_in(provider_chemical)
    client.post(url("provider_claim", shared))
    assert client.post(url("provider_progress", shared), {"note": "Workshop held in Kingston."}).status_code == 302
    response = client.post(url("provider_deliver", shared), {"summary": "Draft bill reviewed with the AG's office."})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.status == "delivered" and shared.delivered_at >= shared.claimed_at
    assert shared.delivery_summary == "Draft bill reviewed with the AG's office."
    html = client.get(url("provider_request", shared)).content.decode()
    assert "Workshop held in Kingston." in html and "Nothing to do now: the request is delivered." in html
    assert AuditEvent.objects.filter(verb="request.deliver").count() == 1


def test_delivery_before_a_claim_is_refused_and_changes_nothing(provider_chemical, shared):
    before = snapshot(shared)
    response = logged_in(provider_chemical).post(url("provider_deliver", shared), {"summary": "Done already"})
    assert response.status_code == 409
    assert "Cannot deliver a request that is routed." in response.content.decode()
    assert snapshot(shared) == before
    response = logged_in(provider_chemical).post(url("provider_progress", shared), {"note": "Started"})
    assert response.status_code == 409
    assert snapshot(shared) == before


def test_a_withdrawn_request_cannot_be_claimed(provider_chemical, state_a_official, shared):
    services.withdraw(shared, acting_user=state_a_official)
    before = snapshot(shared)
    response = logged_in(provider_chemical).post(url("provider_claim", shared))
    assert response.status_code == 409
    assert "This request is withdrawn and cannot be claimed." in response.content.decode()
    assert snapshot(shared) == before


def test_an_unknown_request_answers_404_with_the_portals_page(provider_chemical, shared):
    response = logged_in(provider_chemical).get(reverse("assistance:provider_request", args=[shared.pk + 1000]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
