"""The Committee experts' review pages: queue, side-by-side review, comments, decisions, drafts
prepared for States that have not reported, and the list of States without a matrix."""

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from matrices import services
from matrices.models import Comment, Matrix, Regime
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from states.models import State

pytestmark = pytest.mark.django_db

S = Matrix.Status
CW_CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}
CW_KEY = "OP2.MANUFACTURE|CW|framework"

# SQL queries per page, whatever the number of versions or cells (pinned: a change must be deliberate).
# Every page starts with the session and the user (2).
# Queue: the region and regime choices of the filter form (2), the count per tab (which is also the
# paginator's count), the page of versions with State, region, regime and comment count. Each filter
# given adds one query (the region or regime it names).
QUEUE_QUERIES = 6
# Review: the version, its template's regime, the layout (rows with sections), the previous published
# version, the last review round, the comments with their authors (and who resolved them), the cells
# of each of the two versions.
REVIEW_QUERIES = 10
# States without a matrix: the regime and region choices of the form (2), the regime named, the States,
# their status in the regime's treaty (checklist regimes only).
UNREPORTED_QUERIES = 7


def regime(code="1540"):
    return Regime.objects.get(code=code)


def cell(row="OP2.MANUFACTURE", column="CW", aspect="framework", mark="X", source="Chemical Weapons Act 2010, s. 3"):
    return {"row": row, "column": column, "aspect": aspect, "mark": mark, "source": source}


def submitted(state, user, cells=None, code="1540"):
    """A version of `state` submitted for review by `user` (its official, or an expert who prepared it)."""
    matrix = services.start_draft(state, regime(code), acting_user=user)
    services.update_cells(matrix, cells or [cell()], acting_user=user)
    return services.submit(matrix, acting_user=user)


def published(state, official, expert, cells=None):
    matrix = submitted(state, official, cells)
    services.set_consent(matrix, consent=True, acting_user=official)
    matrix = services.approve(matrix, acting_user=expert)
    assert matrix.status == S.PUBLISHED
    return matrix


def prepared(iso3, expert, code="1540", cells=None):
    """A version the experts prepared and submitted for a State with no official in the tests."""
    return submitted(State.objects.get(iso3=iso3), expert, cells, code)


def workspace_or_review_url(matrix):
    try:
        return reverse("matrices:workspace", args=[matrix.pk])
    except NoReverseMatch:
        return reverse("matrices:review", args=[matrix.pk])


def queue_states(response):
    """The ISO codes of the versions listed in the queue, in order."""
    return [m.state.iso3 for m in response.context["page"].object_list]


def html(response):
    return response.content.decode()


@pytest.fixture
def version(state_a, state_a_official):
    """Jamaica's 1540 matrix, version 1, submitted by its official."""
    return submitted(state_a, state_a_official)


# ---------------------------------------------------------------------------------------------
# Who may see and do what


DENIED = ["state_a_official", "state_b_official", "provider_chemical", "provider_nuclear"]
ALLOWED = ["expert", "admin_user"]


def pages(matrix):
    return [
        reverse("matrices:review_queue"),
        reverse("matrices:unreported"),
        reverse("matrices:prepare"),
        reverse("matrices:review", args=[matrix.pk]),
    ]


def posts(matrix, state_b):
    return [
        (reverse("matrices:review_comment", args=[matrix.pk]), {"cell": CW_KEY, "body": "Which article?"}),
        (reverse("matrices:request_changes", args=[matrix.pk]), {"note": "Please add the articles."}),
        (reverse("matrices:approve", args=[matrix.pk]), {}),
        (reverse("matrices:prepare"), {"state": state_b.iso3, "regime": "1540"}),
    ]


