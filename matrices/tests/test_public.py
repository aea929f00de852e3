"""What the public sees of matrices: published versions, browsing, comparison, diff and search.

Nothing unpublished is ever shown here, to anyone: drafts, versions under review and versions whose
consent was withdrawn answer 404 and are never found by the search.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.utils import dateformat

from matrices import services
from matrices.models import Cell, Matrix, Regime

pytestmark = pytest.mark.django_db

# SQL queries of a published matrix page for an anonymous visitor (pinned: a change must be deliberate).
# Cold: the ids of the published versions of the State's matrix (the cache key), those versions with
# their State, regime and template, the template's rows, the version's cells. Warm: the first query
# only; the page comes from the cache. A logged-in visitor adds the session and the user. Both add the
# token of the cells' notes (the State's latest published action plan) and cold its covered cells.
MATRIX_PAGE_COLD = 6
MATRIX_PAGE_WARM = 2
# Browse: count, page of versions, rows per section, marks per section, and the filter form's three
# choice lists (one select each: the widgets read them once, with no count); then the map and the
# charts (matrices.coverage.overview): the States, the current memberships, and on a cold cache the
# coverage figures (3 more; every publication changes the cache key, as here).
BROWSE_QUERIES = 13
# Compare: the States with a published matrix (for the form), both versions, the template's rows, the
# cells of each version.
COMPARE_QUERIES = 5
# Version diff: published versions, template rows, cells of each version.
DIFF_QUERIES = 4
# Search: the States and the regional groups of the filters, count and one page of cells with their
# version, State, regime, row and section; the registered search sources' documents (action plans).
SEARCH_QUERIES = 5


# ---------------------------------------------------------------------------------------------
# Helpers: every matrix is made through the services, as a State and the Committee would.


def filled_cells(count, *, source="National Act {i}, art. {i}", regime="1540"):
    """`count` cells of the regime's current template, marked X with a source."""
    template = Regime.objects.get(code=regime).templates.order_by("-version").first()
    specs = services.layout(template)[:count]
    return [
        {"row": spec.row.code, "column": spec.column, "aspect": spec.aspect, "mark": "X", "source": source.format(i=i)}
        for i, spec in enumerate(specs)
    ]


def draft_with(state, official, cells=None, *, regime="1540", report_date=None):
    matrix = services.start_draft(state, Regime.objects.get(code=regime), acting_user=official)
    if cells:
        services.update_cells(matrix, cells, acting_user=official)
    if report_date:
        # The date of the national report is set on the draft, as the official does when attaching it.
        Matrix.objects.filter(pk=matrix.pk).update(report_date=report_date)
    matrix.refresh_from_db()
    return matrix


def publish(state, official, expert, cells=None, *, regime="1540", report_date=None):
    """A published version: drafted, submitted by the official, approved by the expert, consented."""
    matrix = draft_with(state, official, cells, regime=regime, report_date=report_date)
    services.submit(matrix, acting_user=official)
    services.approve(matrix, acting_user=expert)
    return services.set_consent(matrix, consent=True, acting_user=official)


def text(response):
    return response.content.decode()


@pytest.fixture
def jamaica_v1(state_a, state_a_official, expert):
    cells = filled_cells(3) + [
        {"row": "OP2.MANUFACTURE", "column": "NW", "aspect": "enforcement", "mark": "NA", "remarks": "No industry"}
    ]
    return publish(state_a, state_a_official, expert, cells, report_date=datetime.date(2024, 3, 15))


def persona_users(state_a_official, state_b_official, expert, provider):
    return {
        "public": None,
        "official of the State": state_a_official,
        "official of another State": state_b_official,
        "expert": expert,
        "provider": provider,
    }


@pytest.fixture
def personas(state_a_official, state_b_official, expert, provider_chemical):
    return persona_users(state_a_official, state_b_official, expert, provider_chemical)


def as_persona(client, user):
    if user is not None:
        client.force_login(user)
    return client


PERSONAS = ["public", "official of the State", "official of another State", "expert", "provider"]


# ---------------------------------------------------------------------------------------------
# A published matrix


