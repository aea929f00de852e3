"""The action plans API: the contract's payload, the life of a plan through the API, the item-to-request
link both ways, validation, filters, paging and a constant number of queries."""

import datetime

import pytest
from django.urls import reverse

from assistance.models import AssistanceRequest
from plans import services
from plans.models import Plan, PlanItem
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/plans/"
CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


@pytest.fixture
def official(token_client, state_a_official):
    return token_client(state_a_official)


def draft(state, official, *measures, **fields):
    plan = services.create(state, {"summary": "Close the chemical gaps by 2028.", **fields}, acting_user=official)
    for measure in measures:
        services.add_item(plan, {"measure": measure, "cells": [CELL]}, acting_user=official)
    return plan


def published(state, official, *measures):
    plan = draft(state, official, *(measures or ["Adopt the Chemical Weapons Act"]))
    services.submit(plan, acting_user=official)
    return services.consent(plan, acting_user=official)


def changes():
    """What a refused call must leave as it was."""
    return (
        list(Plan.objects.order_by("id").values_list("id", "status", "summary", "period_end")),
        list(PlanItem.objects.order_by("id").values_list("id", "measure", "status", "cells")),
        AuditEvent.objects.count(),
    )


def test_an_official_drafts_shares_and_publishes_a_plan_through_the_api(official, api_client, state_a):
    created = official.post(
        URL, {"summary": "Close the chemical gaps.", "title": "National plan", "period_start": "2026-01-01",
              "period_end": "2028-12-31", "language": "fr"}, format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    plan = created.json()
    assert {k: plan[k] for k in ("state", "version", "status", "title", "period_start", "period_end", "language")} == {
        "state": "JAM", "version": 1, "status": "draft", "title": "National plan", "period_start": "2026-01-01",
        "period_end": "2028-12-31", "language": "fr",
    }  # fmt: skip
    assert (plan["items"], plan["document"], plan["based_on"], plan["submitted_at"]) == ([], None, None, None)
    assert plan["progress"] == {"total": 0, "done": 0, "percent_done": 0, "overdue": 0, "waiting_for_assistance": 0}
    detail = f"{URL}{plan['id']}/"
    item = official.post(f"{detail}items/", {"measure": "Adopt the Chemical Weapons Act", "cells": [CELL],
                                             "lead_agency": "Ministry of Justice", "target_date": "2027-06-30"},
                         format="json")  # fmt: skip
    assert item.status_code == 201, item.content
    assert {k: item.json()[k] for k in ("measure", "cells", "lead_agency", "target_date", "status", "request")} == {
        "measure": "Adopt the Chemical Weapons Act", "cells": [CELL], "lead_agency": "Ministry of Justice",
        "target_date": "2027-06-30", "status": "planned", "request": None,
    }  # fmt: skip
    changed = official.patch(f"{detail}items/{item.json()['id']}/", {"status": "under_way"}, format="json")
    assert changed.status_code == 200 and changed.json()["status"] == "under_way"
    assert changed.json()["measure"] == "Adopt the Chemical Weapons Act", "the fields not given are kept"
    patched = official.patch(detail, {"summary": "Close every chemical gap."}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "National plan"
    assert official.post(f"{detail}submit/").json()["status"] == "submitted"
    assert api_client.get(detail).status_code == 404, "shared with the Committee is not public"
    assert api_client.get(URL).json()["count"] == 0
    assert official.post(f"{detail}reopen/").json()["status"] == "draft"
    official.post(f"{detail}submit/")
    consented = official.post(f"{detail}consent/")
    assert consented.status_code == 200 and consented.json()["published_at"]
    public = api_client.get(detail)
    assert public.status_code == 200 and public.json()["summary"] == "Close every chemical gap."
    assert Plan.objects.get().status == "published"
    assert {"plan.create", "plan.add_item", "plan.update_item", "plan.update", "plan.submit", "plan.reopen",
            "plan.publish"} <= set(AuditEvent.objects.values_list("verb", flat=True))  # fmt: skip


def test_a_published_plan_and_its_items_never_change(official, state_a, state_a_official):
    plan = published(state_a, state_a_official)
    item = plan.items.get()
    before = changes()
    detail = f"{URL}{plan.pk}/"
    calls = [
        official.patch(detail, {"summary": "Changed"}, format="json"),
        official.post(f"{detail}items/", {"measure": "Another"}, format="json"),
        official.patch(f"{detail}items/{item.pk}/", {"status": "done"}, format="json"),
        official.delete(f"{detail}items/{item.pk}/"),
        official.post(f"{detail}submit/"),
        official.post(f"{detail}reopen/"),
    ]
    assert [c.status_code for c in calls] == [409] * 6
    assert {c.json()["code"] for c in calls} == {"invalid-transition"}
    assert changes() == before
    # The next version starts as a draft copied from it.
    second = official.post(URL, {"summary": "The second plan."}, format="json").json()
    assert (second["version"], second["based_on"], second["status"]) == (2, plan.pk, "draft")
    assert [i["key"] for i in second["items"]] == [item.key]
    assert official.post(URL, {"summary": "A third."}, format="json").status_code == 409, "one open version"


def test_a_plan_kept_as_a_document_gives_its_download_address(official, api_client, state_a, state_a_official,
                                                               settings, tmp_path):  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    plan = draft(state_a, state_a_official)
    assert official.get(f"{URL}{plan.pk}/").json()["document"] is None
    document = SimpleUploadedFile("Plan.pdf", b"%PDF-1.4\n% a plan\n", content_type="application/pdf")
    services.attach_document(plan, document=document, acting_user=state_a_official)
    submitted = official.post(f"{URL}{plan.pk}/submit/")
    assert submitted.status_code == 200, "a document stands for the items"
    assert submitted.json()["document"] == reverse("plans:document", args=[plan.pk])


def test_put_is_not_a_way_to_change_a_plan(official, state_a, state_a_official):
    plan = draft(state_a, state_a_official)
    response = official.put(f"{URL}{plan.pk}/", {"summary": "Changed"}, format="json")
    assert response.status_code == 405
    assert official.delete(f"{URL}{plan.pk}/").status_code == 405
    assert Plan.objects.get().summary == "Close the chemical gaps by 2028."


def test_the_state_defaults_to_the_officials_and_must_be_known(token_client, official, expert, state_b):
    assert official.post(URL, {"state": "jam", "summary": "Ours."}, format="json").json()["state"] == "JAM"
    refused = token_client(expert).post(URL, {"summary": "Whose?"}, format="json")
    assert refused.status_code == 400 and "state" in refused.json()["errors"]
    assert official.post(URL, {"state": "XXX", "summary": "Nobody's."}, format="json").status_code == 400
    other = official.post(URL, {"state": "KEN", "summary": "Theirs."}, format="json")
    assert other.status_code == 403 and not Plan.objects.filter(state=state_b).exists()
    plan = Plan.objects.get()
    moved = official.patch(f"{URL}{plan.pk}/", {"state": "KEN"}, format="json")
    assert moved.status_code == 400 and Plan.objects.get().state.iso3 == "JAM"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "No summary"}, "summary"),
        ({"summary": ""}, "summary"),
        ({"summary": 42}, "summary"),
        ({"summary": "S", "period_start": "2027-01-01", "period_end": "2026-01-01"}, "period_end"),
        ({"summary": "S", "period_start": "2026-13-01"}, "period_start"),
        ({"summary": "S", "period_end": 2026}, "period_end"),
        ({"summary": "S", "language": "xx"}, "language"),
        ({"summary": "S", "status": "published"}, "status"),
        ({"summary": "S", "owner": "me"}, "owner"),
    ],
)
def test_a_plan_refused_field_by_field_changes_nothing(official, state_a, body, field):
    before = changes()
    response = official.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert changes() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"cells": [CELL]}, "measure"),
        ({"measure": "  "}, "measure"),
        ({"measure": "M", "cells": [{"row": "NOPE", "column": "CW", "aspect": "framework"}]}, "cells"),
        ({"measure": "M", "cells": [{"row": "OP2.MANUFACTURE", "column": "XW"}]}, "cells"),
        ({"measure": "M", "cells": "OP2.MANUFACTURE"}, "cells"),
        ({"measure": "M", "status": "finished"}, "status"),
        ({"measure": "M", "target_date": "next year"}, "target_date"),
        ({"measure": "M", "assistance_needed": "yes"}, "assistance_needed"),
        ({"measure": "M", "request": 1}, "request"),
    ],
)
def test_an_item_refused_field_by_field_changes_nothing(official, state_a, state_a_official, body, field):
    plan = draft(state_a, state_a_official, "Adopt the Chemical Weapons Act")
    item = plan.items.get()
    before = changes()
    added = official.post(f"{URL}{plan.pk}/items/", body, format="json")
    assert added.status_code == 400, added.content
    assert field in added.json()["errors"]
    if field != "measure":
        changed = official.patch(f"{URL}{plan.pk}/items/{item.pk}/", body, format="json")
        assert changed.status_code == 400 and field in changed.json()["errors"], changed.content
    assert changes() == before


