"""The world map and the charts of coverage on the published matrices page (`matrices.coverage`).

The page carries the figures as JSON (json_script) for static/js/coverage_map.js and coverage_charts.js,
and the same figures as tables; the browser test (test_map_browser.py) checks the drawing.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from matrices import services
from matrices.coverage import MAP_BINS
from matrices.tests.test_public import filled_cells, publish
from states.models import Membership, State

pytestmark = pytest.mark.django_db

CELLS_1540 = 357
# The page without the map (test_public.BROWSE_QUERIES), then the publication signature, the States and
# the memberships; the figures when they are not cached: the latest versions and their coverage (2).
OVERVIEW_WARM = 3
OVERVIEW_COLD = OVERVIEW_WARM + 3
BROWSE_WITHOUT_OVERVIEW = 7
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


def page_json(response, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode())
    assert match, element_id
    return json.loads(match.group(1))


def figures(response):
    return {state["iso3"]: state for state in page_json(response, "coverage-map-data")["states"]}


@pytest.fixture
def jamaica(state_a, state_a_official, expert):
    """3 cells marked X and one NA: 3 of 356 applicable cells."""
    cells = filled_cells(3) + [
        {"row": "OP2.MANUFACTURE", "column": "NW", "aspect": "enforcement", "mark": "NA", "remarks": "No industry"}
    ]
    return publish(state_a, state_a_official, expert, cells)


@pytest.fixture
def kenya(state_b, state_b_official, expert):
    """300 of 357 cells marked X."""
    return publish(state_b, state_b_official, expert, filled_cells(300))


def test_the_map_figures_are_each_states_share_of_applicable_cells_marked_x(client, jamaica, kenya):
    response = client.get("/matrices/")

    data = page_json(response, "coverage-map-data")
    assert data["regime"] == "1540"
    assert data["bins"] == list(MAP_BINS) == [0, 25, 50, 75]
    assert sorted(data["members"]) == sorted(State.objects.values_list("m49", flat=True))
    assert len(data["members"]) == 193
    assert figures(response) == {
        "JAM": {
            "iso3": "JAM",
            "m49": "388",
            "name": "Jamaica",
            "percent": 1,
            "covered": 3,
            "applicable": CELLS_1540 - 1,
            "class": "coverage-0",
            "url": "/states/JAM/1540/v1/",
        },
        "KEN": {
            "iso3": "KEN",
            "m49": "404",
            "name": "Kenya",
            "percent": 84,
            "covered": 300,
            "applicable": CELLS_1540,
            "class": "coverage-3",
            "url": "/states/KEN/1540/v1/",
        },
    }


@pytest.mark.parametrize(("count", "css_class"), [(80, "coverage-0"), (100, "coverage-1"), (200, "coverage-2")])
def test_a_state_is_coloured_by_its_quarter_of_coverage(client, state_a, state_a_official, expert, count, css_class):
    publish(state_a, state_a_official, expert, filled_cells(count))

    assert figures(client.get("/matrices/"))["JAM"]["class"] == css_class


def test_the_map_shows_the_latest_published_version_only(client, jamaica, state_a, state_a_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(200))
    services.start_draft(state_a, jamaica.regime, acting_user=state_a_official)

    jam = figures(client.get("/matrices/"))["JAM"]

    assert (jam["covered"], jam["url"]) == (200, "/states/JAM/1540/v2/")


def test_the_map_shows_the_regime_filtered_on(client, jamaica, kenya):
    response = client.get("/matrices/", {"regime": "cwc"})

    assert page_json(response, "coverage-map-data")["regime"] == "CWC"
    assert figures(response) == {}
    assert "Coverage of the latest published CWC matrix of each State" in response.content.decode()


def test_the_figures_are_also_a_table_of_the_states_with_a_published_matrix(client, jamaica, kenya):
    page = client.get("/matrices/").content.decode()

    table = page.split('id="coverage-by-state"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr data-iso3="([A-Z]{3})">.*?<td>(.*?)</td><td>(v\d+)</td>.*?>(\d+/\d+)</td>.*?>(\d+%)</td>', table, re.S
    )
    assert rows == [("JAM", "GRULAC", "v1", "3/356", "1%"), ("KEN", "African", "v1", "300/357", "84%")]
    assert "2 of 193 UN Member States have a published 1540 matrix" in page
    assert 'role="img"' in page.split('id="coverage-overview"')[1]  # the charts' canvases


def test_the_charts_pool_the_states_of_each_regional_group_and_organisation(client, jamaica, kenya):
    response = client.get("/matrices/")

    charts = page_json(response, "coverage-chart-data")
    regions = {group["code"]: group for group in charts["regions"]}
    assert sorted(regions) == ["African", "Asia-Pacific", "Eastern European", "GRULAC", "WEOG"]
    assert regions["GRULAC"] == {
        "code": "GRULAC",
        "name": "GRULAC",
        "percent": 1,
        "reporting": 1,
        "states": State.objects.filter(region__name="GRULAC").count(),
        "covered": 3,
        "applicable": 356,
    }
    assert regions["WEOG"]["reporting"] == 0 and regions["WEOG"]["percent"] is None
    organizations = {group["code"]: group for group in charts["organizations"]}
    caricom_states = Membership.objects.current().filter(organization__code="CARICOM", state__isnull=False).count()
    assert (organizations["CARICOM"]["reporting"], organizations["CARICOM"]["states"]) == (1, caricom_states)
    assert organizations["AU"]["covered"] == 300
    page = response.content.decode()
    assert '<a href="/organizations/CARICOM/">' in page.split('id="coverage-organizations-title"')[1]


def test_the_figures_follow_every_publication_and_withdrawal_at_once(
    client, jamaica, state_b, state_b_official, expert
):
    assert set(figures(client.get("/matrices/"))) == {"JAM"}  # now cached

    kenya = publish(state_b, state_b_official, expert, filled_cells(10))
    assert set(figures(client.get("/matrices/"))) == {"JAM", "KEN"}

    services.set_consent(kenya, consent=False, acting_user=state_b_official)
    assert set(figures(client.get("/matrices/"))) == {"JAM"}


def test_the_map_and_charts_run_a_constant_number_of_queries(
    client, jamaica, state_b, state_b_official, expert, django_assert_num_queries
):
    with django_assert_num_queries(BROWSE_WITHOUT_OVERVIEW + OVERVIEW_COLD):
        client.get("/matrices/")
    with django_assert_num_queries(BROWSE_WITHOUT_OVERVIEW + OVERVIEW_WARM):
        client.get("/matrices/")
    publish(state_b, state_b_official, expert, filled_cells(300))
    with django_assert_num_queries(BROWSE_WITHOUT_OVERVIEW + OVERVIEW_COLD):
        response = client.get("/matrices/")

    assert set(figures(response)) == {"JAM", "KEN"}


def test_without_a_published_matrix_the_map_is_all_grey_and_says_so(client, reference):
    response = client.get("/matrices/")

    assert figures(response) == {}
    assert "0 of 193 UN Member States have a published 1540 matrix" in response.content.decode()
    assert 'id="coverage-by-state"' not in response.content.decode()


def test_the_page_loads_the_vendored_map_and_chart_scripts_only(client, jamaica):
    page = client.get("/matrices/").content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/vendor/topojson-client/topojson-client.min.js" in scripts
    assert "/static/js/coverage_map.js" in scripts
    assert "/static/vendor/chartjs/chart.umd.min.js" in scripts
    assert "/static/js/coverage_charts.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    assert 'data-coverage-map="/static/vendor/world-atlas/countries-50m.json"' in page


def test_the_list_downloads_offer_every_format_whatever_the_number_of_matrices(client, jamaica, kenya):
    page = client.get("/matrices/").content.decode()

    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/matrices/export.{fmt}"' in page
    assert "matrices at most" not in page


def test_every_un_member_state_but_tuvalu_has_a_shape_in_the_vendored_world_atlas(reference):
    """world-atlas ids are ISO 3166-1 numeric codes, the same as the States' M49 codes. Tuvalu is too
    small for Natural Earth's 1:50m countries: it is in the table only."""
    topology = json.loads((VENDOR / "world-atlas" / "countries-50m.json").read_text())
    ids = {geometry.get("id") for geometry in topology["objects"]["countries"]["geometries"]}

    missing = set(State.objects.exclude(m49__in=ids).values_list("iso3", flat=True))

    assert missing == {"TUV"}


@pytest.mark.parametrize(
    ("package", "files"),
    [
        ("world-atlas", ["countries-50m.json", "LICENSE", "package.json"]),
        ("topojson-client", ["topojson-client.min.js", "LICENSE", "package.json"]),
    ],
)
def test_the_map_packages_are_vendored_with_their_licences(package, files):
    for name in files:
        assert (VENDOR / package / name).is_file(), name
    assert "ISC" in json.loads((VENDOR / package / "package.json").read_text())["license"]
    assert "Michael Bostock" in (VENDOR / package / "LICENSE").read_text()