def test_the_latest_published_matrix_shows_header_disclaimer_and_coverage(client, jamaica_v1):
    response = client.get("/states/JAM/1540/")

    assert response.status_code == 200
    page = text(response)
    assert "Jamaica: matrix of Security Council resolution 1540 (2004)" in page
    assert "a reference tool for facilitating assistance, not a tool for measuring compliance" in page
    assert "15 Mar 2024" in page  # date of the report
    assert dateformat.format(jamaica_v1.approved_at, "j M Y") in page
    assert "Template version" in page
    assert "latest published" in page
    assert "National Act 0, art. 0" in page
    # OP1: 33 cells, 3 of them X; OP2: 14 rows x 6 cells, one NA.
    assert re.search(r"3 of 33 applicable cells marked X \(9%\)", page)
    assert re.search(r"0 of 83 applicable cells marked X", page)
    assert 'id="cell-OP2-MANUFACTURE-NW-enforcement"' in page
    # The coverage table names each section, linked to it.
    op2_row = (
        r'<th scope="row"><a href="#section-OP2">OP2: prohibitions and their enforcement</a></th>'
        r'\s*<td class="text-end">0</td>'
    )
    assert re.search(op2_row, page)


def test_a_given_published_version_has_a_stable_url(client, jamaica_v1):
    assert jamaica_v1.get_absolute_url() == "/states/JAM/1540/v1/"
    response = client.get("/states/JAM/1540/v1/")

    assert response.status_code == 200
    assert "National Act 2, art. 2" in text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_sees_a_published_matrix(client, jamaica_v1, personas, persona):
    response = as_persona(client, personas[persona]).get("/states/JAM/1540/v1/")

    assert response.status_code == 200
    assert "National Act 1, art. 1" in text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_draft_is_never_shown_on_the_public_pages_even_to_its_state(client, state_a, personas, persona):
    draft_with(state_a, personas["official of the State"], filled_cells(2, source="Secret draft law"))
    client = as_persona(client, personas[persona])

    latest = client.get("/states/JAM/1540/")
    version = client.get("/states/JAM/1540/v1/")

    assert latest.status_code == 404
    assert "Jamaica has no published 1540 matrix." in text(latest)
    assert version.status_code == 404
    assert "Version 1 of the 1540 matrix of Jamaica is not published." in text(version)
    assert "Secret draft law" not in text(latest) + text(version)


def test_a_version_under_review_stays_hidden_while_the_published_one_shows(
    client, jamaica_v1, state_a, state_a_official
):
    draft = draft_with(state_a, state_a_official, filled_cells(1, source="Pending amendment"))
    services.submit(draft, acting_user=state_a_official)

    assert "National Act 0" in text(client.get("/states/JAM/1540/"))
    assert "Pending amendment" not in text(client.get("/states/JAM/1540/"))
    assert client.get("/states/JAM/1540/v2/").status_code == 404


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/states/XYZ/1540/", 404, "No UN Member State has the ISO code XYZ."),
        ("/states/KEN/cwc/", 404, "Kenya has no published CWC matrix."),
        ("/states/JAM/1540/v7/", 404, "Version 7 of the 1540 matrix of Jamaica is not published."),
        ("/states/JAM/abc/", 404, "There is no page at this address."),
        ("/states/JAM/1540/vx/", 404, "There is no page at this address."),
    ],
)
def test_unknown_state_regime_or_version_answers_404_with_a_clear_message(client, jamaica_v1, url, status, message):
    response = client.get(url)

    assert response.status_code == status
    assert message in text(response)


def test_a_lowercase_iso_code_redirects_to_the_canonical_url(client, jamaica_v1):
    assert client.get("/states/jam/1540/").url == "/states/JAM/1540/"
    assert client.get("/states/jam/CWC/v2/").url == "/states/JAM/cwc/v2/"


def test_a_post_to_a_public_matrix_page_is_refused(client, jamaica_v1):
    assert client.post("/states/JAM/1540/v1/").status_code == 405


def test_cell_text_is_escaped_on_the_matrix_page(client, state_a, state_a_official, expert):
    cells = [{"row": "OP1.NPT", "column": "ALL", "aspect": "framework", "mark": "X", "source": 'Act 1 < 2 & "x"'}]
    publish(state_a, state_a_official, expert, cells)

    page = text(client.get("/states/JAM/1540/"))

    assert "Act 1 &lt; 2 &amp; &quot;x&quot;" in page
    assert 'Act 1 < 2 & "x"' not in page


