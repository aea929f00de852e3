"""Who may call each endpoint of the action plans API, at each stage of a plan's life: every role.

Personas: the public, an official of the plan's State (A) and of another State (B), a Committee
expert, an administrator, provider staff (OPCW) and State A's official with a read-only token. The
public and other States see only published versions (404 otherwise); only State A's officials write.
A denied call changes nothing: no plan, item, request or audit event.
"""

import pytest

from assistance.models import AssistanceRequest
from plans import services
from plans.models import Plan, PlanItem
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/plans/"
CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
PERSONAS = ["public", "official_a", "official_b", "expert", "admin", "opcw", "read_only"]


@pytest.fixture
def clients(api_client, token_client, state_a_official, state_b_official, expert, admin_user, provider_chemical):
    return {
        "public": api_client,
        "official_a": token_client(state_a_official),
        "official_b": token_client(state_b_official),
        "expert": token_client(expert),
        "admin": token_client(admin_user),
        "opcw": token_client(provider_chemical),
        "read_only": token_client(state_a_official, read_only=True),
    }


def plan_in(stage, state, official):
    """A plan of `state` with one item, at `stage`: draft, submitted or published."""
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028."}, acting_user=official)
    services.add_item(plan, {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL]}, acting_user=official)
    if stage in ("submitted", "published"):
        services.submit(plan, acting_user=official)
    if stage == "published":
        services.consent(plan, acting_user=official)
    plan.refresh_from_db()
    return plan


def snapshot(plan):
    plan.refresh_from_db()
    items = list(PlanItem.objects.order_by("id").values_list("id", "measure", "status", "request_id"))
    return (
        Plan.objects.count(), plan.status, plan.summary, items, AssistanceRequest.objects.count(),
        AuditEvent.objects.count(),
    )  # fmt: skip


# Who sees an unpublished version: its State's officials (a read-only token too), experts, administrators.
HIDDEN = {"public": 404, "official_b": 404, "opcw": 404}
SEES_UNPUBLISHED = {"official_a": 200, "expert": 200, "admin": 200, "read_only": 200}
EVERYONE = dict.fromkeys(PERSONAS, 200)
# A write on an unpublished version: the public needs a token, those who cannot see it get 404, the
# rest 403 (a read-only token never writes) but State A's official.
WRITE_HIDDEN = {"public": 401, "official_b": 404, "opcw": 404}
WRITE_PUBLISHED = {"public": 401}

