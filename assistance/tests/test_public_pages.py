"""The public assistance pages: aggregate figures, the requests published with the State's consent, their
filters, one published request without its contact person, and constant query counts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance import services
from assistance.models import AssistanceRequest
from assistance.tests.helpers import draft_request, routed_request, submit
from matrices.tests.helpers import draft

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "official_a", "official_b", "expert", "opcw", "iaea", "admin"]


@pytest.fixture
def requests_of_a(state_a, state_a_official, state_b, state_b_official):
    """Published and unpublished requests of both States."""
    return {
        "published": routed_request(state_a, state_a_official, title="Published chemical legislation help"),
        "no_consent": routed_request(state_a, state_a_official, title="Confidential request", consent_to_publish=False),
        "draft": draft_request(state_a, state_a_official, title="Draft with consent"),
        "kenya": submit(
            draft_request(
                state_b,
                state_b_official,
                title="Kenyan border help",
                area="BORDER_CONTROL",
                columns=["NW"],
                assistance_type="training",
            ),
            state_b_official,
        ),  # fmt: skip
    }


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_sees_the_same_published_requests(page_clients, requests_of_a, who):
    response = page_clients[who].get(reverse("assistance:public_index"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("published", "kenya"):
        obj = requests_of_a[name]
        assert obj.title in html and reverse("assistance:public_request", args=[obj.pk]) in html
    assert "Confidential request" not in html and "Draft with consent" not in html
    assert "Ms A. Example" not in html


@pytest.mark.parametrize("who", PERSONAS)
def test_a_published_request_is_public_without_its_contact_person(page_clients, requests_of_a, who):
    obj = requests_of_a["published"]
    response = page_clients[who].get(reverse("assistance:public_request", args=[obj.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert obj.title in html and "Jamaica" in html and obj.needs.get().description in html
    assert obj.contact_person not in html
    assert ">routed</span>" in html
    for match in obj.matches.select_related("provider"):
        assert match.provider.name in html


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("name", ["no_consent", "draft"])
def test_unpublished_requests_have_no_public_page_even_for_their_state(page_clients, requests_of_a, who, name):
    obj = requests_of_a[name]
    response = page_clients[who].get(reverse("assistance:public_request", args=[obj.pk]))
    assert response.status_code == 404
    assert obj.title.encode() not in response.content


def test_an_unknown_published_request_is_not_found(page_clients):
    assert page_clients["anonymous"].get(reverse("assistance:public_request", args=[999999])).status_code == 404


def test_public_pages_refuse_posts(page_clients, requests_of_a):
    obj = requests_of_a["published"]
    assert page_clients["anonymous"].post(reverse("assistance:public_index")).status_code == 405
    assert page_clients["official_a"].post(reverse("assistance:public_request", args=[obj.pk])).status_code == 405


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"area": "LEGISLATION"}, ["published"]),
        ({"area": "border_control"}, ["kenya"]),
        ({"region": "African"}, ["kenya"]),
        ({"region": "GRULAC"}, ["published"]),
        ({"status": "submitted"}, ["kenya"]),
        ({"status": "routed", "region": "GRULAC"}, ["published"]),
        ({"status": "claimed"}, []),
        ({}, ["kenya", "published"]),
    ],
)
def test_the_public_list_filters_by_area_region_and_status(page_clients, requests_of_a, query, expected):
    response = page_clients["anonymous"].get(reverse("assistance:public_index"), query)
    assert response.status_code == 200
    listed = [obj.pk for obj in response.context["page"]]
    assert sorted(listed) == sorted(requests_of_a[name].pk for name in expected)


@pytest.mark.parametrize("query", [{"area": "NOPE"}, {"region": "Atlantis"}, {"status": "draft"}])
def test_bad_filters_are_explained(page_clients, requests_of_a, query):
    response = page_clients["anonymous"].get(reverse("assistance:public_index"), query)
    assert response.status_code == 400
    assert b"Some filters are not valid" in response.content
    assert requests_of_a["published"].title.encode() not in response.content


def test_the_list_is_paginated_with_its_filters_kept(page_clients, state_a, state_a_official):
    for n in range(27):
        submit(draft_request(state_a, state_a_official, title=f"Request {n:02d}"), state_a_official)
    first = page_clients["anonymous"].get(reverse("assistance:public_index"), {"area": "LEGISLATION"})
    assert len(first.context["page"]) == 25 and b"Page 1 of 2" in first.content
    assert b"?area=LEGISLATION&amp;page=2" in first.content
    second = page_clients["anonymous"].get(reverse("assistance:public_index"), {"area": "LEGISLATION", "page": "2"})
    assert len(second.context["page"]) == 2


@pytest.mark.parametrize("page, status", [("abc", 400), ("0", 404), ("3", 404)])
def test_a_page_that_is_not_there_is_refused_not_replaced_by_another(
    page_clients, state_a, state_a_official, page, status
):
    """`?page=` as the API reads it: not a whole number is 400, past the end 404, never silently page 1."""
    for n in range(27):
        submit(draft_request(state_a, state_a_official, title=f"Request {n:02d}"), state_a_official)
    response = page_clients["anonymous"].get(reverse("assistance:public_index"), {"page": page})
    assert response.status_code == status
    assert b"Request 00" not in response.content


def test_the_figures_count_requests_by_status_area_and_region_with_median_times(
    page_clients, state_a, state_a_official, provider_chemical
):
    now = timezone.now()
    for hours in (2, 4, 30):
        obj = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=False)
        services.claim(obj, acting_user=provider_chemical)
        AssistanceRequest.objects.filter(pk=obj.pk).update(
            submitted_at=now - timedelta(hours=hours + 1), routed_at=now - timedelta(hours=hours), claimed_at=now
        )
    draft_request(state_a, state_a_official)
    response = page_clients["anonymous"].get(reverse("assistance:public_index"))
    html = response.content.decode()
    stages = {s["label"]: s for s in response.context["stages"]}
    claim = stages["Time to claim (routed to claimed)"]
    assert claim["count"] == 3 and claim["median"] == "4.0 h"
    assert stages["Time to route (submitted to routed)"]["median"] == "1.0 h"
    assert [(row["label"], row["count"]) for row in response.context["by_status"]] == [("claimed", 3)]
    assert [(row["label"], row["requests"]) for row in response.context["by_area"]] == [
        ("Legislative drafting and review", 3)
    ]
    assert response.context["by_region"][0]["label"] == "GRULAC"
    assert "4.0 h" in html and "Legislative drafting and review" in html and "GRULAC" in html
    # The figures are aggregates: the unpublished requests' titles stay private.
    assert "Penal provisions for chemical weapons offences" not in html


@pytest.mark.parametrize(
    "delta, shown",
    [(timedelta(days=5), "5.0 days"), (timedelta(hours=7.5), "7.5 h"), (timedelta(minutes=20), "20 min")],
)
def test_durations_are_shown_in_minutes_hours_or_days(page_clients, state_a, state_a_official, delta, shown):
    obj = routed_request(state_a, state_a_official)
    now = timezone.now()
    AssistanceRequest.objects.filter(pk=obj.pk).update(submitted_at=now - delta, routed_at=now)
    response = page_clients["anonymous"].get(reverse("assistance:public_index"))
    assert response.context["stages"][0]["median"] == shown
    assert response.context["stages"][1]["median"] == "—"


def test_with_no_request_the_page_says_so(page_clients):
    response = page_clients["anonymous"].get(reverse("assistance:public_index"))
    assert response.status_code == 200
    assert b"No request has been submitted yet." in response.content
    assert b"0 published requests" in response.content


def test_text_typed_by_states_is_escaped(page_clients, state_a, state_a_official):
    obj = routed_request(
        state_a, state_a_official, title='Customs & "border" <> training',
        needs=[{"description": "Line one\nLine two & more", "cells": []}],
    )  # fmt: skip
    index = page_clients["anonymous"].get(reverse("assistance:public_index")).content.decode()
    assert "Customs &amp; &quot;border&quot; &lt;&gt; training" in index
    page = page_clients["anonymous"].get(reverse("assistance:public_request", args=[obj.pk])).content.decode()
    assert "Line one<br>Line two &amp; more" in page


@pytest.fixture(params=["small", "large"])
def sized_published(request, state_a, state_a_official, state_b, state_b_official, provider_chemical):
    """Published requests of both States, few or many, with needs pointing at their matrices' cells."""
    large = request.param == "large"
    count = 12 if large else 2
    matrices = {state_a.pk: draft(state_a, state_a_official), state_b.pk: draft(state_b, state_b_official)}
    rows = ["OP2.MANUFACTURE", "OP2.USE", "OP2.TRANSFER"] if large else ["OP2.MANUFACTURE"]
    for n in range(count):
        state, official = (state_a, state_a_official) if n % 2 else (state_b, state_b_official)
        cells = [{"matrix": matrices[state.pk].pk, "row": row, "column": "CW", "aspect": "framework"} for row in rows]
        needs = [{"description": f"Need {i}", "cells": cells} for i in range(len(rows))]
        obj = routed_request(state, official, title=f"Request {n}", preferred_providers=["opcw"], needs=needs)
        if n % 3 == 0 and n % 2:
            services.claim(obj, acting_user=provider_chemical)
    return count


def test_the_public_index_runs_a_constant_number_of_queries(page_clients, sized_published, django_assert_num_queries):
    client = Client()
    client.get(reverse("assistance:public_index"))  # the figures are cached after the first visit
    with django_assert_num_queries(7):  # + the States of the State filter
        response = client.get(reverse("assistance:public_index"), {"area": "LEGISLATION", "region": "GRULAC"})
    assert response.status_code == 200
    with django_assert_num_queries(5):
        response = client.get(reverse("assistance:public_index"))
    assert len(response.context["page"]) == sized_published


def test_a_public_request_page_runs_a_constant_number_of_queries(
    page_clients, sized_published, django_assert_num_queries
):
    obj = AssistanceRequest.objects.filter(claimed_by__isnull=False).first() or AssistanceRequest.objects.first()
    with django_assert_num_queries(6):  # the matches are read with their provider and offer in one query
        response = Client().get(reverse("assistance:public_request", args=[obj.pk]))
    assert response.status_code == 200