def test_a_derived_cell_says_which_report_it_comes_from(client, state_a, state_a_official, expert):
    checklist = draft_with(
        state_a,
        state_a_official,
        [{"row": "CWC-NA", "column": "CW", "aspect": "framework", "mark": "X", "source": "Chemical Weapons Act 2019"}],
        regime="CWC",
    )
    derived = Matrix.objects.get(state=state_a, regime__code="1540")
    services.submit(derived, acting_user=state_a_official)
    services.approve(derived, acting_user=expert)
    services.set_consent(derived, consent=True, acting_user=state_a_official)

    page = text(client.get("/states/JAM/1540/"))

    assert "derived from the CWC report (CWC-NA)" in page
    assert "Chemical Weapons Act 2019" in page
    assert checklist.status == Matrix.Status.DRAFT  # the CWC checklist itself is not public
    assert client.get("/states/JAM/cwc/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Cache and query counts


@pytest.mark.parametrize("cell_count", [3, 300])
def test_the_matrix_page_runs_a_constant_number_of_queries_cold_and_warm(
    client, state_a, state_a_official, expert, django_assert_num_queries, cell_count
):
    publish(state_a, state_a_official, expert, filled_cells(cell_count))
    cache.clear()

    with django_assert_num_queries(MATRIX_PAGE_COLD):
        cold = client.get("/states/JAM/1540/")
    with django_assert_num_queries(MATRIX_PAGE_WARM):
        warm = client.get("/states/JAM/1540/")
    with django_assert_num_queries(MATRIX_PAGE_WARM):
        version = client.get("/states/JAM/1540/v1/")

    assert cold.content == warm.content
    assert text(version).split('id="coverage-title"')[1] == text(warm).split('id="coverage-title"')[1]
    assert text(warm).count('class="matrix-cell"><span class="cell-mark mark-yes">X</span>') == cell_count


def test_a_new_publication_is_served_at_once_and_the_old_version_keeps_its_content(
    client, jamaica_v1, state_a, state_a_official, expert
):
    assert "National Act 0, art. 0" in text(client.get("/states/JAM/1540/"))  # now cached

    changed = [{**filled_cells(1)[0], "source": "Amended National Act 2025"}]
    publish(state_a, state_a_official, expert, changed)

    latest = text(client.get("/states/JAM/1540/"))
    first = text(client.get("/states/JAM/1540/v1/"))
    assert "Amended National Act 2025" in latest
    assert "National Act 0, art. 0" not in latest
    assert "National Act 0, art. 0" in first
    assert "Amended National Act 2025" not in first


def test_a_version_whose_consent_is_withdrawn_disappears_even_when_cached(client, jamaica_v1, state_a_official):
    assert client.get("/states/JAM/1540/v1/").status_code == 200  # cached

    services.set_consent(jamaica_v1, consent=False, acting_user=state_a_official)

    assert client.get("/states/JAM/1540/v1/").status_code == 404
    assert client.get("/states/JAM/1540/").status_code == 404
    assert "0 cells mention" in text(client.get("/search/", {"q": "National Act"}))
    browse = client.get("/matrices/")
    assert "JAM" not in [state["iso3"] for state in browse.context["overview"]["map"]["states"]]
    # Only the map's list of every UN Member State (the names of its tooltips) still names Jamaica.
    assert "Jamaica" not in re.sub(r'<script id="coverage-map-data".*?</script>', "", text(browse), flags=re.S)
    assert client.get("/states/JAM/1540/v1/export.csv").status_code == 404


def test_the_cache_key_changes_with_each_publication(jamaica_v1, state_a_official):
    from matrices.cache import content_key

    def key(matrix):
        return content_key(matrix.pk, matrix.published_at, [(matrix.pk, matrix.version, matrix.published_at)])

    before = key(jamaica_v1)
    services.set_consent(jamaica_v1, consent=False, acting_user=state_a_official)
    republished = services.set_consent(jamaica_v1, consent=True, acting_user=state_a_official)

    assert republished.is_published
    assert key(republished) != before
    assert f":{jamaica_v1.pk}:" in before


def test_a_logged_in_visitor_gets_the_cached_content_in_their_own_page(
    client, jamaica_v1, state_b_official, django_assert_num_queries
):
    anonymous = text(client.get("/states/JAM/1540/"))  # fills the cache
    client.force_login(state_b_official)

    with django_assert_num_queries(MATRIX_PAGE_WARM + 2):
        logged_in = text(client.get("/states/JAM/1540/"))

    assert "official-b" in logged_in
    assert "official-b" not in anonymous
    assert "Log in" in anonymous and "Log out" in logged_in
    assert logged_in.split('id="coverage-title"')[1] == anonymous.split('id="coverage-title"')[1]


def test_a_query_string_is_not_served_from_the_shared_page_cache(client, jamaica_v1):
    client.get("/states/JAM/1540/")

    response = client.get("/states/JAM/1540/", {"ref": "<b>x</b>"})

    assert response.status_code == 200
    assert "?next=/states/JAM/1540/%3Fref%3D%253Cb%253Ex" in text(response)  # this request's own path
    assert "<b>x</b>" not in text(response)


# ---------------------------------------------------------------------------------------------
# Browse


@pytest.fixture
def two_published(jamaica_v1, state_b, state_b_official, expert):
    kenya = publish(state_b, state_b_official, expert, filled_cells(10), report_date=datetime.date(2023, 11, 2))
    return jamaica_v1, kenya


def browse_rows(response):
    return re.findall(r'<th scope="row"><a href="/states/([A-Z]{3})/([a-z0-9]+)/v(\d+)/">', text(response))


def test_browse_lists_the_latest_published_version_per_state_and_regime_with_coverage_and_dates(
    client, two_published, state_a, state_a_official, expert
):
    publish(state_a, state_a_official, expert, filled_cells(5))
    draft_with(state_a, state_a_official, regime="BWC")

    response = client.get("/matrices/")

    assert response.status_code == 200
    assert browse_rows(response) == [("JAM", "1540", "2"), ("KEN", "1540", "1")]
    page = text(response)
    assert "5/33 (15%)" in page  # Jamaica v2, OP1
    assert "10/33 (30%)" in page  # Kenya, OP1
    assert "2 Nov 2023" in page
    assert "a reference tool for facilitating assistance" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"regime": "1540"}, ["JAM", "KEN"]),
        ({"regime": "cwc"}, []),
        ({"region": "African"}, ["KEN"]),
        ({"organization": "CARICOM"}, ["JAM"]),
        ({"search": "jama"}, ["JAM"]),
        ({"search": "KEN"}, ["KEN"]),
    ],
)
def test_browse_filters_by_regime_region_organisation_and_name(client, two_published, params, expected):
    response = client.get("/matrices/", params)

    assert response.status_code == 200
    assert [iso3 for iso3, _regime, _v in browse_rows(response)] == expected


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"regime": "XYZ"}, "Regime"),
        ({"region": "Nowhere"}, "UN regional group"),
        ({"organization": "NOPE"}, "Regional organisation"),
    ],
)
def test_browse_answers_400_for_an_invalid_filter(client, two_published, params, label):
    response = client.get("/matrices/", params)

    assert response.status_code == 400
    assert f"<li>{label}: Select a valid choice." in text(response)
    assert browse_rows(response) == []