def snapshot(matrix):
    matrix.refresh_from_db()
    return (matrix.status, Matrix.objects.count(), Comment.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("persona", DENIED)
def test_review_pages_are_forbidden_to_officials_and_providers(client, request, version, persona):
    client.force_login(request.getfixturevalue(persona))

    for url in pages(version):
        assert client.get(url).status_code == 403, url


def test_review_pages_send_the_public_to_the_login_page(client, version):
    for url in pages(version):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("persona", ALLOWED)
def test_review_pages_open_for_experts_and_administrators(client, request, version, persona):
    client.force_login(request.getfixturevalue(persona))

    for url in pages(version):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", [None, *DENIED])
def test_a_denied_review_post_changes_nothing_and_leaves_no_audit_event(client, request, version, state_b, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    before = snapshot(version)

    for url, data in posts(version, state_b):
        response = client.post(url, data)
        assert response.status_code == (403 if persona else 302), url
        assert snapshot(version) == before, url


def test_review_actions_refuse_get(client, expert, version):
    client.force_login(expert)

    for url in [
        reverse("matrices:review_comment", args=[version.pk]),
        reverse("matrices:request_changes", args=[version.pk]),
        reverse("matrices:approve", args=[version.pk]),
    ]:
        assert client.get(url).status_code == 405, url
    assert snapshot(version)[0] == S.SUBMITTED


def test_an_unknown_version_answers_404_on_every_page_and_action(client, expert):
    client.force_login(expert)

    assert client.get(reverse("matrices:review", args=[999999])).status_code == 404
    for name in ("review_comment", "request_changes", "approve"):
        assert client.post(reverse(f"matrices:{name}", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------------------------
# The queue


def test_the_queue_lists_waiting_versions_oldest_submission_first(client, expert, state_a, state_a_official):
    jamaica = submitted(state_a, state_a_official)
    kenya = prepared("KEN", expert)
    france = prepared("FRA", expert, code="CWC", cells=[cell("CWC-NA", "CW")])
    now = timezone.now()
    for matrix, days in ((jamaica, 2), (kenya, 10), (france, 5)):
        Matrix.objects.filter(pk=matrix.pk).update(submitted_at=now - timedelta(days=days))
    services.add_comment(kenya, **CW_CELL, body="Which article?", acting_user=expert)  # now in review
    prepared_draft = services.start_draft(State.objects.get(iso3="PER"), regime(), acting_user=expert)
    client.force_login(expert)

    response = client.get(reverse("matrices:review_queue"))

    assert response.status_code == 200
    assert queue_states(response) == ["KEN", "FRA", "JAM"]
    rows = {m.state.iso3: m for m in response.context["page"].object_list}
    assert (rows["KEN"].days_waiting, rows["KEN"].comment_count, rows["KEN"].status) == (10, 1, S.IN_REVIEW)
    assert (rows["JAM"].days_waiting, rows["JAM"].comment_count) == (2, 0)
    assert prepared_draft.state.iso3 not in queue_states(response)
    page = html(response)
    assert "Kenya" in page and "in review" in page and "African" in page
    assert reverse("matrices:review", args=[kenya.pk]) in page


def test_the_queue_filters_by_regional_group_and_regime(client, expert, state_a, state_a_official):
    submitted(state_a, state_a_official)
    prepared("KEN", expert)
    prepared("NGA", expert, code="CWC", cells=[cell("CWC-NA", "CW")])
    client.force_login(expert)

    assert sorted(queue_states(client.get("/review/", {"region": "African"}))) == ["KEN", "NGA"]
    assert queue_states(client.get("/review/", {"region": "GRULAC"})) == ["JAM"]
    assert queue_states(client.get("/review/", {"regime": "cwc"})) == ["NGA"]
    assert queue_states(client.get("/review/", {"region": "African", "regime": "1540"})) == ["KEN"]


@pytest.mark.parametrize(
    "query", [{"region": "Atlantis"}, {"regime": "SALT"}, {"status": "everything"}, {"regime": "1540' OR 1=1"}]
)
def test_an_invalid_queue_filter_answers_400_with_a_message(client, expert, query):
    client.force_login(expert)

    response = client.get("/review/", query)

    assert response.status_code == 400
    assert "Some filters are not valid" in html(response)
    assert "Select a valid choice" in html(response)


def test_the_queue_tabs_list_changes_requested_and_approved_awaiting_consent(client, expert, state_a, state_a_official):
    jamaica = submitted(state_a, state_a_official)
    kenya = prepared("KEN", expert)
    services.request_changes(jamaica, acting_user=expert)
    services.approve(kenya, acting_user=expert)
    prepared("FRA", expert)
    client.force_login(expert)

    waiting = client.get("/review/")
    changes = client.get("/review/", {"status": "changes_requested"})
    approved = client.get("/review/", {"status": "approved"})

    assert queue_states(waiting) == ["FRA"]
    assert queue_states(changes) == ["JAM"]
    assert queue_states(approved) == ["KEN"]
    counts = {tab["key"]: tab["count"] for tab in waiting.context["tabs"]}
    assert counts == {"waiting": 1, "changes_requested": 1, "approved": 1}


def test_the_queue_runs_a_constant_number_of_queries(client, expert, django_assert_num_queries):
    client.force_login(expert)
    prepared("KEN", expert)
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(queue_states(client.get("/review/"))) == 1
    with django_assert_num_queries(QUEUE_QUERIES + 2):
        assert len(queue_states(client.get("/review/", {"region": "African", "regime": "1540"}))) == 1

    for state in State.objects.exclude(iso3="KEN").order_by("name")[:60]:
        version = prepared(state.iso3, expert)
        services.add_comment(version, **CW_CELL, body="Which article?", acting_user=expert)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/review/")
    assert len(queue_states(response)) == 50  # the first page of 61
    assert response.context["page"].paginator.num_pages == 2
    with django_assert_num_queries(QUEUE_QUERIES + 2):
        assert len(queue_states(client.get("/review/", {"region": "African", "regime": "1540"}))) > 5


# ---------------------------------------------------------------------------------------------
# One version beside the previous published one


def test_the_review_page_highlights_the_cells_changed_since_the_published_version(
    client, expert, state_a, state_a_official
):
    unchanged = cell("OP2.ACQUIRE", "NW", source="Nuclear Act 1990, s. 2")
    published(state_a, state_a_official, expert, [cell(source="Chemical Weapons Act 2010, s. 3"), unchanged])
    version = submitted(state_a, state_a_official, [cell(source="Chemical Weapons Act 2010, s. 3 and s. 4")])
    client.force_login(expert)

    response = client.get(reverse("matrices:review", args=[version.pk]))

    page = html(response)
    assert response.status_code == 200
    assert 'id="cell-OP2-MANUFACTURE-CW-framework" class="table-warning"' in page
    assert 'id="cell-OP2-ACQUIRE-NW-framework" data-cell' in page  # not highlighted
    assert "s. 3 and s. 4" in page and "Published v1" in page
    assert response.context["changed_count"] == 1


def test_the_review_page_can_show_only_the_changed_cells(client, expert, state_a, state_a_official):
    published(state_a, state_a_official, expert, [cell(), cell("OP2.ACQUIRE", "NW", source="Nuclear Act")])
    version = submitted(state_a, state_a_official, [cell(mark="?", source="Draft bill")])
    client.force_login(expert)

    response = client.get(reverse("matrices:review", args=[version.pk]), {"changed": "1"})

    rows = re.findall(r'<tr id="(cell-[^"]+)"', html(response))
    assert rows == ["cell-OP2-MANUFACTURE-CW-framework"]


def test_a_first_version_has_nothing_to_compare_with(client, expert, version):
    client.force_login(expert)

    response = client.get(reverse("matrices:review", args=[version.pk]), {"section": "all"})

    assert "no earlier published version" in html(response)
    assert "Changed since the published version" not in html(response)
    assert len(re.findall(r'<tr id="cell-', html(response))) == len(services.layout(version.template))


def test_the_review_page_marks_derived_cells_and_shows_comments(client, expert, state_a, state_a_official):
    cwc = services.start_draft(state_a, regime("CWC"), acting_user=state_a_official)
    services.update_cells(
        cwc, [cell("CWC-NA", "CW", source="Chemical Weapons Act 2010, s. 5")], acting_user=state_a_official
    )
    matrix_1540 = Matrix.objects.get(state=state_a, regime__code="1540")
    services.submit(matrix_1540, acting_user=state_a_official)
    services.add_comment(matrix_1540, **CW_CELL, body='Cite the "penal" article & its 5<6 clause', acting_user=expert)
    client.force_login(expert)

    page = html(client.get(reverse("matrices:review", args=[matrix_1540.pk]), {"section": "all"}))

    assert "derived from the CWC report (CWC-NA)" in page
    assert "Cite the &quot;penal&quot; article &amp; its 5&lt;6 clause" in page
    assert "expert" in page


def test_the_review_page_says_what_approval_will_do(client, expert, state_a_official, version):
    client.force_login(expert)
    url = reverse("matrices:review", args=[version.pk])

    assert "once approved, this version is published when the State consents" in html(client.get(url))
    services.set_consent(version, consent=True, acting_user=state_a_official)
    assert "approving publishes this version at once" in html(client.get(url))


def test_the_comment_link_opens_the_form_in_the_cells_row(client, expert, version):
    """Without JavaScript, "Comment" reloads the page at the cell with the form in its row."""
    client.force_login(expert)
    page = html(client.get(reverse("matrices:review", args=[version.pk]), {"section": "OP2"}))
    link = re.search(r'<a class="review-comment-link" data-review-comment href="([^"]+)">Comment<span[^>]*> on '
                     r"OP2.MANUFACTURE, Chemical weapons, National legal framework", page)  # fmt: skip
    assert link is not None
    assert 'id="comment-body-cell-OP2-MANUFACTURE-CW-framework"' not in page

    opened = html(client.get(reverse("matrices:review", args=[version.pk]) + link.group(1).replace("&amp;", "&")))

    row = opened.split('<tr id="cell-OP2-MANUFACTURE-CW-framework"')[1].split("</tr>")[0]
    assert 'id="comment-body-cell-OP2-MANUFACTURE-CW-framework"' in row
    assert f'<input type="hidden" name="cell" value="{CW_KEY}">' in row
    assert '<input type="hidden" name="section" value="OP2">' in row
    assert opened.count('name="body"') == 2  # this one, and the page script's template


def test_the_review_page_runs_a_constant_number_of_queries(
    client, expert, state_a, state_a_official, django_assert_num_queries
):
    client.force_login(expert)
    few = [cell(), cell("OP2.ACQUIRE"), cell("OP2.POSSESS")]
    published(state_a, state_a_official, expert, few)
    small = submitted(state_a, state_a_official, [cell(source="Chemical Weapons Act 2010, s. 3 and 4")])
    services.add_comment(small, **CW_CELL, body="Why?", acting_user=expert)
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(reverse("matrices:review", args=[small.pk])).status_code == 200

    kenya = State.objects.get(iso3="KEN")
    specs = services.layout(small.template)[:300]
    many = [cell(s.row.code, s.column, s.aspect, source=f"Act {i}") for i, s in enumerate(specs)]
    first = published(kenya, UserFactory(username="official-ken", role="state_official", state=kenya), expert, many)
    big = services.start_draft(kenya, regime(), acting_user=expert)
    assert big.based_on_id == first.pk
    services.update_cells(big, [{**c, "source": c["source"] + " (amended)"} for c in many[:150]], acting_user=expert)
    services.submit(big, acting_user=expert)
    for c in many[:40]:
        services.add_comment(big, row=c["row"], column=c["column"], aspect=c["aspect"], body="Why?", acting_user=expert)
    with django_assert_num_queries(REVIEW_QUERIES):
        response = client.get(reverse("matrices:review", args=[big.pk]))
    assert response.context["changed_count"] == 150
    assert response.context["threads"] == {"open": 40, "resolved": 0}

    # After a round of changes, with resolved threads: the same number of queries, one section shown.
    services.request_changes(big, acting_user=expert)
    services.update_cells(big, [{**c, "source": c["source"] + " (again)"} for c in many[:90]], acting_user=expert)
    services.submit(big, acting_user=expert)
    for c in many[:20]:
        services.resolve_thread(big, c["row"], c["column"], c["aspect"], acting_user=expert)
    with django_assert_num_queries(REVIEW_QUERIES):
        response = client.get(reverse("matrices:review", args=[big.pk]))
    assert (response.context["view"], response.context["round_changed_count"]) == ("round", 90)
    assert response.context["threads"] == {"open": 20, "resolved": 20}
    assert len(response.context["sections"]) == 1
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(reverse("matrices:review", args=[big.pk]), {"section": "all"}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Comments and decisions


def test_an_expert_comments_on_a_cell_and_the_review_starts(client, expert, version):
    client.force_login(expert)

    response = client.post(
        reverse("matrices:review_comment", args=[version.pk]), {"cell": CW_KEY, "body": "Which article?"}
    )

    assert response.status_code == 302
    assert (
        response.url == reverse("matrices:review", args=[version.pk]) + "?section=OP2#cell-OP2-MANUFACTURE-CW-framework"
    )
    comment = Comment.objects.get(matrix=version)
    assert (comment.row_code, comment.column, comment.aspect, comment.body) == (
        "OP2.MANUFACTURE",
        "CW",
        "framework",
        "Which article?",
    )
    assert snapshot(version)[0] == S.IN_REVIEW
    assert AuditEvent.objects.filter(verb="matrix.comment", object_id=str(version.pk)).count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"cell": CW_KEY, "body": ""}, "body", "Write a comment."),
        ({"cell": "OP9.NOTHING|CW|framework", "body": "Hm"}, "cell", "Select a valid choice"),
        ({"cell": CW_KEY, "body": "<script>alert(1)</script>"}, "body", "Plain text only"),
        ({"cell": CW_KEY, "body": "x" * 2001}, "body", "at most 2000 characters"),
    ],
)
def test_an_invalid_comment_is_refused_with_the_error_next_to_the_field(client, expert, version, data, field, message):
    client.force_login(expert)
    before = snapshot(version)

    response = client.post(reverse("matrices:review_comment", args=[version.pk]), {**data, "section": "OP2"})

    assert response.status_code == 400
    assert message in " ".join(response.context["comment_form"].errors[field])
    error_id = "id_cell-error" if field == "cell" else "comment-body-cell-OP2-MANUFACTURE-CW-framework-error"
    assert f'id="{error_id}"' in html(response)
    if field == "body":  # the form is open in the cell's row, with what was typed
        row = html(response).split('<tr id="cell-OP2-MANUFACTURE-CW-framework"')[1].split("</tr>")[0]
        assert error_id in row and 'aria-invalid="true"' in row
    assert "<script>alert(1)</script>" not in html(response)
    assert snapshot(version) == before


def test_requesting_changes_sends_the_version_back_to_the_state(client, expert, state_a_official, version):
    client.force_login(expert)

    response = client.post(reverse("matrices:request_changes", args=[version.pk]), {"note": "Add the articles."})

    assert response.status_code == 302
    assert snapshot(version)[0] == S.CHANGES_REQUESTED
    page = html(client.get(response.url))
    assert "Changes requested: waiting for the State to resubmit." in page
    client.force_login(state_a_official)
    assert client.get(f"/api/v1/matrices/{version.pk}/").json()["status"] == "changes_requested"


def test_approving_without_consent_waits_for_the_state(client, expert, version):
    client.force_login(expert)

    response = client.post(reverse("matrices:approve", args=[version.pk]), follow=True)

    assert response.status_code == 200
    assert snapshot(version)[0] == S.APPROVED
    assert "it will be published once the State consents" in html(response)
    assert version.approved_by == expert


def test_approving_after_consent_publishes_at_once(client, expert, state_a_official, version):
    services.set_consent(version, consent=True, acting_user=state_a_official)
    client.force_login(expert)

    response = client.post(reverse("matrices:approve", args=[version.pk]), follow=True)

    assert snapshot(version)[0] == S.PUBLISHED
    assert "Approved and published" in html(response)


def test_approving_twice_answers_with_a_message_not_an_error(client, expert, version):
    client.force_login(expert)
    client.post(reverse("matrices:approve", args=[version.pk]))
    events = AuditEvent.objects.count()

    response = client.post(reverse("matrices:approve", args=[version.pk]), follow=True)

    assert response.status_code == 200
    assert "Cannot approve a version that is approved." in html(response)
    assert snapshot(version)[0] == S.APPROVED
    assert AuditEvent.objects.count() == events


def test_a_published_version_refuses_changes_comments_and_approval(client, expert, state_a, state_a_official):
    version = published(state_a, state_a_official, expert)
    client.force_login(expert)
    before = snapshot(version)

    for name, data in (("request_changes", {}), ("approve", {}), ("review_comment", {"cell": CW_KEY, "body": "?"})):
        response = client.post(reverse(f"matrices:{name}", args=[version.pk]), data, follow=True)
        assert response.status_code == 200, name
        assert "A published version cannot be changed" in html(response), name
    assert snapshot(version) == before


def test_requesting_changes_on_a_draft_is_refused(client, expert, state_a, state_a_official):
    draft = services.start_draft(state_a, regime(), acting_user=state_a_official)
    client.force_login(expert)

    response = client.post(reverse("matrices:request_changes", args=[draft.pk]), follow=True)

    assert "Cannot request changes to a version that is draft." in html(response)
    assert snapshot(draft)[0] == S.DRAFT


def test_an_oversized_note_is_refused_next_to_the_field(client, expert, version):
    client.force_login(expert)

    response = client.post(reverse("matrices:request_changes", args=[version.pk]), {"note": "x" * 2001})

    assert response.status_code == 400
    assert 'id="id_note-error"' in html(response)
    assert snapshot(version)[0] == S.SUBMITTED


# ---------------------------------------------------------------------------------------------
# Drafts prepared for States that have not reported


def test_an_expert_prepares_a_draft_for_a_state_that_has_not_reported(client, expert):
    client.force_login(expert)

    response = client.post(reverse("matrices:prepare"), {"state": "per", "regime": "cwc"})

    matrix = Matrix.objects.get(state__iso3="PER", regime__code="CWC")
    assert response.status_code == 302
    assert response.url == workspace_or_review_url(matrix)
    assert (matrix.status, matrix.version, matrix.prepared_by_expert, matrix.created_by) == (
        S.DRAFT,
        1,
        True,
        expert,
    )
    assert services.can_edit(expert, matrix)
    assert AuditEvent.objects.filter(verb="matrix.create", object_id=str(matrix.pk)).exists()


def test_preparing_a_second_open_draft_is_refused_with_a_message(client, expert, version):
    client.force_login(expert)

    response = client.post(reverse("matrices:prepare"), {"state": "JAM", "regime": "1540"})

    assert response.status_code == 409
    assert "already has an open 1540 version" in html(response)
    assert Matrix.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"), [({"state": "XXX", "regime": "1540"}, "state"), ({"state": "JAM", "regime": "SALT"}, "regime")]
)
def test_preparing_a_draft_with_bad_input_shows_the_error_next_to_the_field(client, expert, data, field):
    client.force_login(expert)

    response = client.post(reverse("matrices:prepare"), data)

    assert response.status_code == 400
    assert f'id="id_{field}-error"' in html(response)
    assert Matrix.objects.count() == 0


