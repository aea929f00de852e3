"""The public reads a published matrix as the Committee prints it, compares two States, follows the
changes between two versions word by word, and searches the legal sources with filters.

Helpers come from test_public (every matrix is made through the services)."""

import re

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from matrices import textdiff
from matrices.models import Cell
from matrices.tests.test_public import (
    COMPARE_QUERIES,
    DIFF_QUERIES,
    SEARCH_QUERIES,
    filled_cells,
    publish,
    text,
)

pytestmark = pytest.mark.django_db


def cell(row, column="ALL", aspect="framework", mark="X", source="", remarks=""):
    return {"row": row, "column": column, "aspect": aspect, "mark": mark, "source": source, "remarks": remarks}


def options(page, name):
    """The (value, attributes) of the options of the <select name=...> of a page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [(m.group(2), m.group(1)) for m in re.finditer(r'(<option value="([^"]*)"[^>]*>)', select)]


def offered(page, name):
    """The values of a <select>'s options not hidden (those the visitor can choose)."""
    return [value for value, attrs in options(page, name) if value and "hidden" not in attrs]


# ---------------------------------------------------------------------------------------------
# The published matrix as the Committee prints it


@pytest.fixture
def jamaica(state_a, state_a_official, expert):
    cells = [
        cell("OP1.NPT", source="Jamaica: NPT, accession 1970"),
        cell("OP2.MANUFACTURE", "NW", "framework", "X", "Nuclear Act, s. 4"),
        cell("OP2.MANUFACTURE", "CW", "enforcement", "?", "Penal Code, s. 9", "only in part"),
        cell("OP2.MANUFACTURE", "BW", "framework", "NA", remarks="No industry"),
    ]
    return publish(state_a, state_a_official, expert, cells)


def test_the_matrix_page_has_a_legend_jump_links_and_human_row_labels(client, jamaica):
    page = text(client.get("/states/JAM/1540/"))

    legend = page.split('id="legend-title"')[1].split("</section>")[0]
    for mark, meaning in [
        ("X", "Measure taken or legal basis found"),
        ("?", "References incomplete or not directly relevant"),
        ("NA", "Not applicable"),
        ("—", "No information"),
    ]:
        assert f">{mark}</span></dt><dd>{meaning}" in legend
    jumps = re.findall(r'<li><a href="#(section-[\w-]+)">', page.split('id="section-jumps-title"')[1])
    assert jumps == ["section-OP1", "section-OP2", "section-OP3ab", "section-OP3cd"]
    for anchor in jumps:
        assert f'<h2 id="{anchor}"' in page
    # The label first, the code after it as secondary text.
    assert '<span class="row-name">manufacture/produce</span> <span class="row-code">OP2.MANUFACTURE</span>' in page


def test_the_matrix_page_prints_the_grid_with_its_columns_and_every_mark_in_place(client, jamaica):
    page = text(client.get("/states/JAM/1540/"))

    op2 = page.split('<h2 id="section-OP2"')[1].split("</table>")[0]
    headers = re.findall(r'<th scope="colgroup" colspan="2"><abbr title="([^"]+)">(\w+)</abbr>', op2)
    assert headers == [("Nuclear weapons", "NW"), ("Chemical weapons", "CW"), ("Biological weapons", "BW")]
    assert op2.count(">National legal framework</th>") == 3 and op2.count(">Enforcement</th>") == 3
    row = op2.split("OP2.MANUFACTURE")[1].split("</tr>")[0]
    marks = re.findall(r'<td id="(cell-[^"]+)" class="matrix-cell"><span class="cell-mark mark-(\w+)"', row)
    assert marks == [
        ("cell-OP2-MANUFACTURE-NW-framework", "yes"),
        ("cell-OP2-MANUFACTURE-NW-enforcement", "blank"),
        ("cell-OP2-MANUFACTURE-CW-framework", "blank"),
        ("cell-OP2-MANUFACTURE-CW-enforcement", "partial"),
        ("cell-OP2-MANUFACTURE-BW-framework", "na"),
        ("cell-OP2-MANUFACTURE-BW-enforcement", "blank"),
    ]
    assert "Penal Code, s. 9" in row and "only in part" in row and "No industry" in row
    # OP1 rows have one cell.
    op1 = page.split('<h2 id="section-OP1"')[1].split("</table>")[0]
    assert op1.count('id="cell-OP1-NPT-') == 1 and "YES, relevant information and remarks" in op1
    # The phone layout labels each cell from the grid's translated column names.
    assert "--cell-f: 'National legal framework'; --cell-e: 'Enforcement'" in page


