"""A regional organisation's page shows the coverage of its members' published matrices: a column of
the members table, a pooled figure and a chart (the matrices app's section of the page, registered
through `states/pages.py`)."""

import json
import re

import pytest

from matrices import services
from matrices.tests.test_public import filled_cells, publish
from states.models import Membership

pytestmark = pytest.mark.django_db

# The organisation, its memberships with their States; the publication signature; when the figures are
# not cached, the latest published versions and their coverage (2).
ORGANIZATION_PAGE_WARM = 3
ORGANIZATION_PAGE_COLD = ORGANIZATION_PAGE_WARM + 3


def member_cells(page):
    """{member name: text of its coverage cell} from the members table."""
    table = page.split('<caption class="visually-hidden">Members</caption>')[1].split("</table>")[0]
    return {
        name.strip(): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for name, cell in re.findall(
            r"<th scope=\"row\">(?:<a [^>]*>|<span lang=\"en\">)?([^<]+).*?</th>"
            r"\s*<td>.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>",
            table,
            re.S,
        )
    }


def chart(page):
    match = re.search(r'<script id="member-coverage-data" type="application/json">(.*?)</script>', page)
    return json.loads(match.group(1))["members"] if match else None


@pytest.fixture
def jamaica(state_a, state_a_official, expert):
    return publish(state_a, state_a_official, expert, filled_cells(100))


def test_the_members_table_gives_each_members_coverage(client, jamaica):
    page = client.get("/organizations/CARICOM/").content.decode()

    cells = member_cells(page)
    assert cells["Jamaica"] == "28% (100/357)"
    assert cells["Haiti"] == "No published matrix"
    assert cells["Montserrat"] == "—"  # not a UN Member State
    assert '<a href="/states/JAM/1540/v1/">28%</a>' in page


def test_the_page_pools_the_members_figures_and_charts_them(client, jamaica):
    page = client.get("/organizations/CARICOM/").content.decode()

    members = Membership.objects.current().filter(organization__code="CARICOM", state__isnull=False).count()
    summary = re.sub(r"\s+", " ", page.split('id="member-coverage-summary">')[1].split("</p>")[0])
    assert f"1 of its {members} UN Member States have a published 1540 matrix." in summary
    assert "Together, 100 of their 357 applicable cells are marked X (28%)." in summary
    bars = {bar["code"]: bar for bar in chart(page)}
    assert len(bars) == members
    assert bars["JAM"] == {"code": "JAM", "name": "Jamaica", "percent": 28, "covered": 100, "applicable": 357}
    assert bars["HTI"]["percent"] is None
    assert 'data-coverage-chart="member-coverage-data"' in page and 'role="img"' in page
    assert "/static/js/coverage_charts.js" in page


def test_without_a_published_matrix_there_is_no_chart(client, reference):
    page = client.get("/organizations/CARICOM/").content.decode()

    assert chart(page) is None
    assert "coverage_charts.js" not in page
    assert "0 of its" in page and member_cells(page)["Jamaica"] == "No published matrix"


def test_a_withdrawn_matrix_leaves_the_figures_at_once(client, jamaica, state_a_official):
    assert member_cells(client.get("/organizations/CARICOM/").content.decode())["Jamaica"].startswith("28%")

    services.set_consent(jamaica, consent=False, acting_user=state_a_official)

    assert member_cells(client.get("/organizations/CARICOM/").content.decode())["Jamaica"] == "No published matrix"


@pytest.mark.parametrize("code", ["CARICOM", "AU"])
def test_the_organisation_page_runs_a_constant_number_of_queries(
    client, jamaica, state_b, state_b_official, expert, django_assert_num_queries, code
):
    with django_assert_num_queries(ORGANIZATION_PAGE_COLD):
        client.get(f"/organizations/{code}/")
    with django_assert_num_queries(ORGANIZATION_PAGE_WARM):
        client.get(f"/organizations/{code}/")
    publish(state_b, state_b_official, expert, filled_cells(10))
    with django_assert_num_queries(ORGANIZATION_PAGE_COLD):
        assert client.get(f"/organizations/{code}/").status_code == 200