def test_an_unknown_plan_or_item_is_not_found(official, state_a, state_a_official, state_b, state_b_official):
    plan = draft(state_a, state_a_official, "Adopt the Chemical Weapons Act")
    other = draft(state_b, state_b_official, "Their measure")
    for url in [f"{URL}999999/", f"{URL}abc/", f"{URL}{plan.pk}/items/999999/", f"{URL}{plan.pk}/items/x/",
                f"{URL}{plan.pk}/items/{other.items.get().pk}/"]:  # fmt: skip
        response = official.patch(url, {"summary": "S", "measure": "M"}, format="json")
        assert response.status_code in (400, 404), url
        assert official.patch(url, {}, format="json").status_code == 404, url
    assert PlanItem.objects.get(plan=other).measure == "Their measure"


def test_creating_a_plan_and_an_item_is_idempotent(official, state_a):
    headers = {"HTTP_IDEMPOTENCY_KEY": "plan-1"}
    first = official.post(URL, {"summary": "Ours."}, format="json", **headers)
    again = official.post(URL, {"summary": "Ours."}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert Plan.objects.count() == 1
    items = f"{URL}{first.json()['id']}/items/"
    first_item = official.post(items, {"measure": "M"}, format="json", HTTP_IDEMPOTENCY_KEY="item-1")
    again_item = official.post(items, {"measure": "M"}, format="json", HTTP_IDEMPOTENCY_KEY="item-1")
    assert first_item.json()["id"] == again_item.json()["id"] and PlanItem.objects.count() == 1


def test_items_are_listed_and_deleted(official, api_client, state_a, state_a_official):
    plan = draft(state_a, state_a_official, "First", "Second")
    listed = official.get(f"{URL}{plan.pk}/items/").json()
    assert [i["measure"] for i in listed] == ["First", "Second"]
    assert official.delete(f"{URL}{plan.pk}/items/{listed[0]['id']}/").status_code == 204
    assert list(plan.items.values_list("measure", flat=True)) == ["Second"]
    assert api_client.get(f"{URL}{plan.pk}/items/").status_code == 404
    assert official.get(f"{URL}{plan.pk}/items/?page=1").status_code == 400, "the items are not paged"


def test_progress_counts_done_overdue_and_waiting_items(official, state_a, state_a_official):
    plan = draft(state_a, state_a_official)
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    for body in [
        {"measure": "Done", "status": "done", "target_date": yesterday},
        {"measure": "Late", "target_date": yesterday},
        {"measure": "Needs help", "assistance_needed": True},
        {"measure": "On time", "target_date": "2999-01-01"},
    ]:
        services.add_item(plan, body, acting_user=state_a_official)
    body = official.get(f"{URL}{plan.pk}/").json()
    assert body["progress"] == {"total": 4, "done": 1, "percent_done": 25, "overdue": 1, "waiting_for_assistance": 1}
    assert [(i["measure"], i["overdue"], i["waiting_for_assistance"]) for i in body["items"]] == [
        ("Done", False, False), ("Late", True, False), ("Needs help", False, True), ("On time", False, False),
    ]  # fmt: skip


def test_an_item_starts_its_request_and_both_point_at_each_other(official, token_client, state_a, state_a_official,
                                                                 expert):  # fmt: skip
    plan = draft(state_a, state_a_official, "Train customs officers on CW precursors")
    item = plan.items.get()
    url = f"{URL}{plan.pk}/items/{item.pk}/request/"
    started = official.post(url)
    assert started.status_code == 201, started.content
    request_id = started.json()["request"]
    assert AssistanceRequest.objects.get(pk=request_id).status == "draft"
    again = official.post(url)
    assert again.status_code == 200 and again.json() == {"request": request_id}
    assert AssistanceRequest.objects.count() == 1
    services.submit(plan, acting_user=state_a_official)
    assert official.post(url).status_code == 409, "a shared version is not changed"
    shown = official.get(f"{URL}{plan.pk}/").json()["items"][0]
    assert (shown["request"], shown["request_status"], shown["assistance_needed"]) == (request_id, "draft", True)
    assert shown["waiting_for_assistance"] is True
    assistance = official.get(f"/api/v1/assistance/requests/{request_id}/").json()
    assert assistance["plan_item"] == item.pk
    listed = token_client(expert).get("/api/v1/assistance/requests/").json()["results"]
    assert [(r["id"], r["plan_item"]) for r in listed] == [(request_id, item.pk)]


def test_a_request_points_at_the_latest_plan_version_its_reader_may_see(
    official, api_client, token_client, state_a, state_a_official, state_b_official
):
    plan = draft(state_a, state_a_official, "Train customs officers")
    item = plan.items.get()
    request = services.start_request(item, acting_user=state_a_official)
    AssistanceRequest.objects.filter(pk=request.pk).update(consent_to_publish=True, status="routed")
    url = f"/api/v1/assistance/requests/{request.pk}/"
    assert token_client(state_b_official).get(url).json()["plan_item"] is None, "the draft plan is not theirs"
    services.submit(plan, acting_user=state_a_official)
    services.consent(plan, acting_user=state_a_official)
    assert api_client.get(url).json()["plan_item"] == item.pk
    second = draft(state_a, state_a_official)
    copied = second.items.get()
    assert copied.request_id == request.pk
    assert official.get(url).json()["plan_item"] == copied.pk, "the State sees its newest version"
    assert api_client.get(url).json()["plan_item"] == item.pk, "the public sees the published one"


def test_plans_are_filtered_by_state_and_status(official, token_client, expert, state_a, state_a_official,
                                                state_b, state_b_official):  # fmt: skip
    published(state_a, state_a_official)
    draft(state_a, state_a_official)
    draft(state_b, state_b_official, "Theirs")
    reviewer = token_client(expert)

    def listed(query):
        response = reviewer.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [(p["state"], p["version"], p["status"]) for p in response.json()["results"]]

    assert listed("state=JAM") == [("JAM", 2, "draft"), ("JAM", 1, "published")]
    assert listed("state=ken") == [("KEN", 1, "draft")]
    assert listed("status=published") == [("JAM", 1, "published")]
    assert listed("state=KEN&status=draft") == [("KEN", 1, "draft")]
    for query in ["state=XXX", "status=finished", "owner=me", "page=0", "page=abc", "page_size=0", "page_size=501"]:
        response = reviewer.get(f"{URL}?{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] in ("invalid", "unknown-parameter", "invalid-parameter"), query
    assert reviewer.get(f"{URL}?page=99").status_code == 404
    paged = reviewer.get(f"{URL}?page_size=2&page=2").json()
    assert (paged["count"], len(paged["results"]), paged["next"]) == (3, 1, None)


def test_the_plan_list_and_a_plan_run_a_constant_number_of_queries(
    token_client, expert, state_a, state_a_official, state_b, state_b_official, django_assert_num_queries
):
    reviewer = token_client(expert)
    plan = draft(state_a, state_a_official, "One")
    services.start_request(plan.items.get(), acting_user=state_a_official)
    services.submit(plan, acting_user=state_a_official)
    services.consent(plan, acting_user=state_a_official)
    reviewer.get(URL)  # the token's first use is written down once: keep it out of the count
    # token, count, page of plans with their States, their items with their requests
    with django_assert_num_queries(4):
        assert reviewer.get(URL).json()["count"] == 1
    with django_assert_num_queries(3):  # token, the plan with its State, its items with their requests
        assert len(reviewer.get(f"{URL}{plan.pk}/").json()["items"]) == 1
    second = draft(state_a, state_a_official, "Two", "Three", "Four")
    for item in second.items.all():
        services.start_request(item, acting_user=state_a_official)
    published(state_b, state_b_official, "Five", "Six")
    with django_assert_num_queries(4):
        assert reviewer.get(URL).json()["count"] == 3
    with django_assert_num_queries(3):
        assert len(reviewer.get(f"{URL}{second.pk}/").json()["items"]) == 4


def test_a_published_plan_keeps_an_unpublished_request_private(official, api_client, state_a, state_a_official):
    """The State consented to publishing its plan, not the request started from an item: the public sees
    that assistance was asked for, not the request's id or status, until the request is published."""
    plan = draft(state_a, state_a_official, "Train customs officers")
    item = plan.items.get()
    request = services.start_request(item, acting_user=state_a_official)
    services.submit(plan, acting_user=state_a_official)
    services.consent(plan, acting_user=state_a_official)
    public_item = api_client.get(f"{URL}{plan.pk}/").json()["items"][0]
    assert (public_item["request"], public_item["request_status"], public_item["assistance_needed"]) == (
        None,
        None,
        True,
    )
    own_item = official.get(f"{URL}{plan.pk}/").json()["items"][0]
    assert (own_item["request"], own_item["request_status"]) == (request.pk, "draft")