def test_browse_answers_400_for_a_bad_page_number_and_404_past_the_end(client, two_published):
    assert client.get("/matrices/", {"page": "abc"}).status_code == 400
    assert client.get("/matrices/", {"page": "9"}).status_code == 404


def test_browse_runs_the_same_queries_for_1_or_2_matrices_of_any_size(
    client, jamaica_v1, state_b, state_b_official, expert, django_assert_num_queries
):
    with django_assert_num_queries(BROWSE_QUERIES):
        one = client.get("/matrices/")
    publish(state_b, state_b_official, expert, filled_cells(300))
    with django_assert_num_queries(BROWSE_QUERIES):
        two = client.get("/matrices/")

    assert len(browse_rows(one)) == 1
    assert len(browse_rows(two)) == 2


def test_browse_links_the_list_downloads_with_the_filters(client, two_published):
    page = text(client.get("/matrices/", {"region": "African"}))

    assert 'href="/matrices/export.csv?region=African"' in page
    assert 'href="/matrices/export.xlsx?region=African"' in page


# ---------------------------------------------------------------------------------------------
# Compare two States


def test_compare_shows_two_states_side_by_side_with_the_differing_cells_marked(
    client, state_a, state_b, state_a_official, state_b_official, expert
):
    publish(state_a, state_a_official, expert, filled_cells(3))
    publish(state_b, state_b_official, expert, filled_cells(2) + filled_cells(3, source="Kenyan Act {i}")[2:])

    response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN"})

    assert response.status_code == 200
    page = text(response)
    assert "Jamaica and Kenya: 1540 matrices side by side" in page
    assert "1 cell differs." in page
    assert page.count('data-differs="wording"') == 1  # both X: the same mark, another source
    assert page.count('data-differs="mark"') == 0
    # The same mark, so the words that differ are highlighted on both sides.
    assert "<mark>National</mark> Act 2<mark>, art. 2</mark>" in page
    assert "<mark>Kenyan</mark> Act 2" in page
    assert "a reference tool for facilitating assistance" in page


