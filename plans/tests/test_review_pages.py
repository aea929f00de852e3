"""The Committee experts' action-plan pages: the list of States with plans, the items waiting for
assistance across States, and the review of one version with comments. Experts and administrators only."""

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from assistance.tests.helpers import persona
from plans import services
from plans.models import Plan, PlanComment
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db

CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


def new_version(state, official, *, items=(), **fields):
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)
    for data in items:
        services.add_item(plan, data, acting_user=official)
    return plan


def shared_plan(state, official, items=None, **fields):
    items = items if items is not None else [{"measure": "Adopt the Chemical Weapons Act", "cells": [CELL]}]
    plan = new_version(state, official, items=items, **fields)
    return services.submit(plan, acting_user=official)


@pytest.fixture
def plans_of_two_states(state_a, state_a_official, state_b, state_b_official):
    first = shared_plan(state_a, state_a_official, period_end="2027-12-31", items=[
        {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL], "status": "done"},
        {"measure": "Set up a licensing office", "assistance_needed": True},
    ])  # fmt: skip
    services.consent(first, acting_user=state_a_official)
    second = new_version(state_a, state_a_official)
    services.submit(second, acting_user=state_a_official)
    kenya = shared_plan(
        state_b, state_b_official, items=[{"measure": "Train border guards", "assistance_needed": True}]
    )
    return {"published": first, "waiting": second, "kenya": kenya}


@pytest.mark.parametrize(
    ("who", "status"),
    [("public", 302), ("state_a_official", 403), ("provider_chemical", 403), ("expert", 200), ("admin_user", 200)],
)
def test_only_experts_and_administrators_open_the_review_pages(request, plans_of_two_states, who, status):
    client = logged_in(persona(request, who))
    plan = plans_of_two_states["waiting"]
    urls = [
        reverse("plans:review_list"),
        reverse("plans:review_list") + "?tab=waiting",
        reverse("plans:review", args=[plan.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    response = client.post(reverse("plans:review_comment", args=[plan.pk]), {"body": "A remark."})
    assert response.status_code == (302 if status in (200, 302) else 403)
    assert PlanComment.objects.count() == (1 if status == 200 else 0)


def test_the_list_shows_how_current_each_states_plan_is(plans_of_two_states, expert, state_a, state_b):
    waiting = plans_of_two_states["waiting"]
    Plan.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=5))
    response = logged_in(expert).get(reverse("plans:review_list"))
    assert response.status_code == 200
    rows = {state.iso3: state for state in response.context["page"].object_list}
    assert set(rows) == {"JAM", "KEN"}
    jamaica, kenya = rows["JAM"], rows["KEN"]
    assert jamaica.plan_published.version == 1 and jamaica.plan_waiting.version == 2
    assert jamaica.days_waiting == 5
    assert (jamaica.plan_progress["done"], jamaica.plan_progress["total"]) == (1, 2)
    assert kenya.plan_published is None and kenya.plan_waiting == plans_of_two_states["kenya"]
    body = response.content.decode()
    assert "1/2 done (50%)" in body and "waiting 5 days" in body
    assert reverse("plans:review", args=[waiting.pk]) in body
    assert [t["count"] for t in response.context["tabs"]] == [2, 2]


def test_the_waiting_tab_lists_items_needing_assistance_across_states(plans_of_two_states, expert, state_a_official):
    response = logged_in(expert).get(reverse("plans:review_list"), {"tab": "waiting"})
    assert response.status_code == 200
    measures = [(item.plan.state.iso3, item.measure) for item in response.context["page"].object_list]
    # Jamaica's current version is version 2 (shared), copied from version 1: its item is listed once.
    assert measures == [("JAM", "Set up a licensing office"), ("KEN", "Train border guards")]
    assert logged_in(expert).get(reverse("plans:review_list"), {"tab": "nope"}).status_code == 400
    assert logged_in(expert).get(reverse("plans:review_list"), {"page": "x"}).status_code == 400
    assert logged_in(expert).get(reverse("plans:review_list"), {"page": "9"}).status_code == 404


def test_a_waiting_item_links_to_its_request_for_experts(state_a, state_a_official, expert):
    plan = new_version(state_a, state_a_official, items=[{"measure": "Train customs officers", "cells": [CELL]}])
    request = services.start_request(plan.items.get(), acting_user=state_a_official)
    services.submit(plan, acting_user=state_a_official)
    listing = logged_in(expert).get(reverse("plans:review_list"), {"tab": "waiting"})
    assert reverse("assistance:expert_request", args=[request.pk]) in listing.content.decode()
    review = logged_in(expert).get(reverse("plans:review", args=[plan.pk]))
    assert reverse("assistance:expert_request", args=[request.pk]) in review.content.decode()
    assert reverse("assistance:public_request", args=[request.pk]) not in review.content.decode()


def test_an_expert_comments_on_the_plan_and_on_an_item(plans_of_two_states, expert, state_a_official):
    plan = plans_of_two_states["waiting"]
    item = plan.items.get(measure="Set up a licensing office")
    client = logged_in(expert)
    url = reverse("plans:review_comment", args=[plan.pk])
    response = client.post(url, {"body": "Which ministry will license?", "item": item.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    response = client.post(url, {"body": "Give the period of the plan."})
    assert response.status_code == 302
    notes = list(PlanComment.objects.order_by("id").values_list("item_id", "author_id", "body"))
    assert notes == [
        (item.pk, expert.pk, "Which ministry will license?"),
        (None, expert.pk, "Give the period of the plan."),
    ]
    assert AuditEvent.objects.filter(verb="plan.comment").count() == 2
    page = client.get(reverse("plans:review", args=[plan.pk]))
    assert "Which ministry will license?" in text_of(page, f"item-{item.pk}")
    assert "Give the period of the plan." in text_of(page, "plan-comments")
    # The public never sees comments.
    services.consent(plan, acting_user=state_a_official)
    public = logged_in(None).get(reverse("plans:public_latest", args=["JAM"]))
    assert "Which ministry" not in public.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 5000},
        {"body": "Fine.", "item": "999999"},
        {"body": "Fine.", "item": "x"},
    ],
)
def test_a_bad_comment_is_refused_and_nothing_is_saved(plans_of_two_states, expert, data):
    plan = plans_of_two_states["waiting"]
    response = logged_in(expert).post(reverse("plans:review_comment", args=[plan.pk]), data)
    assert response.status_code == 400
    assert not PlanComment.objects.exists()
    assert not AuditEvent.objects.filter(verb="plan.comment").exists()