def test_a_checklist_matrix_has_one_column(client, state_a, state_a_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(2, regime="CWC"), regime="CWC")

    page = text(client.get("/states/JAM/cwc/"))

    assert "Mark, legal source and remarks" in page
    assert 'scope="colgroup"' not in page
    assert page.count('class="matrix-cell"><span class="cell-mark mark-yes">X</span>') == 2


def force_source(matrix, row, source):
    """Store a text the services would refuse (markup), as an import or an old row might hold it."""
    Cell.objects.filter(matrix=matrix, row__code=row).update(source=source)
    cache.clear()


def test_the_cell_texts_are_escaped_on_the_matrix_page(client, state_a, state_a_official, expert):
    matrix = publish(state_a, state_a_official, expert, [cell("OP1.NPT", source="Act")])
    force_source(matrix, "OP1.NPT", "Act <script>alert(1)</script> & co")

    page = text(client.get("/states/JAM/1540/"))

    assert "<script>alert(1)" not in page
    assert "Act &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_css_string_escapes_what_is_not_a_letter_digit_or_space(client):
    from matrices.templatetags.public_tags import css_string

    assert css_string("Cadre juridique national") == "Cadre juridique national"
    assert css_string("l'exécution") == "l\\27 ex\\e9 cution"
    assert css_string("a';}</style>") == "a\\27 \\3b \\7d \\3c \\2f style\\3e "


# ---------------------------------------------------------------------------------------------
# Compare


@pytest.fixture
def two_states(state_a, state_b, state_a_official, state_b_official, expert):
    jamaica = publish(
        state_a,
        state_a_official,
        expert,
        [
            cell("OP1.NPT", source="Accession deposited 1970"),
            cell("OP1.NWFZ", source="Tlatelolco Treaty"),
            cell("OP1.ICSANT", source="Same text"),
        ],
    )
    kenya = publish(
        state_b,
        state_b_official,
        expert,
        [
            cell("OP1.NPT", source="Ratification deposited 1970"),  # same mark, other words
            cell("OP1.NWFZ", mark="?", source="Pelindaba Treaty"),  # another mark
            cell("OP1.ICSANT", source="Same text"),  # the same
        ],
    )
    return jamaica, kenya


def test_compare_opens_with_only_the_states_that_published_the_regime(client, two_states, django_assert_num_queries):
    with django_assert_num_queries(1):  # the States with a published matrix
        response = client.get("/compare/")

    assert response.status_code == 200
    page = text(response)
    assert "Please correct" not in page and "is-invalid" not in page
    assert offered(page, "a") == ["JAM", "KEN"] == offered(page, "b")
    assert "FRA" not in page  # France has published nothing
    assert dict(options(page, "regime"))["1540"] == '<option value="1540" selected>'


def test_compare_from_a_matrix_page_link_shows_the_form_with_the_state_chosen(client, two_states):
    response = client.get("/compare/", {"regime": "1540", "a": "jam"})

    assert response.status_code == 200
    page = text(response)
    assert "Please correct" not in page
    assert '<option value="JAM" selected data-regimes="1540">Jamaica</option>' in page


def test_compare_offers_for_another_regime_only_its_states(client, two_states, state_a, state_a_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(1, regime="CWC"), regime="CWC")

    page = text(client.get("/compare/", {"regime": "cwc"}))

    assert offered(page, "a") == ["JAM"]
    assert '<option value="KEN" data-regimes="1540" hidden disabled>Kenya</option>' in page
    assert "Only 1 State has published a matrix of this regime so far." in page


def test_compare_separates_a_different_mark_from_a_different_wording(client, two_states):
    response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN"})

    page = text(response)
    assert "2 cells differ." in page
    assert "1 cell with a different mark" in page
    assert "1 cell with the same mark but a different wording" in page
    mark_row = page.split('data-differs="mark"')[1].split("</tr>")[0]
    assert "mark differs" in mark_row and "Tlatelolco Treaty" in mark_row and "Pelindaba Treaty" in mark_row
    wording_row = page.split('data-differs="wording"')[1].split("</tr>")[0]
    assert "same mark, different wording" in wording_row
    assert "<mark>Accession</mark> deposited 1970" in wording_row
    assert "<mark>Ratification</mark> deposited 1970" in wording_row


