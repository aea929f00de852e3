"""Where each role lands after logging in: "My work", what waits for the user's action."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from assistance import services as assistance
from assistance.models import AssistanceRequest
from assistance.tests.helpers import draft_request, routed_request
from matrices import services as matrices
from matrices.models import Comment, Regime
from matrices.tests.test_public import filled_cells
from portal.testing.factories import TEST_PASSWORD, UserFactory
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

URL = "/my-work/"

# session, user, then per role (each section one aggregate and one bounded list):
OFFICIAL_QUERIES = 7  # + the user's State, versions with open comments, requests' counts, to feedback, open
EXPERT_QUERIES = 6  # + queue's count and oldest, queue's first, requests' counts, requests' first
PROVIDER_QUERIES = 6  # + the user's provider, requests' counts, awaiting a claim, their work


@pytest.fixture(autouse=True)
def _every_fitting_provider_is_matched(settings):
    # Both provider personas (OPCW, IAEA) are matched to a NW+CW request, whatever the scores.
    settings.ASSISTANCE_MAX_MATCHES = 20


def regime(code):
    return Regime.objects.get(code=code.upper())


def comment(matrix, author, body="Cite the article."):
    cell = filled_cells(1, regime=matrix.regime.code)[0]
    return matrices.add_comment(
        matrix, row=cell["row"], column=cell["column"], aspect=cell["aspect"], body=body, acting_user=author
    )


def submitted_version(state, official, code="1540"):
    matrix = matrices.start_draft(state, regime(code), acting_user=official)
    matrices.update_cells(matrix, filled_cells(2, regime=code.upper()), acting_user=official)
    return matrices.submit(matrix, acting_user=official)


def delivered(state, official, provider_user, **overrides):
    req = routed_request(state, official, **overrides)
    assistance.claim(req, acting_user=provider_user)
    return assistance.deliver(req, summary="Two workshops held in Kingston.", acting_user=provider_user)


def page_of(user, **params):
    response = logged_in(user).get(URL, params)
    assert response.status_code == 200
    return response, response.content.decode()


# ---------------------------------------------------------------------------------------------
# Who lands where


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("state_a_official", "/my-work/"),
        ("expert", "/my-work/"),
        ("provider_chemical", "/my-work/"),
        ("admin_user", "/my-work/"),
    ],
)
def test_every_role_lands_on_my_work_after_logging_in(request, client, persona, expected):
    user = request.getfixturevalue(persona)
    response = client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == expected
    assert client.get(response["Location"]).status_code == 200


def test_a_next_parameter_still_wins_over_my_work(client, state_a_official):
    response = client.post("/accounts/login/?next=/workspace/", {"username": "official-a", "password": TEST_PASSWORD})
    assert response["Location"] == "/workspace/"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, reference):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my-work/"
    assert client.post(URL).status_code in (302, 405)


@pytest.mark.parametrize(
    ("persona", "heading"),
    [
        ("state_a_official", "Matrices to work on"),
        ("expert", "Review queue"),
        ("admin_user", "Requests needing the experts"),
        ("provider_chemical", "Routed to you, awaiting a claim"),
    ],
)
def test_each_role_sees_its_own_sections_and_not_the_others(request, persona, heading):
    user = request.getfixturevalue(persona)
    _response, html = page_of(user)
    sections = {"Matrices to work on", "Requests needing the experts", "Routed to you, awaiting a claim"}
    own = {"state_a_official": "Matrices to work on", "provider_chemical": "Routed to you, awaiting a claim"}.get(
        persona, "Requests needing the experts"
    )
    assert heading in html
    for other in sections - {own}:
        assert other not in html


def test_a_user_without_a_role_is_told_so(reference):
    user = UserFactory(username="nobody", role="")
    _response, html = page_of(user)
    assert "Your account has no role that works on matrices or requests." in html
    assert "Matrices to work on" not in html


def test_the_menu_has_my_work_search_and_compare(state_a_official):
    _response, html = page_of(state_a_official)
    assert f'href="{reverse("core:my_work")}"' in html and ">My work</a>" in html
    assert f'href="{reverse("matrices:search")}"' in html and ">Search</a>" in html
    assert f'href="{reverse("matrices:compare")}"' in html and ">Compare</a>" in html
    anonymous = logged_in(None).get("/states/").content.decode()
    assert ">My work</a>" not in anonymous
    assert ">Search</a>" in anonymous and ">Compare</a>" in anonymous


# ---------------------------------------------------------------------------------------------
# What each role sees


def test_an_official_sees_their_versions_to_change_with_open_comments_and_their_requests(
    state_a, state_a_official, state_b, state_b_official, expert, provider_chemical
):
    draft = matrices.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    sent_back = submitted_version(state_a, state_a_official, "cwc")
    comment(sent_back, expert)
    resolved = comment(sent_back, expert, "Which article?")
    Comment.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now())
    matrices.request_changes(sent_back, acting_user=expert, comment="Sources missing.")
    submitted_version(state_b, state_b_official)  # another State's: never shown
    to_feedback = delivered(state_a, state_a_official, provider_chemical, title="Export control workshop")
    open_draft = draft_request(state_a, state_a_official, title="Border control training")
    closed = delivered(state_a, state_a_official, provider_chemical, title="Closed already")
    assistance.give_feedback(closed, rating=5, comment="Thanks", acting_user=state_a_official)

    response, html = page_of(state_a_official)
    work = response.context["work"]
    assert work.kind == "official"
    assert [m.pk for m in work.to_change] == [draft.pk, sent_back.pk]
    assert [m.comment_count for m in work.to_change] == [0, 1]  # the resolved comment is not open
    assert f'href="/workspace/{draft.pk}/"' in html and f'href="/workspace/{sent_back.pk}/"' in html
    assert "1 open comment on these versions." in html
    assert [r.pk for r in work.awaiting_feedback] == [to_feedback.pk]
    assert f'href="/assistance/requests/{to_feedback.pk}/"' in html
    assert "delivered by Organisation for the Prohibition of Chemical Weapons" in html
    assert [r.pk for r in work.open_requests] == [open_draft.pk]
    assert f"#{open_draft.pk} Border control training" in html
    assert "Closed already" not in html


def test_an_official_sees_an_approved_version_awaiting_their_consent(state_a, state_a_official, expert):
    approved = matrices.approve(submitted_version(state_a, state_a_official), acting_user=expert)
    response, html = page_of(state_a_official)
    assert [m.pk for m in response.context["work"].to_consent] == [approved.pk]
    assert "Approved, awaiting your consent to publish" in html
    assert f'href="/workspace/{approved.pk}/"' in html


@pytest.mark.parametrize("persona", ["expert", "admin_user"])
def test_experts_and_admins_see_the_queue_oldest_first_and_the_requests_needing_them(
    request, persona, state_a, state_a_official, state_b, state_b_official
):
    user = request.getfixturevalue(persona)
    older = submitted_version(state_b, state_b_official)
    newer = submitted_version(state_a, state_a_official, "cwc")
    matrices.start_draft(state_b, regime("npt"), acting_user=state_b_official)  # a draft: not the experts' yet
    unmatched = routed_request(state_a, state_a_official, title="Nobody fits")
    AssistanceRequest.objects.filter(pk=unmatched.pk).update(status=AssistanceRequest.Status.UNMATCHED)
    escalated = routed_request(state_b, state_b_official, title="Waited too long")
    assistance.escalate_unclaimed(days=0)
    routed_request(state_a, state_a_official, title="Fresh and routed")  # routed, not escalated: not listed

    response, html = page_of(user)
    work = response.context["work"]
    assert work.kind == "expert"
    assert work.queue_count == 2
    assert [m.pk for m in work.waiting] == [older.pk, newer.pk]
    assert f'href="/review/{older.pk}/"' in html
    assert work.unmatched_count == 1 and work.escalated_count == 1
    assert {r.pk for r in work.needing} == {unmatched.pk, escalated.pk}
    assert f'href="/assistance/expert/{unmatched.pk}/"' in html and f'href="/assistance/expert/{escalated.pk}/"' in html
    assert "Fresh and routed" not in html
    assert 'href="/assistance/expert/?tab=unmatched"' in html


def test_a_provider_sees_what_awaits_its_claim_and_its_work_in_progress(
    state_a, state_a_official, provider_chemical, provider_nuclear
):
    awaiting = routed_request(state_a, state_a_official, columns=["NW", "CW"], title="Model law on CBRN offences")
    ours = routed_request(state_a, state_a_official, columns=["NW", "CW"], title="Ours to lead")
    assistance.claim(ours, acting_user=provider_chemical)
    supported = routed_request(state_a, state_a_official, columns=["NW", "CW"], title="IAEA leads, we support")
    assistance.claim(supported, acting_user=provider_nuclear)
    assistance.join(supported, acting_user=provider_chemical)
    others = routed_request(state_a, state_a_official, columns=["NW", "CW"], title="IAEA leads alone")
    assistance.claim(others, acting_user=provider_nuclear)

    response, html = page_of(provider_chemical)
    work = response.context["work"]
    assert work.kind == "provider"
    assert [r.pk for r in work.awaiting] == [awaiting.pk]
    assert f'href="/assistance/provider/{awaiting.pk}/"' in html
    assert {r.pk for r in work.ours} == {ours.pk, supported.pk}
    assert {r.pk: r.leading for r in work.ours} == {ours.pk: True, supported.pk: False}
    assert "IAEA leads alone" not in html

    # The IAEA: the shared request awaits its claim too; it leads the two it claimed.
    work = page_of(provider_nuclear)[0].context["work"]
    assert [r.pk for r in work.awaiting] == [awaiting.pk]
    assert {r.pk for r in work.ours} == {supported.pk, others.pk}


# ---------------------------------------------------------------------------------------------
# A constant number of queries, whatever the number of rows


def test_my_work_runs_a_constant_number_of_queries_for_an_official(
    state_a, state_a_official, expert, provider_chemical, django_assert_num_queries
):
    client = logged_in(state_a_official)
    delivered(state_a, state_a_official, provider_chemical)
    matrices.start_draft(state_a, regime("1540"), acting_user=state_a_official)
    with django_assert_num_queries(OFFICIAL_QUERIES):
        assert client.get(URL).status_code == 200
    for code in ("cwc", "npt"):
        sent_back = submitted_version(state_a, state_a_official, code)
        comment(sent_back, expert)
        matrices.request_changes(sent_back, acting_user=expert, comment="Sources missing.")
    for n in range(10):
        delivered(state_a, state_a_official, provider_chemical, title=f"Delivered {n}")
        draft_request(state_a, state_a_official, title=f"Draft {n}")
    with django_assert_num_queries(OFFICIAL_QUERIES):
        response = client.get(URL)
    work = response.context["work"]
    assert len(work.to_change) == 3 and work.feedback_count == 11 and len(work.awaiting_feedback) == 8


@pytest.mark.parametrize("persona", ["expert", "admin_user"])
def test_my_work_runs_a_constant_number_of_queries_for_an_expert(
    request, persona, state_a, state_a_official, state_b, state_b_official, django_assert_num_queries
):
    client = logged_in(request.getfixturevalue(persona))
    submitted_version(state_a, state_a_official)
    with django_assert_num_queries(EXPERT_QUERIES):
        assert client.get(URL).status_code == 200
    for code in ("cwc", "npt", "bwc"):
        submitted_version(state_a, state_a_official, code)
        submitted_version(state_b, state_b_official, code)
    for n in range(10):
        routed_request(state_a, state_a_official, title=f"Request {n}")
    assistance.escalate_unclaimed(days=0)
    with django_assert_num_queries(EXPERT_QUERIES):
        response = client.get(URL)
    work = response.context["work"]
    assert work.queue_count == 7 and work.escalated_count == 10 and len(work.needing) == 8


def test_my_work_runs_a_constant_number_of_queries_for_a_provider(
    state_a, state_a_official, provider_chemical, django_assert_num_queries
):
    client = logged_in(provider_chemical)
    routed_request(state_a, state_a_official)
    with django_assert_num_queries(PROVIDER_QUERIES):
        assert client.get(URL).status_code == 200
    for n in range(12):
        req = routed_request(state_a, state_a_official, title=f"Request {n}")
        if n % 2:
            assistance.claim(req, acting_user=provider_chemical)
    with django_assert_num_queries(PROVIDER_QUERIES):
        response = client.get(URL)
    work = response.context["work"]
    assert work.awaiting_count == 7 and work.ours_count == 6


# ---------------------------------------------------------------------------------------------
# The favicon


def test_the_favicon_is_linked_and_favicon_ico_answers_it(client, reference):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    icon = finders.find("favicon.svg")
    assert icon and Path(icon).read_text(encoding="utf-8").lstrip().startswith("<svg")
