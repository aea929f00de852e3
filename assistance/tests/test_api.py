"""The assistance API: the lifecycle through every role, claims, idempotency, bad input, query counts."""

import pytest

from assistance.models import AssistanceRequest, Match, Provider
from assistance.tests.helpers import draft_request, routed_request, template
from matrices.tests.helpers import draft as matrix_draft
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistance/requests/"


@pytest.fixture
def routed_to_opcw(state_a, state_a_official):
    """A chemical request routed to the OPCW (and two others), not to the IAEA."""
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    assert request.matches.filter(provider__slug="opcw").exists()
    assert not request.matches.filter(provider__slug="iaea").exists()
    return request


def snapshot(request):
    request.refresh_from_db()
    return (request.status, request.claimed_by_id, request.matches.count(), AuditEvent.objects.count())


def test_an_official_creates_and_submits_a_specific_request(
    api_clients, state_a, state_a_official, django_capture_on_commit_callbacks
):
    matrix = matrix_draft(state_a, state_a_official)
    data = template(
        needs=[
            {
                "description": "Draft penal provisions",
                "cells": [{"matrix": matrix.pk, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "enforcement"}],
            }
        ]
    )
    response = api_clients["official_a"].post(URL, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["state"] == "JAM" and body["area"] == "LEGISLATION"
    assert body["needs"][0]["cells"] == [
        {"matrix": matrix.pk, "row": "OP2.MANUFACTURE", "column": "CW", "aspect": "enforcement"}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        submitted = api_clients["official_a"].post(f"{URL}{body['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["submitted_at"]
    routed = api_clients["official_a"].get(f"{URL}{body['id']}/").json()
    assert routed["status"] == "routed" and routed["routed_at"]
    assert routed["matches"] and all(m["reasons"] for m in routed["matches"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"area": "NOPE"}, "area"),
        ({"columns": ["XW"]}, "columns"),
        ({"columns": "CW"}, "columns"),
        ({"assistance_type": "money"}, "assistance_type"),
        ({"preferred_providers": ["nobody"]}, "preferred_providers"),
        ({"title": "x" * 201}, "title"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"needs": [{"description": ""}]}, "needs"),
        ({"needs": [{"description": "ok", "cells": [{"matrix": 999999, "row": "OP2.USE", "column": "CW"}]}]}, "needs"),
    ],
)
def test_bad_templates_are_refused_with_the_reason_and_nothing_is_saved(api_clients, reference, change, field):
    response = api_clients["official_a"].post(URL, template(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not AssistanceRequest.objects.exists()


def test_cells_of_another_states_matrix_cannot_be_cited(api_clients, state_b, state_b_official):
    other = matrix_draft(state_b, state_b_official)
    data = template(
        needs=[
            {
                "description": "x",
                "cells": [{"matrix": other.pk, "row": "OP2.USE", "column": "CW", "aspect": "framework"}],
            }
        ]
    )
    response = api_clients["official_a"].post(URL, data, format="json")
    assert response.status_code == 400 and "needs" in response.json()["errors"]


def test_a_draft_needs_only_a_title(api_clients, reference):
    response = api_clients["official_a"].post(URL, {"title": "Export control help, details to follow"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["area"] is None and body["columns"] == []
    assert body["assistance_type"] == "" and body["needs"] == []
    assert api_clients["official_a"].get(f"{URL}{body['id']}/").json()["title"] == body["title"]
    completed = api_clients["official_a"].patch(
        f"{URL}{body['id']}/", {"area": "EXPORT_CONTROL", "columns": ["CW"]}, format="json"
    )
    assert completed.status_code == 200 and completed.json()["area"] == "EXPORT_CONTROL"
    refused = api_clients["official_a"].post(URL, {"area": "LEGISLATION"}, format="json")
    assert refused.status_code == 400 and "title" in refused.json()["errors"]


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"needs": []}, "needs"),
        ({"area": ""}, "area"),
        ({"columns": []}, "columns"),
        ({"assistance_type": ""}, "assistance_type"),
    ],
)
def test_a_vague_request_cannot_be_submitted(api_clients, state_a, state_a_official, missing, field):
    request = draft_request(state_a, state_a_official, **missing)
    events = AuditEvent.objects.count()
    response = api_clients["official_a"].post(f"{URL}{request.pk}/submit/")
    assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    request.refresh_from_db()
    assert request.status == "draft" and not request.routing_jobs.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 201),
        ("official_b", 403),
        ("expert", 403),
        ("opcw", 403),
        ("read_only_opcw", 403),
    ],
)
def test_only_the_states_officials_ask_for_assistance(api_clients, reference, who, expected):
    response = api_clients[who].post(URL, {**template(), "state": "JAM"}, format="json")
    assert response.status_code == expected
    assert AssistanceRequest.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("public", 404), ("official_a", 200), ("official_b", 404), ("expert", 200), ("opcw", 404), ("iaea", 404)],
)
def test_a_draft_is_seen_only_by_its_state_and_the_experts(api_clients, state_a, state_a_official, who, expected):
    request = draft_request(state_a, state_a_official)
    assert api_clients[who].get(f"{URL}{request.pk}/").status_code == expected