@pytest.mark.parametrize(("only", "rows"), [("", 33), ("on", 2), ("marks", 1)])
def test_compare_shows_all_cells_those_that_differ_or_those_whose_mark_differs(client, two_states, only, rows):
    page = text(client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN", "only": only}))

    cells = re.findall(r'<td class="matrix-cell pair-a">', page)
    assert len(cells) == (357 if rows == 33 else rows)
    if only == "marks":
        assert "Pelindaba Treaty" in page and "Ratification" not in page


def test_compare_escapes_the_cell_texts_it_highlights(
    client, state_a, state_b, state_a_official, state_b_official, expert
):
    force_source(publish(state_a, state_a_official, expert, [cell("OP1.NPT", source="1")]), "OP1.NPT", "<b>Act</b> 1")
    kenya = publish(state_b, state_b_official, expert, [cell("OP1.NPT", source="2")])
    force_source(kenya, "OP1.NPT", "<b>Act</b> 2 <img src=x>")

    page = text(client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN", "only": "on"}))

    assert "<b>Act</b>" not in page and "<img" not in page
    assert "&lt;b&gt;Act&lt;/b&gt; <mark>1</mark>" in page
    assert "&lt;b&gt;Act&lt;/b&gt; <mark>2 &lt;img src=x&gt;</mark>" in page


@pytest.mark.parametrize("cell_count", [3, 300])
def test_compare_queries_stay_constant_with_the_word_diffs(
    client, state_a, state_b, state_a_official, state_b_official, expert, django_assert_num_queries, cell_count
):
    publish(state_a, state_a_official, expert, filled_cells(cell_count, source="Act {i}"))
    publish(state_b, state_b_official, expert, filled_cells(cell_count, source="Law {i}"))

    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get("/compare/", {"regime": "1540", "a": "JAM", "b": "KEN", "only": "on"})

    assert f"{cell_count} cells with the same mark but a different wording" in text(response)


# ---------------------------------------------------------------------------------------------
# Version diff


@pytest.fixture
def versions(state_a, state_a_official, expert):
    publish(
        state_a,
        state_a_official,
        expert,
        [
            cell("OP1.NPT", source="Accession deposited 1970, art. 2"),
            cell("OP1.AG", mark="?", source="Member since 1990"),
            cell("OP2.MANUFACTURE", "CW", "framework", "X", "Chemical Weapons Act 2005"),
        ],
    )
    return publish(
        state_a,
        state_a_official,
        expert,
        [
            cell("OP1.NPT", source="Accession deposited 1970, art. 3 & 4"),
            cell("OP1.AG", mark="X", source="Member since 1990"),
            cell("OP2.MANUFACTURE", "CW", "framework", "X", "Chemical Weapons Act 2012"),
        ],
    )


def test_the_version_diff_lists_rows_in_template_order_with_the_changed_words_marked(client, versions):
    page = text(client.get("/states/JAM/1540/diff/"))

    rows = re.findall(r'<span class="row-code">(OP[\w.]+)</span>', page)
    assert rows == ["OP1.NPT", "OP1.AG", "OP2.MANUFACTURE"]  # the matrix's order, not the codes'
    assert "Accession deposited 1970, art. <del>2</del>" in page
    assert "Accession deposited 1970, art. <ins>3 &amp; 4</ins>" in page
    assert "Chemical Weapons Act <del>2005</del>" in page and "Chemical Weapons Act <ins>2012</ins>" in page
    assert "1 cell with a new mark" in page and "2 cells with the same mark but a new wording" in page
    assert page.count('data-differs="mark"') == 1  # OP1.AG: ? to X
    assert page.index("OP1: treaties") < page.index("OP1.NPT") < page.index("OP2: prohibitions")


def test_the_version_diff_queries_stay_constant(client, versions, django_assert_num_queries):
    with django_assert_num_queries(DIFF_QUERIES):
        response = client.get("/states/JAM/1540/diff/", {"from": "1", "to": "2"})

    assert "3 cells changed" in text(response)


# ---------------------------------------------------------------------------------------------
# Search


def hits(response):
    return re.findall(r'href="/states/([A-Z]{3})/([a-z0-9]+)/v\d+/#cell-[^"]+"', text(response))


@pytest.fixture
def searchable(state_a, state_b, state_a_official, state_b_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(3, source="Customs Act s.{i}"))
    publish(state_a, state_a_official, expert, filled_cells(2, source="Customs Act s.{i}", regime="CWC"), regime="CWC")
    publish(state_b, state_b_official, expert, filled_cells(4, source="Kenyan customs act {i}"))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {("JAM", "1540"): 3, ("JAM", "cwc"): 2, ("KEN", "1540"): 4}),
        ({"state": "KEN"}, {("KEN", "1540"): 4}),
        ({"state": "jam", "regime": "cwc"}, {("JAM", "cwc"): 2}),
        ({"regime": "1540"}, {("JAM", "1540"): 3, ("KEN", "1540"): 4}),
        ({"region": "African"}, {("KEN", "1540"): 4}),
        ({"region": "GRULAC", "regime": "1540"}, {("JAM", "1540"): 3}),
        ({"region": "WEOG"}, {}),
    ],
)
def test_search_filters_by_state_regime_and_region(client, searchable, filters, expected):
    response = client.get("/search/", {"q": "customs act", **filters})

    assert response.status_code == 200
    found = {}
    for hit in hits(response):
        found[hit] = found.get(hit, 0) + 1
    assert found == expected