def test_an_item_of_another_version_or_a_published_version_is_refused(plans_of_two_states, expert):
    published, waiting = plans_of_two_states["published"], plans_of_two_states["waiting"]
    other_item = published.items.first()
    client = logged_in(expert)
    response = client.post(reverse("plans:review_comment", args=[waiting.pk]), {"body": "x", "item": other_item.pk})
    assert response.status_code == 400
    response = client.post(reverse("plans:review_comment", args=[published.pk]), {"body": "Too late."})
    assert response.status_code == 409
    assert "Comments are written on a version shared with the Committee" in response.content.decode()
    assert not PlanComment.objects.exists()


@pytest.fixture
def sized_states(request, reference, state_a, state_a_official, state_b, state_b_official):
    """`request.param` States' plans (the first published, then shared again), items needing assistance."""
    from portal.testing.factories import UserFactory
    from states.models import State

    size = request.param
    states = [state_a, state_b, *State.objects.exclude(pk__in=[state_a.pk, state_b.pk]).order_by("iso3")[: size - 2]]
    for state in states:
        official = (
            state_a_official
            if state == state_a
            else state_b_official
            if state == state_b
            else UserFactory(username=f"official-{state.iso3}", role="state_official", state=state)
        )
        plan = shared_plan(state, official, items=[
            {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL], "status": "done"},
            {"measure": "Set up a licensing office", "assistance_needed": True},
        ])  # fmt: skip
        services.consent(plan, acting_user=official)
        services.submit(new_version(state, official), acting_user=official)
    return size


@pytest.mark.parametrize("sized_states", [2, 6], indirect=True)
def test_the_review_pages_run_a_constant_number_of_queries(sized_states, expert, django_assert_num_queries):
    client = logged_in(expert)
    client.get(reverse("plans:review_list"))  # the session is read once
    with django_assert_num_queries(7):  # session, user, count, States, their versions, items, other tab
        response = client.get(reverse("plans:review_list"))
    assert len(response.context["page"].object_list) == sized_states
    with django_assert_num_queries(5):  # session, user, count, the page's items with their requests, other tab
        response = client.get(reverse("plans:review_list"), {"tab": "waiting"})
    assert len(response.context["page"].object_list) == sized_states
    plan = Plan.objects.filter(status="submitted").first()
    with django_assert_num_queries(6):  # session, user, the version, its items, cell labels, comments
        response = client.get(reverse("plans:review", args=[plan.pk]))
    assert len(response.context["items"]) == 2
