"""The review page by section, what changed since the experts last asked for changes (review rounds),
comment threads resolved and reopened (services, the experts' and the workspace's endpoints, the
fragments the review page's script asks for), and the status badges of "submitted" and "in review"."""

import re

import pytest
from django.urls import reverse

from matrices import selectors, services
from matrices.models import Comment, Matrix, ReviewRound
from matrices.templatetags.matrices_tags import matrix_status
from matrices.tests.helpers import published, submitted
from portal.audit.models import AuditEvent
from portal.core.exceptions import InvalidInput, NotAllowed, PublishedImmutable

pytestmark = pytest.mark.django_db

S = Matrix.Status
MANUFACTURE = ("OP2.MANUFACTURE", "CW", "framework")
ACQUIRE = ("OP2.ACQUIRE", "NW", "framework")
HX = {"HTTP_HX_REQUEST": "true"}
# The thread fragment after a resolution: the session and the user (2), the version, the service's
# savepoint and its release (2), the template's regime and layout (2) to check the cell, whether the
# cell has comments, the update, its audit event; then the thread and the open counts (2).
RESOLVE_QUERIES = 12
# After a comment (on a version already in review): the session and the user, the version, the layout
# for the form's choices (regime, rows), the savepoint and its release, the service's check of the
# cell (rows), the comment, its audit event, the thread and the open counts.
FRAGMENT_QUERIES = 12


def cell(key, mark="X", source="Act 1, s. 2"):
    row, column, aspect = key
    return {"row": row, "column": column, "aspect": aspect, "mark": mark, "source": source}


def cells_of(specs, count, source):
    return [cell(s.key, source=f"{source} {i}") for i, s in enumerate(specs[:count])]


@pytest.fixture
def resubmitted(state_a, state_a_official, expert):
    """Jamaica's v2: 61 cells changed from the published v1 (60 filled, OP2 manufacture CW changed);
    the experts asked for changes, then the State changed 2 cells (one in OP2, one in OP3) and
    resubmitted."""
    template = published(state_a, state_a_official, expert, cells=[cell(MANUFACTURE)]).template
    specs = services.layout(template)
    matrix = services.start_draft(state_a, template.regime, acting_user=state_a_official)
    services.update_cells(matrix, cells_of(specs, 60, "Act"), acting_user=state_a_official)
    services.submit(matrix, acting_user=state_a_official)
    comment(matrix, expert)
    services.request_changes(matrix, acting_user=expert, comment="Cite the articles.")
    op3 = next(s for s in specs if s.row.section.code.startswith("OP3"))
    services.update_cells(
        matrix, [cell(MANUFACTURE, source="Chemical Act, s. 3"), cell(op3.key, mark="?")], acting_user=state_a_official
    )
    services.submit(matrix, acting_user=state_a_official)
    matrix.refresh_from_db()
    matrix.op3_key = op3.key
    return matrix


def page(client, matrix, **query):
    return client.get(reverse("matrices:review", args=[matrix.pk]), query)


def shown_cells(response):
    return re.findall(r'<tr id="(cell-[^"]+)"', response.content.decode())


# ---------------------------------------------------------------------------------------------
# Review rounds


def test_requesting_changes_keeps_the_cells_as_they_were_in_the_same_transaction(expert, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[cell(MANUFACTURE), cell(ACQUIRE, mark="?")])

    services.request_changes(matrix, acting_user=expert, comment="Cite the articles.")

    review_round = ReviewRound.objects.get(matrix=matrix)
    assert review_round.cells == {
        "OP2.MANUFACTURE|CW|framework": ["X", "Act 1, s. 2", ""],
        "OP2.ACQUIRE|NW|framework": ["?", "Act 1, s. 2", ""],
    }
    assert (review_round.requested_by, review_round.note) == (expert, "Cite the articles.")
    assert selectors.last_review_round(matrix) == review_round


def test_a_refused_request_for_changes_leaves_no_review_round(expert, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[cell(MANUFACTURE)])
    with pytest.raises(InvalidInput):
        services.request_changes(matrix, acting_user=expert, comment="<b>no</b>")
    with pytest.raises(NotAllowed):
        services.request_changes(matrix, acting_user=state_a_official)
    assert not ReviewRound.objects.exists()
    assert Matrix.objects.get(pk=matrix.pk).status == S.SUBMITTED