def test_compare_can_show_only_the_differing_cells(client, two_published):
    response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN", "only": "on"})

    page = text(response)
    assert "8 cells differ." in page  # Jamaica: 3 X and 1 NA; Kenya: 10 X; the first 3 are the same cells.
    assert page.count('<tr class="cell-differs') == 8


def test_compare_without_parameters_shows_the_form(client, reference):
    response = client.get("/compare/")

    assert response.status_code == 200
    assert '<select name="a" class="form-select" required id="id_a">' in text(response)  # no error state


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        (
            {"regime": "1540", "a": "JAM", "b": "XYZ"},
            400,
            "Select a valid choice. XYZ is not one of the available choices.",
        ),
        ({"regime": "9999", "a": "JAM", "b": "KEN"}, 400, "Select a valid choice."),
        ({"regime": "1540", "a": "JAM", "b": "JAM"}, 400, "Choose a different State"),
        ({"regime": "1540", "a": "JAM", "b": ""}, 400, "This field is required."),
        ({"regime": "1540", "a": "JAM", "b": "KEN", "x": "1"}, 400, "Unknown parameter(s): x."),
        ({"regime": "cwc", "a": "JAM", "b": "KEN"}, 400, "Jamaica has no published CWC matrix."),
        ({"regime": "cwc", "a": "JAM", "b": "KEN"}, 400, "Kenya has no published CWC matrix."),
        ({"regime": "1540", "a": "JAM", "b": "FRA"}, 400, "FRA is not one of the available choices."),
    ],
)
def test_compare_answers_bad_parameters_and_missing_matrices_clearly(client, two_published, params, status, message):
    response = client.get("/compare/", params)

    assert response.status_code == status
    assert message in text(response)


def test_compare_never_uses_a_draft(client, jamaica_v1, state_b, state_b_official):
    draft_with(state_b, state_b_official, filled_cells(3, source="Kenyan draft"))

    response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN"})

    assert response.status_code == 400  # Kenya is not offered: it has no published matrix
    assert "KEN is not one of the available choices." in text(response)
    assert "Kenyan draft" not in text(response)


