"""The coverage map and charts drawn in Debian's Chromium: a path per State with its coverage class,
the legend, the charts' canvases; nothing is fetched from outside the portal."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from matrices.tests.test_public import filled_cells, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every UN Member State has a shape in world-atlas's 1:50m countries but Tuvalu (test_map.py); Australia
# has two (the Ashmore and Cartier Islands carry its code).
STATES_DRAWN = 192
SHAPES = STATES_DRAWN + 1


@pytest.fixture
def published(state_a, state_b, state_a_official, state_b_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(100))  # 28%
    publish(state_b, state_b_official, expert, filled_cells(300))  # 84%


def record_requests(page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def assert_all_local(requests, live_server):
    local = urlsplit(live_server.url).netloc
    assert requests
    assert {urlsplit(url).netloc for url in requests if not url.startswith("data:")} == {local}
    assert urlsplit(live_server.url).hostname in ("127.0.0.1", "localhost")


def test_the_map_draws_every_state_coloured_by_its_coverage_with_a_legend(page, live_server, published):
    requests = record_requests(page)
    page.goto("/matrices/")

    drawn = page.locator("[data-coverage-map][data-drawn]")
    expect(drawn).to_have_count(1)
    svg = drawn.locator("svg")
    expect(svg).to_have_attribute("role", "img")
    assert "Coverage of the latest published 1540 matrix" in page.evaluate(
        "ids => ids.split(' ').map(id => document.getElementById(id).textContent).join(' ')",
        svg.get_attribute("aria-labelledby"),
    )
    expect(page.locator("path.coverage-map-state")).to_have_count(SHAPES)
    codes = page.eval_on_selector_all("path.coverage-map-state", "paths => paths.map(p => p.dataset.m49)")
    assert len(set(codes)) == STATES_DRAWN
    expect(page.locator('path.coverage-map-state[data-iso3="JAM"]')).to_have_class("coverage-map-state coverage-1")
    expect(page.locator('path.coverage-map-state[data-iso3="KEN"]')).to_have_class("coverage-map-state coverage-3")
    expect(page.locator("path.coverage-map-state.coverage-none")).to_have_count(SHAPES - 2)
    france = page.locator('path.coverage-map-state[data-m49="250"]')
    expect(france).to_have_class("coverage-map-state coverage-none")
    expect(france.locator("title")).to_have_text("France: no published matrix")
    expect(page.locator('path[data-iso3="KEN"] title')).to_have_text(
        "Kenya: 84% (300 of 357 applicable cells marked X)"
    )
    # Small islands get a dot as well (Malta, a grey one).
    expect(page.locator('circle.coverage-map-dot[data-m49="470"]')).to_have_count(1)
    box = svg.bounding_box()
    assert box["width"] > 600 and box["height"] > 250
    legend = page.locator("#coverage-map-legend")
    expect(legend).to_be_visible()
    expect(legend.locator("li")).to_have_text(["No published matrix", "0–24%", "25–49%", "50–74%", "75–100%"])

    page.locator('path[data-iso3="KEN"]').dispatch_event("click")
    page.wait_for_url("**/states/KEN/1540/v1/")
    assert_all_local(requests, live_server)


def test_the_charts_of_regional_groups_and_organisations_render(page, live_server, published):
    requests = record_requests(page)
    page.goto("/matrices/")

    charts = page.locator("canvas[data-coverage-chart][data-drawn]")
    expect(charts).to_have_count(2)
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box["width"] > 100 and box["height"] > 100
    # Chart.js drew bars: the canvas is not blank (once its first frame is painted).
    page.wait_for_function(
        """() => { const canvas = document.querySelector('canvas[data-chart-key="regions"]');
                   const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                   for (let i = 3; i < pixels.length; i += 4) { if (pixels[i]) return true; } return false; }"""
    )
    page.get_by_text("The figures, as a table").first.click()
    expect(page.locator("table.coverage-table").nth(1).get_by_role("row", name="GRULAC")).to_contain_text("28%")
    assert_all_local(requests, live_server)


def test_an_organisation_page_charts_its_members_coverage(page, live_server, published):
    requests = record_requests(page)
    page.goto("/organizations/CARICOM/")

    expect(page.locator('canvas[data-coverage-chart="member-coverage-data"][data-drawn]')).to_have_count(1)
    expect(page.get_by_role("row", name="Jamaica")).to_contain_text("28%")
    assert_all_local(requests, live_server)


def test_without_javascript_the_figures_are_in_the_tables(chromium, live_server, published):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/matrices/")
        expect(page.locator("[data-coverage-map] svg")).to_have_count(0)
        page.get_by_text("Coverage by State, as a table").click()
        expect(page.locator("#coverage-by-state").get_by_role("row", name="Kenya")).to_contain_text("84%")
    finally:
        context.close()
