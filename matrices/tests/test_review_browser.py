"""An expert reviews a State's matrix in Debian's Chromium: section by section, commenting in place
without losing their place, resolving threads, seeing what changed since they asked for changes."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from matrices import services
from matrices.models import Comment, Matrix, Regime
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CW_MANUFACTURE = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework"}


def log_in(page, next_url):
    page.goto(f"/accounts/login/?next={quote(next_url)}")
    page.get_by_label("Username").fill("expert")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def full_version(state, official, source="Act 1, s. 2"):
    """A submitted 1540 version with every cell filled."""
    matrix = services.start_draft(state, Regime.objects.get(code="1540"), acting_user=official)
    cells = [
        {"row": s.row.code, "column": s.column, "aspect": s.aspect, "mark": "X", "source": f"{source} ({i})"}
        for i, s in enumerate(services.layout(matrix.template))
    ]
    services.update_cells(matrix, cells, acting_user=official)
    return services.submit(matrix, acting_user=official)


def test_an_expert_comments_requests_changes_and_approves_a_resubmitted_version(
    page, expert, state_a, state_a_official
):
    matrix = services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    services.update_cells(
        matrix,
        [{**CW_MANUFACTURE, "mark": "X", "source": "Chemical Weapons Act 2010"}],
        acting_user=state_a_official,
    )
    services.submit(matrix, acting_user=state_a_official)

    # The expert logs in through the form and lands on the review queue.
    log_in(page, "/review/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    queue_row = page.locator("tbody tr").filter(has_text="Jamaica")
    expect(queue_row).to_contain_text("1540")
    expect(queue_row).to_contain_text("submitted")

    # The version, section by section; a comment on the CW cell of OP2 manufacture.
    queue_row.get_by_role("link", name="Jamaica").click()
    expect(page.get_by_role("heading", name="Jamaica: 1540 matrix, version 1")).to_be_visible()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="OP2").click()
    page.get_by_role("link", name="Comment on OP2.MANUFACTURE, Chemical weapons, National legal framework").click()
    page.get_by_label("Your comment on OP2.MANUFACTURE, Chemical weapons, National legal framework").fill(
        "Which article of the Act covers production?"
    )
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text(
        "Which article of the Act covers production?"
    )
    page.reload()
    expect(page.locator("#matrix-status")).to_contain_text("in review")

    # Request changes: the version goes back to the State.
    page.get_by_text("Request changes…").click()
    page.get_by_label("Note to the State (optional)").fill("Please cite the articles.")
    page.get_by_role("button", name="Request changes", exact=True).click()
    expect(page.locator("#matrix-status")).to_contain_text("changes requested")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert Matrix.objects.get(pk=matrix.pk).status == Matrix.Status.CHANGES_REQUESTED
    assert Comment.objects.filter(matrix=matrix).count() == 1

    # The official answers and resubmits; the expert sees the one changed cell and approves.
    services.update_cells(
        matrix,
        [{**CW_MANUFACTURE, "mark": "X", "source": "Chemical Weapons Act 2010, s. 3 (production)"}],
        acting_user=state_a_official,
    )
    services.submit(matrix, acting_user=state_a_official)
    page.goto(f"/review/{matrix.pk}/")
    expect(page.locator("#matrix-status")).to_contain_text("submitted")
    expect(page.locator("tr[id^=cell-]")).to_have_count(1)
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text("s. 3 (production)")
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text("changed since your review")
    expect(page.get_by_text("once approved, this version is published when the State consents")).to_be_visible()
    # Approving goes through its confirmation, shown in a dialog.
    page.get_by_role("main").get_by_role("link", name="Approve").click()
    page.get_by_role("dialog").get_by_role("button", name="Approve").click()
    expect(page.locator("#matrix-status")).to_contain_text("approved")
    expect(page.get_by_role("status").filter(has_text="it will be published once the State consents")).to_be_visible()
    assert Matrix.objects.get(pk=matrix.pk).status == Matrix.Status.APPROVED


def test_a_comment_in_place_keeps_the_experts_place_and_resolving_closes_the_thread(
    page, expert, state_a, state_a_official
):
    matrix = full_version(state_a, state_a_official)
    log_in(page, f"/review/{matrix.pk}/?section=OP2&view=all")
    cell = page.locator("#cell-OP2-POSSESS-BW-enforcement")
    cell.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(200)
    page.evaluate("window.stillHere = true")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 1000

    cell.get_by_role("link", name="Comment on OP2.POSSESS, Biological weapons, Enforcement").click()
    cell.get_by_label("Your comment on OP2.POSSESS, Biological weapons, Enforcement").fill("Which penalty applies?")
    cell.get_by_role("button", name="Add comment").click()

    expect(cell).to_contain_text("Which penalty applies?")
    expect(cell.get_by_role("button", name="Add comment")).to_have_count(0)
    expect(page.locator("#thread-counts")).to_contain_text("1 open comment thread")
    assert page.evaluate("window.stillHere") is True  # no navigation, no reload
    assert page.evaluate("window.scrollY") == scrolled
    assert Comment.objects.get(matrix=matrix).body == "Which penalty applies?"

    # A refused comment keeps the form open in place, with the error next to the field.
    cell.get_by_role("link", name="Comment on OP2.POSSESS, Biological weapons, Enforcement").click()
    cell.get_by_role("button", name="Add comment").click()
    expect(cell.get_by_text("Write a comment.")).to_be_visible()
    assert page.evaluate("window.scrollY") == scrolled

    # Resolve the thread, then reopen it: in place too.
    cell.get_by_role("button", name="Resolve the comments on OP2.POSSESS, Biological weapons, Enforcement").click()
    expect(cell).to_contain_text("resolved")
    expect(page.locator("#thread-counts")).to_contain_text("0 open comment threads")
    assert Comment.objects.get(matrix=matrix).resolved_by == expert
    cell.get_by_role("button", name="Reopen the comments on OP2.POSSESS, Biological weapons, Enforcement").click()
    expect(cell.locator(".review-thread")).to_have_attribute("data-thread", "open")
    assert Comment.objects.get(matrix=matrix).resolved_at is None
    assert page.evaluate("window.stillHere") is True
    assert page.evaluate("window.scrollY") == scrolled


def test_without_javascript_a_comment_comes_back_to_the_cell(browser_without_js, live_server, expert, version):
    page = browser_without_js
    log_in(page, f"/review/{version.pk}/?section=OP2")

    page.get_by_role("link", name="Comment on OP2.MANUFACTURE, Chemical weapons, National legal framework").click()
    page.get_by_label("Your comment on OP2.MANUFACTURE, Chemical weapons, National legal framework").fill("Why?")
    page.get_by_role("button", name="Add comment").click()

    assert page.url.endswith("?section=OP2&view=all#cell-OP2-MANUFACTURE-CW-framework")
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_contain_text("Why?")
    expect(page.locator("#cell-OP2-MANUFACTURE-CW-framework")).to_be_in_viewport()


def test_the_changed_since_last_review_view_shows_exactly_the_cells_the_state_changed(
    page, expert, state_a, state_a_official
):
    first = full_version(state_a, state_a_official)
    services.set_consent(first, consent=True, acting_user=state_a_official)
    services.approve(first, acting_user=expert)
    matrix = services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    specs = services.layout(matrix.template)
    amended = [
        {"row": s.row.code, "column": s.column, "aspect": s.aspect, "mark": "X", "source": f"Amended Act ({i})"}
        for i, s in enumerate(specs[:50])
    ]
    services.update_cells(matrix, amended, acting_user=state_a_official)
    services.submit(matrix, acting_user=state_a_official)

    # The expert asks for changes on the page; the State changes two cells and resubmits.
    log_in(page, f"/review/{matrix.pk}/")
    page.get_by_text("Request changes…").click()
    page.get_by_role("button", name="Request changes", exact=True).click()
    expect(page.locator("#matrix-status")).to_contain_text("changes requested")
    possess = next(s for s in specs if s.key == ("OP2.POSSESS", "NW", "framework"))
    op3 = next(s for s in specs if s.row.section.code.startswith("OP3"))
    services.update_cells(
        matrix,
        [
            {"row": s.row.code, "column": s.column, "aspect": s.aspect, "mark": "?", "source": "Bill pending"}
            for s in (possess, op3)
        ],
        acting_user=state_a_official,
    )
    services.submit(matrix, acting_user=state_a_official)

    page.goto(f"/review/{matrix.pk}/")
    views = page.get_by_role("navigation", name="Which cells to show")
    expect(views.get_by_role("link", name="Changed since your last review (2)")).to_have_attribute(
        "aria-current", "page"
    )
    expect(views.get_by_role("link", name="Changed since the published version (51)")).to_be_visible()
    expect(page.locator("tr[id^=cell-]")).to_have_count(1)
    expect(page.locator("#cell-OP2-POSSESS-NW-framework")).to_have_class("review-changed-round")
    expect(page.locator("#cell-OP2-POSSESS-NW-framework")).to_contain_text("Bill pending")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name=op3.row.section.code).click()
    expect(page.locator("tr[id^=cell-]")).to_have_count(1)
    expect(page.locator("tr[id^=cell-]")).to_contain_text(op3.row.code)


def test_the_table_header_and_row_label_stay_in_view_when_scrolling(page, expert, state_a, state_a_official):
    matrix = full_version(state_a, state_a_official)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, f"/review/{matrix.pk}/?section=OP2&view=all")
    header = page.locator(".review-table thead th").first
    label = page.locator("#cell-OP2-POSSESS-NW-framework th.review-row-label .review-row-label-inner")

    page.locator("#cell-OP2-POSSESS-CW-enforcement").scroll_into_view_if_needed()
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(200)

    assert page.evaluate("window.scrollY") > 1000
    top = header.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 5
    expect(header).to_be_in_viewport()
    label_top = label.evaluate("e => e.getBoundingClientRect().top")
    header_bottom = header.evaluate("e => e.getBoundingClientRect().bottom")
    assert header_bottom - 2 <= label_top < header_bottom + 40  # just below the header, not scrolled away
    # The comments column is not clipped at 1366 px: the table fits the window.
    table_right = page.locator(".review-table").evaluate("e => e.getBoundingClientRect().right")
    assert table_right <= page.viewport_size["width"]


@pytest.fixture
def version(state_a, state_a_official):
    matrix = services.start_draft(state_a, Regime.objects.get(code="1540"), acting_user=state_a_official)
    services.update_cells(matrix, [{**CW_MANUFACTURE, "mark": "X", "source": "Act"}], acting_user=state_a_official)
    return services.submit(matrix, acting_user=state_a_official)


@pytest.fixture
def browser_without_js(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    yield context.new_page()
    context.close()