@pytest.mark.parametrize("cell_count", [3, 300])
def test_compare_runs_a_constant_number_of_queries(
    client, state_a, state_b, state_a_official, state_b_official, expert, django_assert_num_queries, cell_count
):
    publish(state_a, state_a_official, expert, filled_cells(cell_count))
    publish(state_b, state_b_official, expert, filled_cells(cell_count // 2))

    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN"})

    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# Two published versions of one State


@pytest.fixture
def jamaica_v2(jamaica_v1, state_a, state_a_official, expert):
    cells = [
        {**filled_cells(1)[0], "source": "National Act 0, art. 0 as amended in 2025"},
        {"row": "OP2.MANUFACTURE", "column": "NW", "aspect": "enforcement", "mark": "", "remarks": ""},
    ]
    return publish(state_a, state_a_official, expert, cells)


def test_the_version_diff_lists_the_cells_that_changed(client, jamaica_v2):
    response = client.get("/states/JAM/1540/diff/", {"from": "1", "to": "2"})

    assert response.status_code == 200
    page = text(response)
    assert "2 cells changed from version 1 to version 2." in page
    assert "as amended in 2025" in page
    assert "No industry" in page
    assert "OP2.MANUFACTURE" in page
    assert "National Act 1, art. 1" not in page  # unchanged cells are not listed


def test_the_version_diff_compares_the_two_latest_by_default(client, jamaica_v2):
    response = client.get("/states/JAM/1540/diff/")

    assert "2 cells changed from version 1 to version 2." in text(response)


def test_the_matrix_page_links_the_version_diff_when_there_are_two_versions(client, jamaica_v2):
    assert 'href="/states/JAM/1540/diff/"' in text(client.get("/states/JAM/1540/"))


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"from": "1", "to": "3"}, 404, "Version 3 is not published. Published versions: 1, 2."),
        ({"from": "x", "to": "2"}, 400, "Give two version numbers: ?from=1&amp;to=2."),
        ({"from": "1", "to": "2", "extra": "1"}, 400, "Give two version numbers"),
    ],
)
def test_the_version_diff_refuses_unpublished_versions_and_bad_parameters(
    client, jamaica_v2, state_a, state_a_official, params, status, message
):
    draft_with(state_a, state_a_official, filled_cells(1, source="Draft text of v3"))

    response = client.get("/states/JAM/1540/diff/", params)

    assert response.status_code == status
    assert message in text(response)
    assert "Draft text of v3" not in text(response)


def test_the_version_diff_of_a_state_without_published_matrix_is_404(client, reference):
    response = client.get("/states/KEN/1540/diff/")

    assert response.status_code == 404
    assert "Kenya has no published 1540 matrix." in text(response)


def test_the_version_diff_with_one_version_says_there_is_nothing_to_compare(client, jamaica_v1):
    response = client.get("/states/JAM/1540/diff/")

    assert response.status_code == 200
    assert "Only one version of this matrix is published" in text(response)


def test_the_version_diff_runs_a_constant_number_of_queries(
    client, jamaica_v2, state_b, state_b_official, expert, django_assert_num_queries
):
    publish(state_b, state_b_official, expert, filled_cells(3))
    publish(state_b, state_b_official, expert, filled_cells(300, source="Revised {i}"))

    with django_assert_num_queries(DIFF_QUERIES):
        small = client.get("/states/JAM/1540/diff/")
    with django_assert_num_queries(DIFF_QUERIES):
        large = client.get("/states/KEN/1540/diff/")

    assert "2 cells changed" in text(small)
    assert "300 cells changed" in text(large)


# ---------------------------------------------------------------------------------------------
# Search


def search_hits(response):
    return re.findall(r'href="(/states/[A-Z]{3}/[a-z0-9]+/v\d+/#cell-[^"]+)"', text(response))


def test_search_finds_legal_sources_of_published_matrices_and_links_to_the_cell(client, jamaica_v1):
    response = client.get("/search/", {"q": "act 1, ART"})

    assert response.status_code == 200
    assert search_hits(response) == ["/states/JAM/1540/v1/#cell-OP1-NWFZ-ALL-framework"]
    assert "1 cell mentions" in text(response)


