"""Accessibility of the portal's main pages, checked with axe-core in Debian's Chromium.

Every page of ``PAGES`` is opened as its role, at a desktop and at a phone width, and must have no
serious or critical axe-core violation; every control in the header, and on these pages, shows a
focus indicator that contrasts with what is around it. Adding a page is one line in ``PAGES``.
"""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from assistance.tests.helpers import draft_request
from assistance.tests.helpers import submit as submit_request
from matrices import services
from matrices.models import Regime
from matrices.tests.test_public import filled_cells, publish
from portal.testing.axe import assert_accessible, focus_indicator_problems, indicator_of_focused
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)

# Who opens the page ("public" is not logged in), where (built from the scenario), and what it is.
PAGES = [
    ("public", lambda s: "/", "the home page"),
    ("public", lambda s: "/states/", "the States list"),
    ("public", lambda s: "/states/JAM/1540/v1/", "a published matrix"),
    ("public", lambda s: "/compare/?regime=1540&a=JAM&b=KEN", "the comparison of two States"),
    ("public", lambda s: "/search/?q=Chemical+Weapons+Act", "search, with results"),
    ("public", lambda s: "/accounts/login/", "the login page"),
    ("official-a", lambda s: f"/workspace/{s.draft.pk}/section/OP2/", "the grid editor of a draft"),
    ("official-a", lambda s: "/workspace/gaps/", "the State's gaps"),
    ("official-a", lambda s: "/assistance/requests/new/", "the new assistance request form"),
    ("expert", lambda s: f"/review/{s.submitted.pk}/", "the review of a submitted version"),
    ("opcw-staff", lambda s: "/assistance/provider/", "the provider's inbox"),
]

ROLES = list(dict.fromkeys(role for role, _url, _what in PAGES))


@pytest.fixture
def scenario(settings, state_a, state_b, state_a_official, state_b_official, expert, provider_chemical):
    """Jamaica and Kenya have a published 1540 matrix each; Jamaica has a draft v2 and a request
    routed to the OPCW (among others); Kenya has submitted a v2 for review."""
    settings.ASSISTANCE_MAX_MATCHES = 20  # every fitting provider is matched, whatever the scores
    regime = Regime.objects.get(code="1540")
    publish(state_a, state_a_official, expert, filled_cells(6, source="Jamaican Chemical Weapons Act, s. {i}"))
    publish(state_b, state_b_official, expert, filled_cells(4, source="Kenyan Chemical Weapons Act, s. {i}"))
    draft = services.start_draft(state_a, regime, acting_user=state_a_official)
    submitted = services.start_draft(state_b, regime, acting_user=state_b_official)
    services.update_cells(
        submitted, filled_cells(8, source="Kenyan Chemical Weapons Act 2024, s. {i}"), acting_user=state_b_official
    )
    services.submit(submitted, acting_user=state_b_official)
    request = submit_request(draft_request(state_a, state_a_official), state_a_official)
    assert request.matches.filter(provider=provider_chemical.provider).exists()
    return SimpleNamespace(draft=draft, submitted=submitted, request=request)


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_attached()


def open_page(page, url):
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    expect(page.get_by_role("heading", level=1).first).to_be_visible()


def check_pages_of(page, role, scenario):
    """Open each page of `role` and check it; the failures, as readable paragraphs."""
    failures = []
    for who, build_url, what in PAGES:
        if who != role:
            continue
        url = build_url(scenario)
        try:
            open_page(page, url)
            if url.startswith("/search/"):
                expect(page.locator("main")).to_contain_text("Jamaican Chemical Weapons Act")
        except AssertionError as failure:
            failures.append(f"{what} ({url}, as {role}) did not open as expected: {failure}")
            continue
        # The page is laid out again at each width (the layout is CSS's: no need to load it again).
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            try:
                assert_accessible(page, f"{what} at {width} px, as {role}")
            except AssertionError as failure:
                failures.append(str(failure))
        # Every control of the page (at a phone's width) shows a focus indicator.
        problems = focus_indicator_problems(page)
        if problems:
            failures.append(f"Controls without a visible focus indicator on {what} ({url}):\n" + "\n".join(problems))
    return failures


def test_no_serious_or_critical_violation_and_visible_focus_on_every_page(page, live_server, scenario):
    """One scenario and one browser for every role: the public's pages in `page`, then a context
    per role, logged in once through the login page."""
    failures = check_pages_of(page, "public", scenario)
    for role in ROLES:
        if role == "public":
            continue
        context = page.context.browser.new_context(base_url=live_server.url)
        try:
            role_page = context.new_page()
            role_page.set_default_timeout(10_000)
            log_in(role_page, role)
            failures += check_pages_of(role_page, role, scenario)
        finally:
            context.close()
    assert not failures, "\n\n".join(failures)


def tab_through_header(page):
    """Press Tab from the top of the page until focus leaves the header; the focus indicator of
    each header control reached."""
    page.keyboard.press("Tab")  # the skip link, before the header
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = indicator_of_focused(page)
        if not focused["inHeader"]:
            break
        reached.append(focused)
    return reached


def describe(control):
    return f"{control['label']!r} ({control['tag']}: {control['reason'] or 'ok'})"


def test_every_header_control_shows_a_light_focus_indicator(page, state_a_official, expert):
    log_in(page, "official-a")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/states/")
    reached = tab_through_header(page)
    labels = [control["label"] for control in reached]
    for expected in ("1540", "States", "Matrices", "Log out"):
        assert any(expected in label for label in labels), f"{expected!r} not reached by Tab in {labels}"
    invisible = [describe(control) for control in reached if control["reason"]]
    assert not invisible, "Header controls without a visible focus indicator: " + "; ".join(invisible)

    # At a phone's width the menu is behind a toggle: it shows focus too, and so do the links it opens.
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/states/")
    reached = tab_through_header(page)
    assert "Show navigation" in [control["label"] for control in reached], reached
    invisible = [describe(control) for control in reached if control["reason"]]
    assert not invisible, "Header controls without a visible focus indicator: " + "; ".join(invisible)
    toggle = page.get_by_role("button", name="Show navigation")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="States", exact=True)).to_be_visible()
    for _ in range(3):
        page.keyboard.press("Tab")
        control = indicator_of_focused(page)
        assert control["inHeader"] and not control["reason"], describe(control)
