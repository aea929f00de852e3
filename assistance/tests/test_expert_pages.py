"""The experts' assistance pages: every request with tabs, one request with re-routing and assignment
by hand, and the turnaround dashboard, for every persona; refusals change nothing."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assistance import services
from assistance.models import AssistanceRequest, Match, RoutingJob
from assistance.reasons import reason_texts
from assistance.tests.helpers import persona, routed_request
from portal.audit.models import AuditEvent
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

DENIED = ["state_a_official", "state_b_official", "provider_chemical", "provider_nuclear"]
ALLOWED = ["expert", "admin_user"]
LIST_QUERIES = 8  # session, user, 3 lists of choices (area, State, region), tab counts, page, matches
DASHBOARD_QUERIES = 7  # session, user, the figures, 4 lists of choices (provider, area, region, regime)


@pytest.fixture(autouse=True)
def _every_fitting_provider_is_matched(settings):
    settings.ASSISTANCE_MAX_MATCHES = 20


def unmatched_request(state, official, **overrides):
    """No provider lists the financing controls area: routing finds nobody."""
    values = {"area": "FINANCING_CONTROLS", "title": "Counter-proliferation financing rules", **overrides}
    req = routed_request(state, official, **values)
    assert req.status == "unmatched"
    return req


@pytest.fixture
def unmatched(state_a, state_a_official):
    return unmatched_request(state_a, state_a_official)


def url(name, req=None):
    return reverse(f"assistance:{name}", args=[req.pk] if req is not None else [])


def snapshot(req):
    req = AssistanceRequest.objects.get(pk=req.pk)
    return (
        req.status,
        req.routed_at,
        list(Match.objects.filter(request=req).values_list("provider_id", "score", "assigned_by_expert")),
        RoutingJob.objects.filter(request=req).count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# Who may open the pages


@pytest.mark.parametrize(
    "who, expected", [("public", 302), *[(name, 403) for name in DENIED], *[(name, 200) for name in ALLOWED]]
)
def test_expert_pages_open_for_experts_and_administrators_only(request, unmatched, who, expected):
    client = logged_in(persona(request, who))
    for address in (url("expert_requests"), url("expert_request", unmatched), url("turnaround")):
        response = client.get(address)
        assert response.status_code == expected, address
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/")
        if expected == 403:
            assert "Counter-proliferation financing rules" not in response.content.decode()


@pytest.mark.parametrize("who", ["public", *DENIED])
@pytest.mark.parametrize("action", ["expert_reroute", "expert_assign"])
def test_a_denied_routing_action_changes_nothing(request, unmatched, who, action):
    before = snapshot(unmatched)
    response = logged_in(persona(request, who)).post(url(action, unmatched), {"provider": "opcw"})
    assert response.status_code == (302 if who == "public" else 403)
    assert snapshot(unmatched) == before


def test_routing_actions_need_a_post(expert, unmatched):
    client = logged_in(expert)
    assert client.get(url("expert_reroute", unmatched)).status_code == 405
    assert client.get(url("expert_assign", unmatched) + "?provider=opcw").status_code == 405
    assert AssistanceRequest.objects.get(pk=unmatched.pk).status == "unmatched"


def test_an_unknown_request_answers_404(expert, unmatched):
    client = logged_in(expert)
    assert client.get(reverse("assistance:expert_request", args=[unmatched.pk + 1000])).status_code == 404
    response = client.post(reverse("assistance:expert_assign", args=[unmatched.pk + 1000]), {"provider": "opcw"})
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Every request, with tabs


def test_the_list_shows_every_submitted_request_with_its_matches_and_tabs(
    expert, state_a, state_a_official, state_b, state_b_official, provider_chemical, unmatched
):
    routed = routed_request(state_a, state_a_official, title="Chemical penal provisions")
    claimed = routed_request(state_b, state_b_official, title="Kenya CW law")
    services.claim(claimed, acting_user=provider_chemical)
    escalated = routed_request(state_b, state_b_official, title="Kenya customs")
    AssistanceRequest.objects.filter(pk=escalated.pk).update(escalated_at=timezone.now())
    draft = services.create(state_a, {**_template(), "title": "A draft"}, acting_user=state_a_official)
    long_ago = timezone.now() - timedelta(days=20)
    AssistanceRequest.objects.filter(pk=unmatched.pk).update(submitted_at=long_ago)

    client = logged_in(expert)
    response = client.get(url("expert_requests"))
    assert response.status_code == 200
    listed = [item.pk for item in response.context["page"].object_list]
    assert set(listed) == {unmatched.pk, routed.pk, claimed.pk, escalated.pk}
    assert draft.pk not in listed
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"all": 4, "unmatched": 1, "escalated": 1, "waiting": 3}
    html = response.content.decode()
    assert "Organisation for the Prohibition of Chemical Weapons (" in html  # a match with its score
    assert "led by Organisation for the Prohibition of Chemical Weapons" in html

    def tab(key, **params):
        response = client.get(url("expert_requests"), {"tab": key, **params})
        assert response.status_code == 200
        return [item.pk for item in response.context["page"].object_list]

    assert tab("unmatched") == [unmatched.pk]
    assert tab("escalated") == [escalated.pk]
    waiting = tab("waiting")
    assert waiting[0] == unmatched.pk and set(waiting) == {unmatched.pk, routed.pk, escalated.pk}
    assert client.get(url("expert_requests"), {"tab": "waiting"}).context["page"].object_list[0].days_waiting == 20

    # Claiming an escalated request takes it off the escalated tab.
    services.claim(escalated, acting_user=provider_chemical)
    assert tab("escalated") == []


def _template(**overrides):
    from assistance.tests.helpers import template

    return template(**overrides)


def test_the_list_filters_by_status_area_and_region(
    expert, state_a, state_a_official, state_b, state_b_official, unmatched
):
    routed = routed_request(state_a, state_a_official, title="Jamaica law")
    kenyan = routed_request(state_b, state_b_official, area="TRAINING", assistance_type="training", title="Kenya")
    client = logged_in(expert)

    def listed(**params):
        response = client.get(url("expert_requests"), params)
        assert response.status_code == 200
        return {item.pk for item in response.context["page"].object_list}

    assert listed(status="unmatched") == {unmatched.pk}
    assert listed(status="routed") == {routed.pk, kenyan.pk}
    assert listed(area="TRAINING") == {kenyan.pk}
    assert listed(region="GRULAC") == {unmatched.pk, routed.pk}
    assert listed(region="African", tab="waiting") == {kenyan.pk}
    assert listed(region="African", tab="unmatched") == set()
    response = client.get(url("expert_requests"), {"region": "GRULAC"})
    assert {t["key"]: t["count"] for t in response.context["tabs"]} == {
        "all": 2,
        "unmatched": 1,
        "escalated": 0,
        "waiting": 2,
    }


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"status": "draft"}, "status"),
        ({"area": "X"}, "area"),
        ({"region": "Y"}, "region"),
    ],
)
def test_an_invalid_list_filter_answers_400_with_the_message(expert, unmatched, params, field):
    response = logged_in(expert).get(url("expert_requests"), params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert "Some filters are not valid" in html and f'id="id_{field}-error"' in html
    assert "Counter-proliferation financing rules" not in html


def test_an_unknown_tab_answers_400_with_the_message(expert, unmatched):
    response = logged_in(expert).get(url("expert_requests"), {"tab": "later"})
    assert response.status_code == 400
    assert "Unknown tab later: choose one of all, unmatched, escalated, waiting." in response.content.decode()
    assert "Counter-proliferation financing rules" not in response.content.decode()


def test_the_list_runs_a_constant_number_of_queries(
    expert, state_a, state_a_official, provider_chemical, unmatched, django_assert_num_queries
):
    client = logged_in(expert)
    with django_assert_num_queries(LIST_QUERIES):
        assert len(client.get(url("expert_requests")).context["page"].object_list) == 1
    for n in range(10):
        req = routed_request(state_a, state_a_official, title=f"Request {n}")
        if n % 2:
            services.claim(req, acting_user=provider_chemical)
        unmatched_request(state_a, state_a_official, title=f"Unmatched {n}")
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url("expert_requests"))
    assert len(response.context["page"].object_list) == 21
    with django_assert_num_queries(LIST_QUERIES + 1):  # the region filter is looked up
        response = client.get(url("expert_requests"), {"tab": "unmatched", "region": "GRULAC"})
    assert len(response.context["page"].object_list) == 11


# ---------------------------------------------------------------------------------------------
# One request: re-route, assign


def test_the_request_page_shows_the_matches_with_their_reasons(expert, state_a, state_a_official):
    req = routed_request(state_a, state_a_official, title="Chemical penal provisions")
    response = logged_in(expert).get(url("expert_request", req))
    assert response.status_code == 200
    html = response.content.decode()
    for match in Match.objects.filter(request=req).select_related("provider"):
        assert match.provider.name in html
        for reason in reason_texts(match.reasons):
            assert escape(reason) in html
    assert "Re-route wider" in html and "Assign this provider" in html
    options = [value for value, _label in response.context["assign_form"].fields["provider"].choices]
    assert "opcw" in [str(v) for v in options]


def test_the_expert_reroutes_an_unmatched_request_wider(expert, unmatched, django_capture_on_commit_callbacks):
    client = logged_in(expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("expert_reroute", unmatched))
    assert response.status_code == 302 and response["Location"] == url("expert_request", unmatched)
    unmatched.refresh_from_db()
    assert unmatched.status == "routed" and unmatched.routed_at
    matches = list(unmatched.matches.select_related("provider"))
    assert matches and all("CW" in m.offer.columns for m in matches)
    assert all("wider search: area not in the offer" in reason_texts(m.reasons) for m in matches)
    assert RoutingJob.objects.filter(request=unmatched, widen=True, status="done").count() == 1
    assert AuditEvent.objects.filter(verb="request.reroute", actor=expert).exists()
    html = client.get(response["Location"]).content.decode()
    assert "The request is being routed again, wider" in html
    assert "wider search: area not in the offer" in html


def test_the_expert_assigns_a_provider_by_hand(expert, unmatched, django_capture_on_commit_callbacks):
    client = logged_in(expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("expert_assign", unmatched), {"provider": "opcw"})
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.status == "routed" and unmatched.routed_at
    match = unmatched.matches.get()
    assert match.provider.slug == "opcw" and match.assigned_by_expert
    assert reason_texts(match.reasons) == ["assigned by a Committee expert"]
    html = client.get(response["Location"]).content.decode()
    assert "(Technical Secretariat) was assigned to the request and notified." in html
    assert "assigned by a Committee expert" in html


@pytest.mark.parametrize(
    "data, message",
    [({}, "Choose the provider to assign."), ({"provider": "acme"}, "Choose one of the active providers.")],
)
def test_assigning_an_unknown_provider_is_refused_next_to_the_field(expert, unmatched, data, message):
    before = snapshot(unmatched)
    response = logged_in(expert).post(url("expert_assign", unmatched), data)
    assert response.status_code == 400
    assert response.context["assign_form"].errors["provider"] == [message]
    assert 'id="id_provider-error"' in response.content.decode()
    assert snapshot(unmatched) == before


def test_an_inactive_provider_cannot_be_assigned(expert, unmatched):
    from assistance.models import Provider

    Provider.objects.filter(slug="opcw").update(active=False)
    before = snapshot(unmatched)
    response = logged_in(expert).post(url("expert_assign", unmatched), {"provider": "opcw"})
    assert response.status_code == 400
    assert snapshot(unmatched) == before


def test_a_claimed_request_is_neither_rerouted_nor_assigned(expert, state_a, state_a_official, provider_chemical):
    req = routed_request(state_a, state_a_official)
    services.claim(req, acting_user=provider_chemical)
    before = snapshot(req)
    client = logged_in(expert)
    response = client.post(url("expert_reroute", req))
    assert response.status_code == 409
    assert "Cannot re-route a request that is claimed." in response.content.decode()
    response = client.post(url("expert_assign", req), {"provider": "iaea"})
    assert response.status_code == 409
    assert "Cannot assign a provider to a request that is claimed." in response.content.decode()
    assert snapshot(req) == before
    assert "is not routed again" in client.get(url("expert_request", req)).content.decode()


# ---------------------------------------------------------------------------------------------
# Turnaround


@pytest.fixture
def timed(state_a, state_a_official, state_b, state_b_official, provider_chemical):
    """Four requests with set timestamps: hours to route 1, 2, 3 (one never routed); to claim 10, 20;
    to deliver 100."""
    start = timezone.now() - timedelta(days=30)
    hours = lambda h: start + timedelta(hours=h)  # noqa: E731
    delivered = routed_request(state_a, state_a_official, title="Delivered one")
    services.claim(delivered, acting_user=provider_chemical)
    services.deliver(delivered, summary="Bill reviewed", acting_user=provider_chemical)
    claimed = routed_request(state_a, state_a_official, title="Claimed one")
    services.claim(claimed, acting_user=provider_chemical)
    waiting = routed_request(state_b, state_b_official, title="Waiting one")
    never = unmatched_request(state_b, state_b_official, title="Unmatched one")
    AssistanceRequest.objects.filter(pk=delivered.pk).update(
        submitted_at=hours(0), routed_at=hours(1), claimed_at=hours(11), delivered_at=hours(111)
    )
    AssistanceRequest.objects.filter(pk=claimed.pk).update(
        submitted_at=hours(0), routed_at=hours(2), claimed_at=hours(22)
    )
    AssistanceRequest.objects.filter(pk=waiting.pk).update(submitted_at=hours(5), routed_at=hours(8))
    AssistanceRequest.objects.filter(pk=never.pk).update(submitted_at=hours(-24))
    return {"start": start, "delivered": delivered, "claimed": claimed, "waiting": waiting, "never": never}


def test_the_dashboard_figures_match_the_hand_computed_medians(expert, timed):
    response = logged_in(expert).get(url("turnaround"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["requests"] == 4
    assert figures["by_status"] == {"delivered": 1, "claimed": 1, "routed": 1, "unmatched": 1}
    assert figures["time_to_route"] == {"count": 3, "median_hours": 2.0, "p90_hours": 2.8}
    assert figures["time_to_claim"] == {"count": 2, "median_hours": 15.0, "p90_hours": 19.0}
    assert figures["time_to_deliver"] == {"count": 1, "median_hours": 100.0, "p90_hours": 100.0}
    by_provider = {g["key"]: g for g in figures["by_provider"]}
    assert list(by_provider) == ["opcw"]
    assert by_provider["opcw"]["time_to_route"]["median_hours"] == 1.5
    assert by_provider["opcw"]["time_to_claim"]["median_hours"] == 15.0
    by_region = {g["key"]: g for g in figures["by_region"]}
    assert by_region["GRULAC"]["time_to_route"]["median_hours"] == 1.5
    assert by_region["African"]["time_to_route"] == {"count": 1, "median_hours": 3.0, "p90_hours": 3.0}
    by_area = {g["key"]: g["requests"] for g in figures["by_area"]}
    assert by_area == {"LEGISLATION": 3, "FINANCING_CONTROLS": 1}
    assert {g["key"]: g["requests"] for g in figures["by_regime"]} == {"1540": 4, "CWC": 4}
    assert [w["id"] for w in figures["waiting_longest"]] == [timed["never"].pk, timed["waiting"].pk]

    html = response.content.decode()
    # The tables carry the same figures as the charts, with their unit.
    route = '<th scope="row">Time to route</th><td class="text-end">3</td>'
    assert route + '<td class="text-end text-nowrap">2.0 h</td>' in html
    assert '<td class="text-end text-nowrap">2.8 h</td>' in html
    assert "Unmatched one" in html and "Waiting one" in html
    # The charts: data in a JSON block, drawn by a static script; no inline script runs.
    block = re.search(r'<script id="turnaround-charts" type="application/json">(.*?)</script>', html, re.S)
    charts = json.loads(block.group(1))
    assert charts["stages"]["datasets"][0]["data"] == [2.0, 15.0, 100.0]
    assert charts["stages"]["datasets"][1]["data"] == [2.8, 19.0, 100.0]
    assert charts["by_provider"]["labels"] == [
        "Organisation for the Prohibition of Chemical Weapons (Technical Secretariat)"
    ]
    assert '<script id="turnaround-charts" type="application/json">' in html
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in html
    assert '<script src="/static/js/turnaround.js"></script>' in html
    # Bootstrap, the confirmation dialogs, the language switcher, Chart.js, turnaround.js, the JSON block
    assert html.count("<script") == 6
    assert 'data-chart-key="by_area"' in html


def test_the_dashboard_filters_by_provider_area_region_regime_and_period(expert, timed):
    client = logged_in(expert)

    def figures(**params):
        response = client.get(url("turnaround"), params)
        assert response.status_code == 200, response.content
        assert response.context["filtered"]
        return response.context["figures"]

    assert figures(provider="opcw")["time_to_route"] == {"count": 2, "median_hours": 1.5, "p90_hours": 1.9}
    assert figures(area="FINANCING_CONTROLS")["requests"] == 1
    assert figures(region="African")["by_status"] == {"routed": 1, "unmatched": 1}
    assert figures(regime="NPT")["requests"] == 0
    assert figures(regime="cwc")["requests"] == 4
    start = timed["start"].date()
    assert figures(since=start.isoformat())["requests"] == 3
    assert figures(until=(start - timedelta(days=1)).isoformat())["requests"] == 1
    html = client.get(url("turnaround"), {"regime": "NPT"}).content.decode()
    assert "No request in the period." in html


@pytest.mark.parametrize(
    "params, field",
    [
        ({"provider": "acme"}, "provider"),
        ({"area": "ALCHEMY"}, "area"),
        ({"region": "Atlantis"}, "region"),
        ({"regime": "SALT"}, "regime"),
        ({"since": "last week"}, "since"),
        ({"since": "2025-03-01", "until": "2025-02-01"}, "until"),
    ],
)
def test_an_invalid_dashboard_filter_answers_400_with_the_message(expert, timed, params, field):
    response = logged_in(expert).get(url("turnaround"), params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert "Some filters are not valid" in html and f'id="id_{field}-error"' in html
    assert "turnaround-charts" not in html


def test_the_unfiltered_dashboard_uses_the_cached_figures(expert, timed, state_b, state_b_official):
    client = logged_in(expert)
    first = client.get(url("turnaround")).context["figures"]
    routed_request(state_b, state_b_official, title="After the cache")
    assert client.get(url("turnaround")).context["figures"] == first  # served from the cache
    assert client.get(url("turnaround"), {"since": "2000-01-01"}).context["figures"]["requests"] == 5


def test_the_dashboard_runs_a_constant_number_of_queries(
    expert, timed, state_a, state_a_official, provider_chemical, django_assert_num_queries
):
    from django.core.cache import cache

    client = logged_in(expert)
    since = {"since": (timed["start"] - timedelta(days=2)).date().isoformat()}
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(url("turnaround"), since).context["figures"]["requests"] == 4
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(url("turnaround"))
    for n in range(15):
        req = routed_request(state_a, state_a_official, area="TRAINING", assistance_type="training", title=f"R{n}")
        if n % 2:
            services.claim(req, acting_user=provider_chemical)
    cache.clear()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(url("turnaround"), since).context["figures"]["requests"] == 19
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(url("turnaround")).context["figures"]["requests"] == 19
    with django_assert_num_queries(DASHBOARD_QUERIES - 1):  # the figures now come from the cache
        client.get(url("turnaround"))
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):  # the provider is looked up
        client.get(url("turnaround"), {**since, "provider": "opcw"})


def test_the_list_pages_through_the_requests_keeping_the_tab_and_filters(
    monkeypatch, expert, state_a, state_a_official
):
    from assistance.views import expert as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        routed_request(state_a, state_a_official, title=f"Request {n}")
    client = logged_in(expert)
    first = client.get(url("expert_requests"), {"tab": "waiting", "region": "GRULAC"})
    body = first.content.decode()
    assert "Page 1 of 2" in body and 'aria-label="Pages of requests"' in body
    assert "?tab=waiting&amp;region=GRULAC&amp;page=2" in body
    second = client.get(url("expert_requests"), {"tab": "waiting", "region": "GRULAC", "page": 2})
    assert len(second.context["page"].object_list) == 1 and "Page 2 of 2" in second.content.decode()
    # Never silently another page: not a number is 400, past the end 404 (as in the API).
    assert client.get(url("expert_requests"), {"tab": "waiting", "page": "two"}).status_code == 400
    assert client.get(url("expert_requests"), {"tab": "waiting", "page": 3}).status_code == 404


def test_a_draft_with_no_area_yet_opens_for_an_expert_but_is_not_listed(expert, state_a, state_a_official):
    draft = services.create(state_a, {"title": "Help with export controls"}, acting_user=state_a_official)
    listed = logged_in(expert).get(url("expert_requests"))
    assert listed.status_code == 200 and "Help with export controls" not in listed.content.decode()
    page = logged_in(expert).get(url("expert_request", draft))
    assert page.status_code == 200 and "Help with export controls" in page.content.decode()