def test_each_role_lists_what_it_may_see(
    api_clients, state_a, state_b, state_a_official, state_b_official, routed_to_opcw
):
    private = routed_request(
        state_b,
        state_b_official,
        consent_to_publish=False,
        columns=["NW"],
        area="PHYSICAL_PROTECTION",
        assistance_type="training",
    )

    def ids(who, query=""):
        return {r["id"] for r in api_clients[who].get(f"{URL}{query}").json()["results"]}

    assert ids("public") == {routed_to_opcw.pk}
    assert ids("official_b") == {routed_to_opcw.pk, private.pk}
    assert ids("iaea") == {private.pk}  # a provider's default: routed to them (test_provider_default.py)
    assert ids("iaea", "?scope=all") == {routed_to_opcw.pk, private.pk}
    assert ids("opcw") == {routed_to_opcw.pk}
    assert ids("expert") == {routed_to_opcw.pk, private.pk}
    assert ids("expert", "?column=NW") == {private.pk}
    assert ids("expert", "?state=jam&status=routed&area=LEGISLATION&region=GRULAC") == {routed_to_opcw.pk}
    assert api_clients["public"].get(f"{URL}{routed_to_opcw.pk}/").json()["contact_person"] == ""
    assert api_clients["opcw"].get(f"{URL}{routed_to_opcw.pk}/").json()["contact_person"].startswith("Ms A.")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?status=lost", "invalid"),
        ("?area=NOPE", "invalid"),
        ("?submitted_after=yesterday", "invalid"),
        ("?colour=red", "unknown-parameter"),
    ],
)
def test_bad_list_filters_are_a_400(api_clients, reference, query, code):
    response = api_clients["expert"].get(f"{URL}{query}")
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("public", 401),
        ("official_a", 403),
        ("official_b", 403),
        ("expert", 403),
        ("iaea", 404),
        ("read_only_opcw", 403),
        ("opcw", 200),
    ],
)
def test_only_a_matched_provider_claims(api_clients, routed_to_opcw, who, expected):
    before = snapshot(routed_to_opcw)
    response = api_clients[who].post(f"{URL}{routed_to_opcw.pk}/claim/")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert body["status"] == "claimed" and body["claimed_by"] == "opcw" and body["claimed_at"]
    else:
        assert snapshot(routed_to_opcw) == before


def test_a_second_provider_gets_409_already_claimed(api_clients, routed_to_opcw):
    other = routed_to_opcw.matches.exclude(provider__slug="opcw").select_related("provider").first().provider
    other_client = api_clients["public"].__class__()
    from portal.accounts.services import issue_token

    _token, raw = issue_token(UserFactory(username="other-staff", role="provider", provider=other))
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/").status_code == 200
    response = other_client.post(f"{URL}{routed_to_opcw.pk}/claim/")
    assert response.status_code == 409 and response.json()["code"] == "already-claimed"
    routed_to_opcw.refresh_from_db()
    assert routed_to_opcw.claimed_by.slug == "opcw"


def test_a_retried_claim_with_the_same_idempotency_key_acts_once(api_clients, routed_to_opcw):
    first = api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/", HTTP_IDEMPOTENCY_KEY="claim-123")
    events = AuditEvent.objects.filter(verb="request.claim").count()
    again = api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/", HTTP_IDEMPOTENCY_KEY="claim-123")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(verb="request.claim").count() == events == 1
    bad = api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/", HTTP_IDEMPOTENCY_KEY="no spaces allowed")
    assert bad.status_code == 400


def test_the_whole_lifecycle_through_the_api(api_clients, routed_to_opcw):
    url = f"{URL}{routed_to_opcw.pk}"
    deliver_early = api_clients["opcw"].post(f"{url}/deliver/", {"summary": "Done"}, format="json")
    assert deliver_early.status_code == 409 and deliver_early.json()["code"] == "invalid-transition"
    assert api_clients["opcw"].post(f"{url}/claim/").json()["status"] == "claimed"
    assert api_clients["opcw"].post(f"{url}/release/").json()["status"] == "routed"
    assert api_clients["opcw"].post(f"{url}/claim/").json()["status"] == "claimed"
    progress = api_clients["opcw"].post(f"{url}/progress/", {"note": "Legal review under way"}, format="json")
    assert progress.json()["progress"][0]["note"] == "Legal review under way"
    assert api_clients["official_b"].post(f"{url}/feedback/", {"rating": 5}, format="json").status_code == 403
    delivered = api_clients["opcw"].post(f"{url}/deliver/", {"summary": "Bill reviewed; workshop held"}, format="json")
    assert delivered.json()["status"] == "delivered" and delivered.json()["delivered_at"]
    assert api_clients["official_a"].post(f"{url}/withdraw/").status_code == 409
    assert api_clients["official_a"].post(f"{url}/feedback/", {"rating": 9}, format="json").status_code == 400
    closed = api_clients["official_a"].post(f"{url}/feedback/", {"rating": 4, "comment": "Useful"}, format="json")
    assert closed.json()["status"] == "closed" and closed.json()["feedback_rating"] == 4