def test_after_a_resubmission_the_page_shows_what_changed_since_the_last_round(client, expert, resubmitted):
    client.force_login(expert)

    response = page(client, resubmitted)

    context = response.context
    assert (context["view"], context["round_changed_count"], context["changed_count"]) == ("round", 2, 61)
    assert context["section"] == "OP2"  # the first section with a change since the round
    assert shown_cells(response) == ["cell-OP2-MANUFACTURE-CW-framework"]
    body = response.content.decode()
    assert '<tr id="cell-OP2-MANUFACTURE-CW-framework" class="review-changed-round"' in body
    assert "Changed since your last review (2)" in body and "Changed since the published version (61)" in body
    then = ReviewRound.objects.get(matrix=resubmitted).cells["OP2.MANUFACTURE|CW|framework"]
    assert "At your review of" in body and "Chemical Act, s. 3" in body  # now
    assert '<td data-label="At your review of' in body  # then
    assert f'<div class="small" lang="en" dir="auto">{then[1]}</div>' in body
    nav = {item.key: (item.changed_round, item.changed_published) for item in context["sections_nav"]}
    assert sum(changed for changed, _ in nav.values()) == 2 and nav["OP2"][0] == 1

    op3 = next(key for key, (changed, _) in nav.items() if changed and key != "OP2")
    other = page(client, resubmitted, section=op3, view="round")
    assert shown_cells(other) == ["cell-" + re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(resubmitted.op3_key))]


def test_every_view_can_be_chosen_and_all_sections_shown_for_printing(client, expert, resubmitted):
    client.force_login(expert)

    published_view = page(client, resubmitted, view="published", section="all")
    all_cells = page(client, resubmitted, view="all", section="all")
    old_link = page(client, resubmitted, changed="1", section="all")

    assert len(shown_cells(published_view)) == 61 == len(shown_cells(old_link))
    assert len(shown_cells(all_cells)) == len(services.layout(resubmitted.template))
    assert 'class="table-warning"' in published_view.content.decode()  # changed since v1 only
    assert "Published v1" in published_view.content.decode()


def test_before_any_round_the_page_opens_on_all_cells_of_the_first_section(client, expert, state_a, state_a_official):
    matrix = submitted(state_a, state_a_official, cells=[cell(MANUFACTURE)])
    client.force_login(expert)

    response = page(client, matrix)

    first = services.layout(matrix.template)[0].row.section
    assert (response.context["view"], response.context["section"]) == ("all", selectors.section_key(first.code))
    assert response.context["views"] == ["all"]
    assert "Changed since your last review" not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Threads: the services


def comment(matrix, user, key=MANUFACTURE, body="Which article?"):
    return services.add_comment(matrix, row=key[0], column=key[1], aspect=key[2], body=body, acting_user=user)


def test_resolving_a_thread_marks_its_open_comments_and_a_new_comment_reopens_it(
    expert, state_a, state_a_official, version_with_threads
):
    matrix = version_with_threads

    assert services.resolve_thread(matrix, *MANUFACTURE, acting_user=state_a_official) == 2
    assert selectors.open_thread_counts(matrix) == {"open": 1, "resolved": 1}
    resolved = Comment.objects.filter(matrix=matrix, row_code="OP2.MANUFACTURE")
    assert {(c.resolved_by, c.resolved_at is not None) for c in resolved} == {(state_a_official, True)}
    assert services.resolve_thread(matrix, *MANUFACTURE, acting_user=expert) == 0  # already resolved
    assert AuditEvent.objects.filter(verb="matrix.thread_resolve").count() == 1

    comment(matrix, expert, body="One more thing.")
    assert selectors.open_thread_counts(matrix) == {"open": 2, "resolved": 0}
    assert services.reopen_thread(matrix, *MANUFACTURE, acting_user=expert) == 0  # open already


def test_reopening_a_resolved_thread(expert, version_with_threads):
    services.resolve_thread(version_with_threads, *ACQUIRE, acting_user=expert)

    assert services.reopen_thread(version_with_threads, *ACQUIRE, acting_user=expert) == 1

    assert not Comment.objects.filter(matrix=version_with_threads, resolved_at__isnull=False).exists()
    assert selectors.open_thread_counts(version_with_threads) == {"open": 2, "resolved": 0}
    assert AuditEvent.objects.filter(verb="matrix.thread_reopen", actor=expert).count() == 1


@pytest.mark.parametrize("persona", ["state_b_official", "provider_chemical"])
def test_only_experts_and_the_states_officials_resolve(request, version_with_threads, persona):
    with pytest.raises(NotAllowed):
        services.resolve_thread(version_with_threads, *MANUFACTURE, acting_user=request.getfixturevalue(persona))
    assert selectors.open_thread_counts(version_with_threads) == {"open": 2, "resolved": 0}