# endpoint: (stage, method, path, body, {persona: status}); a persona not listed gets 403.
ENDPOINTS = {
    "retrieve-draft": ("draft", "get", "", None, {**HIDDEN, **SEES_UNPUBLISHED}),
    "retrieve-submitted": ("submitted", "get", "", None, {**HIDDEN, **SEES_UNPUBLISHED}),
    "retrieve-published": ("published", "get", "", None, EVERYONE),
    "items-draft": ("draft", "get", "items/", None, {**HIDDEN, **SEES_UNPUBLISHED}),
    "items-published": ("published", "get", "items/", None, EVERYONE),
    "update-draft": ("draft", "patch", "", {"summary": "Another summary"}, {**WRITE_HIDDEN, "official_a": 200}),
    "update-submitted": ("submitted", "patch", "", {"summary": "Another summary"},
                         {**WRITE_HIDDEN, "official_a": 409}),
    "update-published": ("published", "patch", "", {"summary": "Another summary"},
                         {**WRITE_PUBLISHED, "official_a": 409}),
    "submit": ("draft", "post", "submit/", None, {**WRITE_HIDDEN, "official_a": 200}),
    "submit-published": ("published", "post", "submit/", None, {**WRITE_PUBLISHED, "official_a": 409}),
    "reopen": ("submitted", "post", "reopen/", None, {**WRITE_HIDDEN, "official_a": 200}),
    "consent": ("submitted", "post", "consent/", None, {**WRITE_HIDDEN, "official_a": 200}),
    "consent-draft": ("draft", "post", "consent/", None, {**WRITE_HIDDEN, "official_a": 409}),
    "consent-published": ("published", "post", "consent/", None, {**WRITE_PUBLISHED, "official_a": 409}),
    "add-item": ("draft", "post", "items/", {"measure": "Train customs officers"},
                 {**WRITE_HIDDEN, "official_a": 201}),
    "add-item-published": ("published", "post", "items/", {"measure": "Train customs officers"},
                           {**WRITE_PUBLISHED, "official_a": 409}),
    "update-item": ("draft", "patch", "items/{item}/", {"status": "done"}, {**WRITE_HIDDEN, "official_a": 200}),
    "update-item-published": ("published", "patch", "items/{item}/", {"status": "done"},
                              {**WRITE_PUBLISHED, "official_a": 409}),
    "delete-item": ("draft", "delete", "items/{item}/", None, {**WRITE_HIDDEN, "official_a": 204}),
    "delete-item-published": ("published", "delete", "items/{item}/", None, {**WRITE_PUBLISHED, "official_a": 409}),
    "start-request": ("draft", "post", "items/{item}/request/", None, {**WRITE_HIDDEN, "official_a": 201}),
    "start-request-submitted": ("submitted", "post", "items/{item}/request/", None,
                                {**WRITE_HIDDEN, "official_a": 409}),
    "start-request-published": ("published", "post", "items/{item}/request/", None,
                                {**WRITE_PUBLISHED, "official_a": 409}),
}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_role_may_call_only_what_it_is_allowed_to(clients, state_a, state_a_official, endpoint, persona):
    stage, method, path, body, allowed = ENDPOINTS[endpoint]
    plan = plan_in(stage, state_a, state_a_official)
    url = f"{URL}{plan.pk}/{path.format(item=plan.items.get().pk)}"
    before = snapshot(plan)
    call = getattr(clients[persona], method)
    response = call(url, body, format="json") if body else call(url)
    expected = allowed.get(persona, 403)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["detail"], "a refusal says why"
        assert snapshot(plan) == before, "a denied call changes nothing"
    elif method == "get":
        assert snapshot(plan) == before
    else:
        assert snapshot(plan) != before, "an allowed write changes the plan"


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_states_officials_start_its_plan(clients, state_a, state_a_official, persona):
    plan = plan_in("published", state_a, state_a_official)
    before = snapshot(plan)
    response = clients[persona].post(URL, {"state": "JAM", "summary": "The next version."}, format="json")
    expected = {"public": 401, "official_a": 201}.get(persona, 403)
    assert response.status_code == expected, response.content
    if expected == 201:
        assert (response.json()["state"], response.json()["version"]) == ("JAM", 2)
    else:
        assert snapshot(plan) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_lists_the_versions_it_may_see(clients, state_a, state_a_official, state_b, state_b_official,
                                                 persona):  # fmt: skip
    published = plan_in("published", state_a, state_a_official)
    services.create(state_a, {"summary": "Next version"}, acting_user=state_a_official)
    plan_in("submitted", state_b, state_b_official)
    # What each persona sees: State A's published v1 and draft v2, State B's submitted v1.
    visible = {
        "public": ["JAM v1"], "opcw": ["JAM v1"], "official_a": ["JAM v2", "JAM v1"],
        "read_only": ["JAM v2", "JAM v1"], "official_b": ["JAM v1", "KEN v1"],
        "expert": ["JAM v2", "JAM v1", "KEN v1"], "admin": ["JAM v2", "JAM v1", "KEN v1"],
    }  # fmt: skip
    body = clients[persona].get(URL).json()
    assert [f"{p['state']} v{p['version']}" for p in body["results"]] == visible[persona]
    assert body["count"] == len(visible[persona])
    assert published.pk in [p["id"] for p in body["results"]]