def test_search_finds_remarks_too(client, jamaica_v1):
    assert search_hits(client.get("/search/", {"q": "industry"})) == [
        "/states/JAM/1540/v1/#cell-OP2-MANUFACTURE-NW-enforcement"
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_search_never_finds_a_drafts_source_whoever_searches(client, jamaica_v1, state_b, personas, persona):
    draft_with(state_b, personas["official of another State"], filled_cells(2, source="Unpublished Kenyan Bill"))
    client = as_persona(client, personas[persona])

    response = client.get("/search/", {"q": "Kenyan Bill"})

    assert response.status_code == 200
    assert search_hits(response) == []
    assert "0 cells mention" in text(response)


@pytest.mark.parametrize(("q", "message"), [("ab", "at least 3 characters"), ("x" * 101, "at most 100 characters")])
def test_search_refuses_too_short_or_too_long_text(client, reference, q, message):
    response = client.get("/search/", {"q": q})

    assert response.status_code == 400
    assert message in text(response)


def test_search_escapes_the_text_searched(client, reference):
    response = client.get("/search/", {"q": "<script>alert(1)</script>"})

    assert "<script>alert(1)" not in text(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(response)


def test_search_is_paginated_with_a_constant_number_of_queries(
    client, state_a, state_a_official, expert, django_assert_num_queries
):
    publish(state_a, state_a_official, expert, filled_cells(60, source="Customs Act s.{i}"))

    with django_assert_num_queries(SEARCH_QUERIES):
        first = client.get("/search/", {"q": "customs act"})
    with django_assert_num_queries(SEARCH_QUERIES):
        last = client.get("/search/", {"q": "customs act", "page": "3"})

    assert len(search_hits(first)) == 25
    assert len(search_hits(last)) == 10
    assert "page=2" in text(first)
    assert client.get("/search/", {"q": "customs act", "page": "4"}).status_code == 404
    assert client.get("/search/", {"q": "customs act", "page": "x"}).status_code == 400


def test_search_without_text_shows_the_form(client, reference):
    response = client.get("/search/")

    assert response.status_code == 200
    assert 'name="q"' in text(response)


# ---------------------------------------------------------------------------------------------
# The State's page


def matrices_section(response):
    page = text(response)
    start = page.index('id="matrices-title"')
    return page[start : page.index("</section>", start)]


def test_a_state_page_lists_its_published_matrices_with_coverage_and_dates(client, jamaica_v1):
    section = matrices_section(client.get("/states/JAM/"))

    assert 'href="/states/JAM/1540/v1/"' in section
    assert "3/33 (9%)" in section
    assert "15 Mar 2024" in section
    assert dateformat.format(jamaica_v1.approved_at, "j M Y") in section


@pytest.mark.parametrize(
    ("persona", "sees_draft"),
    [
        ("public", False),
        ("official of the State", True),
        ("official of another State", False),
        ("expert", True),
        ("provider", False),
    ],
)
def test_a_state_page_shows_unpublished_versions_only_to_its_officials_and_experts(
    client, jamaica_v1, state_a, personas, persona, sees_draft
):
    draft_with(state_a, personas["official of the State"], filled_cells(5))
    section = matrices_section(as_persona(client, personas[persona]).get("/states/JAM/"))

    assert 'href="/states/JAM/1540/v1/"' in section
    assert ("v2" in section) is sees_draft
    assert ("draft" in section) is sees_draft


def test_a_state_page_gives_the_coverage_of_the_newest_version_and_costs_the_same_with_more_versions(
    client, jamaica_v1, state_a, state_a_official, expert, django_assert_num_queries
):
    client.get("/states/JAM/")  # the reference lists the page reads are cached after the first visit
    # 6 for the page and its matrices, 3 for the contacts and assistance sections (states/tests/test_pages.py)
    with django_assert_num_queries(6 + 5) as one_version:
        client.get("/states/JAM/")
    publish(state_a, state_a_official, expert, filled_cells(6))
    publish(state_a, state_a_official, expert, filled_cells(9))
    with django_assert_num_queries(len(one_version.captured_queries)):
        section = matrices_section(client.get("/states/JAM/"))

    assert all(f'href="/states/JAM/1540/v{n}/"' in section for n in (1, 2, 3))
    assert "9/33 (27%)" in section  # OP1 of v3, the newest
    assert "3/33 (9%)" not in section and "6/33" not in section  # older versions: dates and links only


def test_a_state_page_without_matrices_says_so(client, reference):
    assert "No published matrix yet." in matrices_section(client.get("/states/KEN/"))


# ---------------------------------------------------------------------------------------------
# The public API's cache (matrices/cache.py): lists and cells of published versions


def api_versions(client, query=""):
    return [(m["state"], m["version"]) for m in client.get(f"/api/v1/matrices/{query}").json()["results"]]


def test_the_public_api_list_follows_each_publication_and_withdrawal(
    client, jamaica_v1, state_a, state_a_official, expert, django_assert_num_queries
):
    assert api_versions(client) == [("JAM", 1)]
    with django_assert_num_queries(1):  # the publication signature; the list comes from the cache
        assert api_versions(client) == [("JAM", 1)]

    second = publish(state_a, state_a_official, expert, filled_cells(1))
    assert api_versions(client) == [("JAM", 2), ("JAM", 1)]

    services.set_consent(second, consent=False, acting_user=state_a_official)
    assert api_versions(client) == [("JAM", 1)]
    assert api_versions(client, "?state=JAM&status=approved") == []


def test_the_api_list_is_never_cached_for_a_state_official(client, jamaica_v1, state_a, state_a_official):
    assert api_versions(client) == [("JAM", 1)]  # the public's list, cached
    draft_with(state_a, state_a_official)
    client.force_login(state_a_official)

    assert api_versions(client) == [("JAM", 2), ("JAM", 1)]
    client.logout()
    assert api_versions(client) == [("JAM", 1)]


def test_the_cells_of_a_published_version_are_read_once_then_cached(
    client, jamaica_v1, state_a_official, django_assert_num_queries
):
    with django_assert_num_queries(3):  # version, template rows, cells
        cold = client.get(f"/api/v1/matrices/{jamaica_v1.pk}/").json()
    with django_assert_num_queries(1):
        warm = client.get(f"/api/v1/matrices/{jamaica_v1.pk}/").json()

    assert cold == warm
    assert len(warm["cells"]) == 357
    services.set_consent(jamaica_v1, consent=False, acting_user=state_a_official)
    assert client.get(f"/api/v1/matrices/{jamaica_v1.pk}/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Every public page, every role: the same published data, never a draft


PUBLIC_URLS = [
    "/states/JAM/1540/",
    "/states/JAM/1540/v1/",
    "/states/JAM/1540/v1/export.csv",
    "/states/JAM/1540/v1/export.json",
    "/states/JAM/1540/diff/",
    "/matrices/",
    "/matrices/?search=jam",
    "/matrices/export.csv",
    "/matrices/export.json",
    "/compare/?regime=1540&a=JAM&b=KEN",
    "/search/?q=National",
    "/search/?q=Secret",
]


@pytest.fixture
def published_and_drafts(jamaica_v1, state_a, state_b, state_a_official, state_b_official, expert):
    publish(state_b, state_b_official, expert, filled_cells(4))
    draft_with(state_a, state_a_official, filled_cells(2, source="Secret Jamaican draft"))
    draft_with(state_b, state_b_official, filled_cells(2, source="Secret Kenyan draft"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_sees_the_same_public_pages_without_any_draft(client, published_and_drafts, personas, persona):
    client = as_persona(client, personas[persona])

    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Jamaican draft" not in response.content, url
        assert b"Kenyan draft" not in response.content, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_post_to_any_public_page_is_refused_and_changes_nothing(client, published_and_drafts, personas, persona):
    client = as_persona(client, personas[persona])
    before = list(Matrix.objects.order_by("pk").values_list("pk", "status", "updated_at"))

    for url in PUBLIC_URLS:
        assert client.post(url, {"mark": "X"}).status_code in (403, 405), url

    assert list(Matrix.objects.order_by("pk").values_list("pk", "status", "updated_at")) == before


@pytest.mark.postgres
def test_on_postgresql_the_search_is_answered_from_trigram_indexes(needs_postgres, client, jamaica_v1):
    """The migration's indexes fit the SQL of the search: PostgreSQL can use them instead of a scan."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("matrices.migrations.0003_cell_search_trigram_indexes")
    with connection.cursor() as cursor:  # the rows written in this test's transaction are checked now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # the tests build their tables without migrations
        migration.create_indexes(None, editor)
    query = Cell.objects.filter(Q(source__icontains="act 1") | Q(remarks__icontains="act 1")).order_by().values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: only a plan with no
        cursor.execute("SET LOCAL enable_indexscan = off")  # other way than these indexes shows they fit
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "matrices_cell_source_trgm" in plan and "matrices_cell_remarks_trgm" in plan, plan
    hits = search_hits(client.get("/search/", {"q": "act 1, ART"}))
    assert hits == ["/states/JAM/1540/v1/#cell-OP1-NWFZ-ALL-framework"]