def test_a_thread_on_a_published_version_or_with_no_comment_cannot_be_resolved(
    expert, state_a, state_a_official, version_with_threads
):
    with pytest.raises(InvalidInput):
        services.resolve_thread(version_with_threads, "OP2.POSSESS", "BW", "framework", acting_user=expert)
    with pytest.raises(InvalidInput):
        services.resolve_thread(version_with_threads, "OP9.NOTHING", "BW", "framework", acting_user=expert)
    services.set_consent(version_with_threads, consent=True, acting_user=state_a_official)
    services.approve(version_with_threads, acting_user=expert)
    with pytest.raises(PublishedImmutable):
        services.resolve_thread(Matrix.objects.get(pk=version_with_threads.pk), *MANUFACTURE, acting_user=expert)


@pytest.fixture
def version_with_threads(state_a, state_a_official, expert):
    """A submitted version with two threads: OP2 manufacture CW (the expert, the official's answer)
    and OP2 acquire NW (the expert)."""
    matrix = submitted(state_a, state_a_official, cells=[cell(MANUFACTURE), cell(ACQUIRE)])
    comment(matrix, expert)
    comment(matrix, state_a_official, body="Article 3.")
    comment(matrix, expert, key=ACQUIRE, body="And possession?")
    matrix.refresh_from_db()
    return matrix


# ---------------------------------------------------------------------------------------------
# Threads and comments: the endpoints


def resolve(client, matrix, key=MANUFACTURE, action="resolve", name="matrices:resolve_thread", headers=None, **data):
    return client.post(
        reverse(name, args=[matrix.pk]), {"cell": "|".join(key), "action": action, **data}, **(headers or {})
    )


def test_without_javascript_resolving_comes_back_to_the_cell_in_its_section_and_view(
    client, expert, version_with_threads
):
    client.force_login(expert)

    response = resolve(client, version_with_threads, section="OP2", view="all")

    assert response.status_code == 302
    assert response.url == reverse("matrices:review", args=[version_with_threads.pk]) + (
        "?section=OP2&view=all#cell-OP2-MANUFACTURE-CW-framework"
    )
    shown = client.get(response.url).content.decode()
    assert "The comments on OP2.MANUFACTURE are resolved." in shown
    row = shown.split('<tr id="cell-OP2-MANUFACTURE-CW-framework"')[1].split("</tr>")[0]
    assert 'data-thread="resolved"' in row and "Reopen" in row and "Resolved by expert" in row
    assert "<strong data-open-threads>1</strong> open comment thread" in shown


def test_the_page_script_gets_the_thread_fragment_back(client, expert, version_with_threads, django_assert_num_queries):
    client.force_login(expert)

    with django_assert_num_queries(RESOLVE_QUERIES):
        response = resolve(client, version_with_threads, headers=HX, section="OP2", view="all")

    assert response.status_code == 200
    assert response["X-Review-Fragment"] == "thread" and response["X-Open-Threads"] == "1"
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div class="review-thread review-thread-resolved"')
    assert "<html" not in fragment and "Article 3." in fragment and 'value="reopen"' in fragment

    reopened = resolve(client, version_with_threads, action="reopen", headers=HX)
    assert 'data-thread="open"' in reopened.content.decode() and reopened["X-Open-Threads"] == "2"


def test_a_comment_from_the_page_script_answers_the_cells_thread(
    client, expert, version_with_threads, django_assert_num_queries
):
    client.force_login(expert)
    url = reverse("matrices:review_comment", args=[version_with_threads.pk])
    data = {"cell": "|".join(ACQUIRE), "body": "Possession is in s. 4?", "section": "OP2", "view": "all"}

    with django_assert_num_queries(FRAGMENT_QUERIES):
        response = client.post(url, data, **HX)

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.count('class="border-start border-3 ps-2 mb-2 review-comment') == 2
    assert "Possession is in s. 4?" in fragment and "<html" not in fragment
    assert Comment.objects.filter(matrix=version_with_threads, row_code="OP2.ACQUIRE").count() == 2

    refused = client.post(url, {**data, "body": ""}, **HX)
    assert refused.status_code == 400
    assert 'id="comment-body-cell-OP2-ACQUIRE-NW-framework-error"' in refused.content.decode()
    assert "Write a comment." in refused.content.decode()


def test_the_experts_endpoint_is_refused_to_officials_and_a_bad_cell_is_400(
    client, state_a_official, expert, version_with_threads
):
    client.force_login(state_a_official)
    assert resolve(client, version_with_threads).status_code == 403
    client.force_login(expert)
    assert resolve(client, version_with_threads, key=("OP2.POSSESS", "BW", "framework")).status_code == 302
    assert resolve(client, version_with_threads, action="delete").status_code == 302
    assert client.get(reverse("matrices:resolve_thread", args=[version_with_threads.pk])).status_code == 405
    assert selectors.open_thread_counts(version_with_threads) == {"open": 2, "resolved": 0}