def test_search_offers_the_states_with_a_published_matrix_and_every_regional_group(client, searchable):
    page = text(client.get("/search/", {"q": "customs"}))

    assert offered(page, "state") == ["JAM", "KEN"]
    assert offered(page, "region") == ["African", "Asia-Pacific", "Eastern European", "GRULAC", "WEOG"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"state": "FRA"}, "FRA is not one of the available choices"),
        ({"regime": "x"}, "x is not one of"),
        ({"z": "1"}, "Unknown parameter(s): z."),
    ],
)
def test_search_refuses_bad_filters(client, searchable, filters, message):
    response = client.get("/search/", {"q": "customs", **filters})

    assert response.status_code == 400
    assert message in text(response)


def test_search_highlights_the_term_escaped(client, state_a, state_a_official, expert):
    matrix = publish(
        state_a, state_a_official, expert, [cell("OP1.NPT", source="Customs", remarks="see the customs act")]
    )
    force_source(matrix, "OP1.NPT", "<i>Customs</i> & Excise ACT\nsecond line")

    page = text(client.get("/search/", {"q": "customs"}))

    source = "&lt;i&gt;<mark>Customs</mark>&lt;/i&gt; &amp; Excise ACT<br>second line"
    assert f'<div class="cell-source" lang="en" dir="auto">{source}</div>' in page
    assert '<div class="cell-remarks" lang="en" dir="auto">see the <mark>customs</mark> act</div>' in page
    assert "<i>" not in page


def test_search_has_numbered_pages_that_keep_the_filters(
    client, state_a, state_a_official, expert, django_assert_num_queries
):
    publish(state_a, state_a_official, expert, filled_cells(130, source="Customs Act s.{i}"))

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/search/", {"q": "customs act", "state": "JAM", "page": "3"})

    page = text(response)
    nav = page.split('aria-label="Pages of search results"')[1].split("</nav>")[0]
    links = re.findall(r'href="\?([^"]+)"', nav)
    assert "q=customs+act&amp;state=JAM&amp;page=2" in links  # Previous and 2
    assert re.findall(r"page=(\d+)", " ".join(links)) == ["2", "1", "2", "4", "5", "6", "4"]
    current = '<li class="page-item active" aria-current="page"><span class="page-link">'
    assert current + '<span class="visually-hidden">Page </span>3</span></li>' in nav
    assert "Showing 51–75." in page
    assert len(hits(response)) == 25


def test_search_with_filters_runs_a_constant_number_of_queries(client, searchable, django_assert_num_queries):
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get("/search/", {"q": "customs", "region": "GRULAC", "regime": "1540", "state": "JAM"})


# ---------------------------------------------------------------------------------------------
# The shared pagination and the text helpers


def test_the_pagination_without_page_numbers_is_unchanged():
    page = Paginator(list(range(30)), 10).page(2)

    html = render_to_string("includes/pagination.html", {"page": page, "query": "a=1"})

    assert "Page 2 of 3" in html
    assert 'href="?a=1&amp;page=1"' in html and 'href="?a=1&amp;page=3"' in html
    assert "visually-hidden" not in html


def test_word_diff_marks_the_words_changed_and_escapes_everything():
    before, after = textdiff.word_diff("Act 2005, art. 3 <b>", "Act 2012, art. 3 <b>\nnew")

    assert before == "Act <del>2005</del>, art. 3 &lt;b&gt;"
    assert after == "Act <ins>2012</ins>, art. 3 &lt;b&gt;<br><ins>new</ins>"
    assert textdiff.word_diff("", "") == ("", "")
    assert textdiff.word_diff("same", "same") == ("same", "same")


def test_highlight_marks_every_occurrence_in_any_case_and_escapes_the_rest():
    assert textdiff.highlight("A <Act> and an act", "act") == "A &lt;<mark>Act</mark>&gt; and an <mark>act</mark>"
    assert textdiff.highlight("x.y", ".") == "x<mark>.</mark>y"  # the term is text, not a pattern
    assert textdiff.highlight("a & b", "") == "a &amp; b"


def test_compare_with_an_unknown_regime_in_a_link_offers_the_1540_states(client, two_states):
    response = client.get("/compare/", {"regime": "xyz", "a": "JAM"})

    assert response.status_code == 200
    assert offered(text(response), "b") == ["JAM", "KEN"]