def test_the_prepare_form_is_prefilled_from_the_link(client, expert):
    client.force_login(expert)

    page = html(client.get(reverse("matrices:prepare"), {"state": "per", "regime": "cwc"}))

    assert '<option value="PER" selected>Peru (PER)</option>' in page
    assert '<option value="CWC" selected>' in page


# ---------------------------------------------------------------------------------------------
# States without a matrix


def unreported_states(response):
    return [state.iso3 for state in response.context["states"]]


def test_the_states_without_a_matrix_leave_out_those_with_any_version(client, expert, version):
    prepared("KEN", expert, code="CWC", cells=[cell("CWC-NA", "CW")])
    client.force_login(expert)

    for_1540 = client.get(reverse("matrices:unreported"))
    for_cwc = client.get(reverse("matrices:unreported"), {"regime": "CWC", "region": "African"})

    # Kenya's CWC report started its 1540 draft too (report once).
    assert "JAM" not in unreported_states(for_1540) and "KEN" not in unreported_states(for_1540)
    assert len(unreported_states(for_1540)) == 191
    assert "KEN" not in unreported_states(for_cwc)
    assert "NGA" in unreported_states(for_cwc) and "JAM" not in unreported_states(for_cwc)
    assert f"{reverse('matrices:prepare')}?state=NGA&amp;regime=CWC" in html(for_cwc)


def test_an_invalid_filter_of_the_states_without_a_matrix_answers_400(client, expert):
    client.force_login(expert)

    response = client.get(reverse("matrices:unreported"), {"regime": "SALT"})

    assert response.status_code == 400
    assert "Some filters are not valid" in html(response)


def test_the_states_without_a_matrix_run_a_constant_number_of_queries(client, expert, django_assert_num_queries):
    client.force_login(expert)
    with django_assert_num_queries(UNREPORTED_QUERIES):
        client.get(reverse("matrices:unreported"), {"regime": "CWC"})

    for state in State.objects.order_by("name")[:30]:
        prepared(state.iso3, expert, code="CWC", cells=[cell("CWC-NA", "CW")])
    with django_assert_num_queries(UNREPORTED_QUERIES):
        response = client.get(reverse("matrices:unreported"), {"regime": "CWC"})
    assert len(unreported_states(response)) == 193 - 30