def test_an_official_resolves_from_the_workspace(client, state_a_official, state_b_official, version_with_threads):
    name = "matrices:workspace_resolve_thread"
    next_url = reverse("matrices:workspace", args=[version_with_threads.pk]) + "?x=1"
    client.force_login(state_b_official)
    assert resolve(client, version_with_threads, name=name).status_code == 404
    client.force_login(state_a_official)

    response = resolve(client, version_with_threads, name=name, next=next_url)
    assert (response.status_code, response.url) == (302, next_url)
    evil = resolve(client, version_with_threads, key=ACQUIRE, name=name, next="https://evil.example/")
    assert evil.url == reverse("matrices:workspace", args=[version_with_threads.pk]) + "#cell-OP2-ACQUIRE-NW-framework"
    as_json = resolve(
        client, version_with_threads, name=name, action="reopen", headers={"HTTP_ACCEPT": "application/json"}
    )
    assert as_json.json() == {"cell": "|".join(MANUFACTURE), "thread": "open", "open": 1, "resolved": 1}


def test_the_official_sees_the_open_threads_and_resolves_one_beside_its_cell(
    client, state_a_official, version_with_threads
):
    client.force_login(state_a_official)
    overview_url = reverse("matrices:workspace", args=[version_with_threads.pk])
    section_url = selectors.section_url(version_with_threads.pk, "OP2")

    overview = client.get(overview_url)
    assert overview.context["threads"] == {"open": 2, "resolved": 0}
    assert "2 open threads" in overview.content.decode()
    section = client.get(section_url).content.decode()
    # The version is under review: the section is read-only, its threads can still be resolved.
    assert section.count('form="cell-OP2-ACQUIRE-NW-framework-thread">Mark resolved') == 1
    assert 'id="cell-OP2-ACQUIRE-NW-framework-thread"' in section

    response = resolve(
        client, version_with_threads, key=ACQUIRE, name="matrices:workspace_resolve_thread", next=section_url
    )

    assert (response.status_code, response.url) == (302, section_url)
    assert client.get(overview_url).context["threads"] == {"open": 1, "resolved": 1}
    section = client.get(section_url).content.decode()
    assert section.count('form="cell-OP2-ACQUIRE-NW-framework-thread">Reopen') == 1


def test_the_review_page_shows_open_and_resolved_threads_per_section(client, expert, version_with_threads):
    services.resolve_thread(version_with_threads, *ACQUIRE, acting_user=expert)
    client.force_login(expert)

    response = page(client, version_with_threads, section="OP2")

    assert response.context["threads"] == {"open": 1, "resolved": 1}
    op2 = next(item for item in response.context["sections_nav"] if item.key == "OP2")
    assert op2.open_threads == 1
    body = response.content.decode()
    assert "<strong data-open-threads>1</strong> open comment thread" in body and "1 resolved" in body


def test_the_api_says_when_a_comment_was_resolved(api_client, expert, state_a_official, version_with_threads):
    services.resolve_thread(version_with_threads, *ACQUIRE, acting_user=expert)
    api_client.force_authenticate(state_a_official)

    comments = api_client.get(f"/api/v1/matrices/{version_with_threads.pk}/comments/").json()

    by_row = {c["row"]: c for c in comments}
    assert by_row["OP2.ACQUIRE"]["resolved_by"] == "expert" and by_row["OP2.ACQUIRE"]["resolved_at"]
    assert by_row["OP2.MANUFACTURE"]["resolved_by"] is None and by_row["OP2.MANUFACTURE"]["resolved_at"] is None


# ---------------------------------------------------------------------------------------------
# Status badges


def test_submitted_and_in_review_look_different_and_keep_their_text():
    submitted_badge, in_review = matrix_status(S.SUBMITTED), matrix_status(S.IN_REVIEW)

    assert (submitted_badge["label"], in_review["label"]) == ("submitted", "in review")
    assert submitted_badge["tone"] != in_review["tone"]
    assert submitted_badge["icon"] and in_review["icon"] and submitted_badge["icon"] != in_review["icon"]


def test_an_unknown_section_is_404_and_an_unknown_view_400(client, expert, version_with_threads):
    client.force_login(expert)
    url = reverse("matrices:review", args=[version_with_threads.pk])

    assert client.get(url, {"section": "OP9"}).status_code == 404
    refused = client.get(url, {"view": "everything"})
    assert refused.status_code == 400
    assert "Show all cells, or those changed since" in refused.content.decode()
    # A view the version cannot have yet (no review round) falls back to the default one.
    assert client.get(url, {"view": "round", "section": "OP2"}).status_code == 200