def test_a_claim_on_a_withdrawn_request_is_refused(api_clients, state_a_official, routed_to_opcw):
    assert api_clients["official_a"].post(f"{URL}{routed_to_opcw.pk}/withdraw/").json()["status"] == "withdrawn"
    response = api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/")
    assert response.status_code == 409 and response.json()["code"] == "not-claimable"


def test_an_expert_assigns_a_provider_to_an_unmatched_request(api_clients, state_a, state_a_official):
    Provider.objects.filter(columns__icontains='"BW"').update(active=False)
    request = routed_request(
        state_a, state_a_official, columns=["BW"], area="BIOSAFETY_BIOSECURITY", assistance_type="training"
    )
    assert request.status == "unmatched"
    assert api_clients["opcw"].post(f"{URL}{request.pk}/assign/", {"provider": "who"}, format="json").status_code == 403
    assert (
        api_clients["expert"].post(f"{URL}{request.pk}/assign/", {"provider": "nobody"}, format="json").status_code
        == 400
    )
    body = api_clients["expert"].post(f"{URL}{request.pk}/assign/", {"provider": "who"}, format="json").json()
    assert body["status"] == "routed"
    assert body["matches"][0]["provider"] == "who" and body["matches"][0]["assigned_by_expert"] is True


def test_providers_see_who_else_is_active_in_the_state(api_clients, state_a, state_a_official, routed_to_opcw):
    api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/")
    nuclear = routed_request(
        state_a, state_a_official, columns=["NW"], area="PHYSICAL_PROTECTION", assistance_type="training"
    )
    active = api_clients["iaea"].get(f"{URL}{nuclear.pk}/active-providers/").json()
    assert [a["slug"] for a in active] == ["opcw"]


def test_the_request_list_runs_a_constant_number_of_queries(
    api_clients, state_a, state_a_official, django_assert_num_queries
):
    routed_request(state_a, state_a_official)
    expert = api_clients["expert"]
    expert.get(URL)  # the token's first use is written down once: keep it out of the count
    # token, count, page, needs, their cells, matches with their providers, their offers, preferred,
    # approached, progress, the action plan items they were started from
    with django_assert_num_queries(11) as first:
        assert expert.get(URL).json()["count"] == 1
    for _ in range(4):
        routed_request(state_a, state_a_official)
    with django_assert_num_queries(len(first.captured_queries)):
        assert expert.get(URL).json()["count"] == 5


def test_a_losing_claim_is_answered_without_loading_the_request_details(
    api_clients, routed_to_opcw, provider_nuclear, django_assert_num_queries
):
    """Under contention most claims lose: a 409 reads the request row only, however big the request."""
    iaea = Provider.objects.get(slug="iaea")
    Match.objects.create(request=routed_to_opcw, provider=iaea, score=1, reasons=["by hand"])
    assert api_clients["opcw"].post(f"{URL}{routed_to_opcw.pk}/claim/").status_code == 200
    api_clients["iaea"].get(URL)  # the token's first use is written down once: keep it out of the count
    # token, the visible request, savepoint, routed to me?, the conditional UPDATE (no row), the
    # current status, savepoint rolled back and released: 14 when the details were loaded first
    with django_assert_num_queries(8):
        response = api_clients["iaea"].post(f"{URL}{routed_to_opcw.pk}/claim/")
    assert response.status_code == 409 and response.json()["code"] == "already-claimed"
    routed_to_opcw.refresh_from_db()
    assert routed_to_opcw.claimed_by.slug == "opcw"


def test_turnaround_figures_are_public_and_validated(api_clients, state_a, state_a_official):
    request = routed_request(state_a, state_a_official)
    body = api_clients["public"].get("/api/v1/assistance/turnaround/").json()
    assert body["requests"] == 1 and body["time_to_route"]["count"] == 1
    filtered = (
        api_clients["public"].get("/api/v1/assistance/turnaround/?region=GRULAC&regime=cwc&since=2020-01-01").json()
    )
    assert filtered["requests"] == 1 and filtered["by_regime"][1]["key"] == "CWC"
    assert api_clients["public"].get("/api/v1/assistance/turnaround/?region=Mars").status_code == 400
    assert api_clients["public"].get("/api/v1/assistance/turnaround/?since=soon").status_code == 400
    assert api_clients["public"].get("/api/v1/assistance/turnaround/?colour=red").status_code == 400
    assert Match.objects.filter(request=request).exists()


def test_turnaround_figures_run_a_constant_number_of_queries(
    api_clients, state_a, state_a_official, django_assert_num_queries
):
    routed_request(state_a, state_a_official)
    url = "/api/v1/assistance/turnaround/?region=GRULAC&regime=cwc&provider=opcw"
    # the region, the regime, the provider, the requests with their timestamps
    with django_assert_num_queries(4):
        assert api_clients["public"].get(url).json()["requests"] == 0
    for _ in range(4):
        routed_request(state_a, state_a_official)
    with django_assert_num_queries(4):
        assert api_clients["public"].get(url).status_code == 200
    with django_assert_num_queries(4):
        assert api_clients["public"].get(url.replace("&provider=opcw", "&area=legislation")).json()["requests"] == 5
