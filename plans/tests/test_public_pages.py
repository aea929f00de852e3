"""The public action-plan pages: published versions only, whoever asks; the versions and what changed
between two; a published version never changes; the State page's plan section."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from assistance import services as assistance_services
from assistance.tests.helpers import template
from plans import services
from plans.models import Plan
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db

CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
PAST = datetime.date(2020, 1, 31)


def new_version(state, official, *, items=(), **fields):
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)
    for data in items:
        services.add_item(plan, data, acting_user=official)
    return plan


def published_plan(state, official, *, items=None, **fields):
    items = items if items is not None else [{"measure": "Adopt the Chemical Weapons Act", "cells": [CELL]}]
    plan = new_version(state, official, items=items, **fields)
    services.submit(plan, acting_user=official)
    return services.consent(plan, acting_user=official)


def latest_url(state):
    return reverse("plans:public_latest", args=[state.iso3])


def test_the_public_sees_a_plan_only_once_the_state_has_consented(state_a, state_a_official, expert):
    plan = new_version(state_a, state_a_official, items=[{"measure": "Adopt the Chemical Weapons Act"}])
    version_url = reverse("plans:public_version", args=[state_a.iso3, plan.version])
    for client in (Client(), logged_in(state_a_official), logged_in(expert)):
        response = client.get(latest_url(state_a))
        assert response.status_code == 404
        assert "Jamaica has not published a national implementation action plan" in response.content.decode()
        assert client.get(version_url).status_code == 404
    services.submit(plan, acting_user=state_a_official)
    assert Client().get(latest_url(state_a)).status_code == 404
    assert Client().get(version_url).status_code == 404
    services.consent(plan, acting_user=state_a_official)
    response = Client().get(latest_url(state_a))
    assert response.status_code == 200
    assert "Adopt the Chemical Weapons Act" in text_of(response, "plan-items")
    assert Client().get(version_url).status_code == 200
    assert plan.get_absolute_url() == version_url


def test_the_public_page_shows_items_cells_progress_and_never_comments(state_a, state_a_official, expert):
    plan = new_version(
        state_a,
        state_a_official,
        title="National action plan 2026–2028",
        period_start="2026-01-01",
        period_end="2028-12-31",
        items=[
            {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL], "lead_agency": "Ministry of Justice",
             "target_date": PAST.isoformat(), "status": "under_way"},
            {"measure": "Train customs officers", "status": "done"},
            {"measure": "Set up a licensing office", "assistance_needed": True},
        ],
    )  # fmt: skip
    services.submit(plan, acting_user=state_a_official)
    services.comment(plan, body="Name the penalties (private remark).", acting_user=expert)
    services.consent(plan, acting_user=state_a_official)
    response = Client().get(latest_url(state_a))
    body = response.content.decode()
    items = text_of(response, "plan-items")
    assert "National action plan 2026–2028" in body
    assert "Ministry of Justice" in items and "under way" in items and "overdue" in items
    assert "OP2.MANUFACTURE" in items and "Chemical weapons" in items
    assert 'data-marker="waiting"' in body
    progress = text_of(response, "plan-progress")
    assert "1 of 3 measures done (33%)" in " ".join(text_of(response, "plan-progress").split())
    assert "1 overdue" in progress and "1 waiting for assistance" in progress
    assert "private remark" not in body


def test_only_a_published_assistance_request_is_linked(state_a, state_a_official):
    plan = new_version(state_a, state_a_official, items=[{"measure": "Train customs officers", "cells": [CELL]}])
    item = plan.items.get()
    request = services.start_request(item, acting_user=state_a_official)
    services.submit(plan, acting_user=state_a_official)
    services.consent(plan, acting_user=state_a_official)
    response = Client().get(latest_url(state_a))
    assert reverse("assistance:public_request", args=[request.pk]) not in response.content.decode()
    assert f"/assistance/expert/{request.pk}/" not in response.content.decode()
    assert f"/assistance/requests/{request.pk}/" not in response.content.decode()
    request = assistance_services.update(request, template(consent_to_publish=True), acting_user=state_a_official)
    assistance_services.submit(request, acting_user=state_a_official)
    response = Client().get(latest_url(state_a))
    assert reverse("assistance:public_request", args=[request.pk]) in response.content.decode()


def test_a_published_version_never_changes_when_the_next_draft_is_edited(state_a, state_a_official):
    first = published_plan(state_a, state_a_official)
    second = new_version(state_a, state_a_official)
    copied = second.items.get()
    services.update_item(copied, {"measure": "Adopt and enforce the Chemical Weapons Act", "status": "done"},
                         acting_user=state_a_official)  # fmt: skip
    services.update(second, {"summary": "A changed summary."}, acting_user=state_a_official)
    response = Client().get(reverse("plans:public_version", args=[state_a.iso3, first.version]))
    assert "Adopt the Chemical Weapons Act" in text_of(response, "plan-items")
    assert "enforce" not in response.content.decode() and "A changed summary" not in response.content.decode()
    latest = Client().get(latest_url(state_a))
    assert latest.context["plan"].version == first.version  # the draft is not shown
    assert Client().get(reverse("plans:public_version", args=[state_a.iso3, second.version])).status_code == 404


def test_versions_are_listed_and_compared(state_a, state_a_official):
    published_plan(state_a, state_a_official, items=[
        {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL]},
        {"measure": "Train customs officers"},
    ])  # fmt: skip
    second = new_version(state_a, state_a_official, title="Second plan")
    act, training = second.items.order_by("order")
    services.update_item(act, {"status": "done", "lead_agency": "Attorney General"}, acting_user=state_a_official)
    services.delete_item(training, acting_user=state_a_official)
    services.add_item(second, {"measure": "Draft biological safety rules"}, acting_user=state_a_official)
    services.submit(second, acting_user=state_a_official)
    services.consent(second, acting_user=state_a_official)

    page = Client().get(latest_url(state_a))
    versions = text_of(page, "plan-versions")
    assert "Version 1" in versions and "Version 2" in versions
    assert reverse("plans:public_diff", args=[state_a.iso3]) + "?from=1&amp;to=2" in page.content.decode()

    response = Client().get(reverse("plans:public_diff", args=[state_a.iso3]), {"from": 1, "to": 2})
    assert response.status_code == 200
    rows = {(row["change"], (row["new"] or row["old"]).measure): row for row in response.context["rows"]}
    assert set(rows) == {
        ("changed", "Adopt the Chemical Weapons Act"),
        ("removed", "Train customs officers"),
        ("added", "Draft biological safety rules"),
    }
    changed = rows[("changed", "Adopt the Chemical Weapons Act")]
    assert [c.field for c in changed["changes"]] == ["lead_agency", "status"]
    body = response.content.decode()
    assert 'data-field="status"' in body and '<ins class="plan-diff-new">done</ins>' in body
    assert '<ins class="plan-diff-new" lang="en" dir="auto">Attorney General</ins>' in body
    assert "Second plan" in text_of(response, "diff-plan")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "x", "to": "2"}, 400),
        ({"from": "1"}, 400),
        ({"from": "0", "to": "1"}, 400),
        ({"from": "1", "to": "1"}, 400),
        ({"from": "1", "to": "2"}, 404),  # version 2 is a draft
        ({"from": "1", "to": "9"}, 404),
    ],
)
def test_bad_or_unpublished_versions_in_a_comparison(state_a, state_a_official, params, status):
    published_plan(state_a, state_a_official)
    new_version(state_a, state_a_official)
    response = Client().get(reverse("plans:public_diff", args=[state_a.iso3]), params)
    assert response.status_code == status


def test_an_unknown_state_is_a_404_and_a_lower_case_code_redirects(state_a, state_a_official):
    published_plan(state_a, state_a_official)
    assert Client().get(reverse("plans:public_latest", args=["XXX"])).status_code == 404
    response = Client().get(reverse("plans:public_latest", args=["jam"]))
    assert response.status_code == 301 and response["Location"] == latest_url(state_a)


def test_the_state_page_section_shows_the_published_plan_and_to_officials_the_open_version(
    rf, state_a, state_a_official, state_b_official, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    from plans.queries import state_page_section

    request = rf.get("/")
    request.user = AnonymousUser()
    assert state_page_section(request, state_a) == {"plan_latest": None, "plan_progress": None, "plan_open": None}
    assert "No action plan published yet" in render_to_string(
        "plans/_state_plan.html", {"state": state_a, **state_page_section(request, state_a)}
    )
    published = published_plan(state_a, state_a_official, items=[
        {"measure": "Adopt the Chemical Weapons Act", "status": "done"},
        {"measure": "Set up a licensing office", "assistance_needed": True, "target_date": PAST.isoformat()},
        {"measure": "Train customs officers"},
    ])  # fmt: skip
    draft = new_version(state_a, state_a_official)
    with django_assert_num_queries(1):
        context = state_page_section(request, state_a)
    assert context["plan_latest"] == published and context["plan_open"] is None
    assert context["plan_progress"] == {
        "total": 3, "done": 1, "percent_done": 33, "overdue": 1, "waiting_for_assistance": 1
    }  # fmt: skip
    html = render_to_string("plans/_state_plan.html", {"state": state_a, **context})
    assert latest_url(state_a) in html and "1</strong> of 3 measures done (33%)" in html
    assert reverse("plans:edit", args=[draft.pk]) not in html
    request.user = state_b_official
    assert state_page_section(request, state_a)["plan_open"] is None
    request.user = state_a_official
    with django_assert_num_queries(2):
        context = state_page_section(request, state_a)
    assert context["plan_open"] == draft
    html = render_to_string("plans/_state_plan.html", {"state": state_a, **context})
    assert reverse("plans:edit", args=[draft.pk]) in html


@pytest.fixture
def sized_plan(request, state_a, state_a_official):
    size = request.param
    items = [{"measure": f"Measure {n}", "cells": [CELL], "target_date": PAST.isoformat()} for n in range(size)]
    published_plan(state_a, state_a_official, items=items)
    second = new_version(state_a, state_a_official)
    for item in second.items.all()[: size // 2]:
        services.update_item(item, {"status": "done"}, acting_user=state_a_official)
    services.submit(second, acting_user=state_a_official)
    services.consent(second, acting_user=state_a_official)
    return size


@pytest.mark.parametrize("sized_plan", [2, 12], indirect=True)
def test_the_public_pages_run_a_constant_number_of_queries(state_a, sized_plan, django_assert_num_queries):
    with django_assert_num_queries(5):  # State, version with its items, cell labels, versions
        response = Client().get(latest_url(state_a))
    assert len(response.context["items"]) == sized_plan
    with django_assert_num_queries(5):
        response = Client().get(reverse("plans:public_diff", args=[state_a.iso3]), {"from": 1, "to": 2})
    assert response.context["counts"]["changed"] == sized_plan // 2
    assert Plan.objects.count() == 2
