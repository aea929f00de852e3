"""Finding action plans by text: the API's `search` filter and the site search (`/search/`), which lists
the published plans only, whoever searches, with a constant number of queries."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from plans import services
from plans.search import published_plans
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/plans/"
CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def draft(state, official, *items, document=None, **fields):
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)
    for measure, agency in items:
        services.add_item(plan, {"measure": measure, "lead_agency": agency, "cells": [CELL]}, acting_user=official)
    if document:
        upload = SimpleUploadedFile(document, b"%PDF-1.4\n% a plan\n", content_type="application/pdf")
        services.attach_document(plan, document=upload, acting_user=official)
    return plan


def shared(state, official, *items, **fields):
    plan = draft(state, official, *items, **fields)
    return services.submit(plan, acting_user=official) or plan


def published(state, official, *items, **fields):
    plan = draft(state, official, *items, **fields)
    services.submit(plan, acting_user=official)
    return services.consent(plan, acting_user=official)


@pytest.fixture
def plans(state_a, state_a_official, state_b, state_b_official):
    """Jamaica: v1 published (its summary and items), v2 shared with the Committee; Kenya: v1 published
    as a document, v2 a draft."""
    jamaica = published(
        state_a, state_a_official, ("Adopt the Chemical Weapons Act", "Ministry of Justice"),
        ("Train customs officers", "Customs Department"), summary="Close the biological export gaps.",
    )  # fmt: skip
    shared(state_a, state_a_official, ("Secret shared measure zebra", "Shared Agency Zebra"), summary="Zebra shared.")
    kenya = published(state_b, state_b_official, document="Kenya National Action Plan 2026.pdf", summary="Kenya.")
    draft(state_b, state_b_official, ("Unpublished draft measure zebra", "Draft Agency"), summary="Zebra draft.")
    return {"jamaica": jamaica, "kenya": kenya}


# ---------------------------------------------------------------------------------------------
# The API


def found(client, text):
    response = client.get(URL, {"search": text})
    assert response.status_code == 200, response.content
    return [(p["state"], p["version"], p["status"]) for p in response.json()["results"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("biological EXPORT", [("JAM", 1, "published")]),  # the summary, any case
        ("chemical weapons", [("JAM", 1, "published")]),  # an item's measure
        ("customs department", [("JAM", 1, "published")]),  # an item's lead agency
        ("national action plan 2026", [("KEN", 1, "published")]),  # the document's name
        ("zebra", []),  # only in a shared version and a draft
        ("  ", [("JAM", 1, "published"), ("KEN", 1, "published")]),
    ],
)
def test_the_api_finds_published_plans_by_text(api_client, plans, text, expected):
    assert found(api_client, text) == expected


def test_a_plan_matching_by_several_items_is_listed_once(api_client, plans):
    response = api_client.get(URL, {"search": "t"})  # in both Jamaican measures, its summary and Kenya's file
    assert response.json()["count"] == 2
    assert [p["state"] for p in response.json()["results"]] == ["JAM", "KEN"]


def test_the_api_search_sees_what_the_caller_may_see(token_client, expert, state_b_official, plans):
    assert found(token_client(expert), "zebra") == [("JAM", 2, "submitted"), ("KEN", 2, "draft")]
    assert found(token_client(state_b_official), "zebra") == [("KEN", 2, "draft")]


def test_the_api_refuses_a_search_too_long(api_client, plans):
    response = api_client.get(URL, {"search": "x" * 101})
    assert response.status_code == 400


def test_the_api_search_runs_a_constant_number_of_queries(
    api_client, state_a, state_a_official, state_b, state_b_official, django_assert_num_queries
):
    published(state_a, state_a_official, ("Adopt the Chemical Weapons Act", "Justice"))
    with django_assert_num_queries(3):  # count, page of plans with their States, their items
        assert api_client.get(URL, {"search": "chemical"}).json()["count"] == 1
    published(state_b, state_b_official, *[(f"Chemical measure {i}", "Justice") for i in range(5)])
    with django_assert_num_queries(3):
        assert api_client.get(URL, {"search": "chemical"}).json()["count"] == 2


# ---------------------------------------------------------------------------------------------
# The site search


def plan_links(response):
    assert response.status_code == 200
    section = re.search(r'<section class="search-documents.*?</section>', response.content.decode(), re.S)
    return re.findall(r'href="(/states/[A-Z]{3}/plan/v\d+/)"', section.group(0)) if section else []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("biological export", ["/states/JAM/plan/v1/"]),
        ("chemical weapons", ["/states/JAM/plan/v1/"]),
        ("Customs Department", ["/states/JAM/plan/v1/"]),
        ("National Action Plan 2026", ["/states/KEN/plan/v1/"]),
        ("zebra", []),
    ],
)
def test_the_site_search_lists_published_plans_with_a_link(client, plans, text, expected):
    assert plan_links(client.get("/search/", {"q": text})) == expected
    assert plans["jamaica"].get_absolute_url() == "/states/JAM/plan/v1/"


@pytest.mark.parametrize("persona", ["state_a_official", "state_b_official", "expert"])
def test_the_site_search_never_lists_a_draft_or_a_shared_version_whoever_searches(request, plans, persona):
    client = logged_in(request.getfixturevalue(persona))
    response = client.get("/search/", {"q": "zebra"})
    assert plan_links(response) == []
    assert "Zebra" not in response.content.decode()


def test_plans_are_narrowed_to_the_state_or_regional_group_asked_for(client, plans, state_a, state_b):
    assert [p["url"] for p in published_plans("plan", state="KEN")] == ["/states/KEN/plan/v1/"]
    assert published_plans("national action plan", state="JAM") == []
    region = state_a.region.name
    expected = ["/states/JAM/plan/v1/"] if region != state_b.region.name else []
    assert plan_links(client.get("/search/", {"q": "biological", "region": region})) == expected
    assert plan_links(client.get("/search/", {"q": "biological", "region": state_b.region.name})) == (
        [] if region != state_b.region.name else ["/states/JAM/plan/v1/"]
    )


def test_the_site_search_lists_at_most_ten_plans_with_a_constant_number_of_queries(
    state_a, state_a_official, django_assert_num_queries
):
    client = Client()
    # the matrices' search finding no cell (3) and the plans found (1)
    with django_assert_num_queries(4):
        assert plan_links(client.get("/search/", {"q": "chemical"})) == []
    for version in range(12):
        plan = published(state_a, state_a_official, (f"Chemical measure {version}", "Justice"))
        assert plan.version == version + 1
    with django_assert_num_queries(4):
        links = plan_links(client.get("/search/", {"q": "chemical"}))
    assert links == [f"/states/JAM/plan/v{n}/" for n in range(12, 2, -1)]
