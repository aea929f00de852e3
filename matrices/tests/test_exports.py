"""Downloads of published matrices: one version, or a whole filtered list, as CSV, XLSX and JSON."""

import csv
import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from matrices import services
from matrices.exports import FIELDS, FLAT_FIELDS, _defused, as_csv
from matrices.models import Matrix, Row
from matrices.tests.test_public import PERSONAS, as_persona, draft_with, filled_cells, persona_users, publish
from portal.core import demo_marking

pytestmark = pytest.mark.django_db

CELLS_1540 = 357  # every cell of the 1540 template: OP1 33 rows x 1, OP2/OP3 54 rows x 6
# The rows of the 1540 template written from memory (portal/reference_data/SOURCES.md): their wording
# is not yet confirmed against an official matrix.
UNCONFIRMED_ROWS_1540 = 44
# The version (with State, regime and template), the template's rows, the version's cells.
EXPORT_QUERIES = 3
# The list (with the filter's own lookup), the rows of the templates, the cells of every version.
LIST_EXPORT_QUERIES = 3


def csv_lines(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook["cells"].iter_rows(values_only=True)], workbook


@pytest.fixture
def personas(state_a_official, state_b_official, expert, provider_chemical):
    return persona_users(state_a_official, state_b_official, expert, provider_chemical)


@pytest.fixture
def jamaica(state_a, state_a_official, expert):
    cells = filled_cells(3) + [
        {"row": "OP2.MANUFACTURE", "column": "NW", "aspect": "enforcement", "mark": "NA", "remarks": "No industry"},
        {"row": "OP2.ACQUIRE", "column": "BW", "aspect": "framework", "mark": "X", "source": '=HYPERLINK("x")'},
    ]
    return publish(state_a, state_a_official, expert, cells, report_date=datetime.date(2024, 3, 15))


@pytest.fixture
def kenya(state_b, state_b_official, expert):
    return publish(state_b, state_b_official, expert, filled_cells(2, source="Kenyan Act {i}"))


# ---------------------------------------------------------------------------------------------
# One version


def test_the_csv_of_a_version_has_one_line_per_cell_of_the_template(client, jamaica):
    response = client.get("/states/JAM/1540/v1/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="JAM-1540-v1.csv"'
    lines = csv_lines(response)
    assert tuple(lines[0]) == FLAT_FIELDS == (*FIELDS, "demo_data")
    assert len(lines) == CELLS_1540
    assert lines[0] == {
        "state": "JAM",
        "regime": "1540",
        "version": "1",
        "section": "OP1",
        "row": "OP1.NPT",
        "label": "Nuclear Non-Proliferation Treaty (NPT)",
        "column": "ALL",
        "aspect": "framework",
        "mark": "X",
        "source": "National Act 0, art. 0",
        "remarks": "",
        "derived_from": "",
        "row_wording": "",
        "demo_data": "",
    }
    na = next(
        line
        for line in lines
        if line["row"] == "OP2.MANUFACTURE" and line["column"] == "NW" and line["aspect"] == "enforcement"
    )
    assert (na["mark"], na["remarks"]) == ("NA", "No industry")
    assert sum(1 for line in lines if line["mark"] == "") == CELLS_1540 - 5


def test_the_csv_defuses_text_a_spreadsheet_would_run_as_a_formula(client, jamaica):
    lines = csv_lines(client.get("/states/JAM/1540/v1/export.csv"))

    formula = next(
        line
        for line in lines
        if line["row"] == "OP2.ACQUIRE" and line["column"] == "BW" and line["aspect"] == "framework"
    )
    assert formula["source"] == '\'=HYPERLINK("x")'


def test_the_xlsx_of_a_version_has_the_same_lines_and_keeps_formulas_as_text(client, jamaica):
    response = client.get("/states/JAM/1540/v1/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="JAM-1540-v1.xlsx"'
    rows, workbook = xlsx_rows(response)
    assert tuple(rows[0]) == FLAT_FIELDS
    assert len(rows) == CELLS_1540 + 1
    assert rows[1][:10] == [
        "JAM",
        "1540",
        1,
        "OP1",
        "OP1.NPT",
        "Nuclear Non-Proliferation Treaty (NPT)",
        "ALL",
        "framework",
        "X",
        "National Act 0, art. 0",
    ]
    formula = next(row for row in rows if row[4] == "OP2.ACQUIRE" and row[6] == "BW" and row[7] == "framework")
    assert formula[9] == '=HYPERLINK("x")'
    cell = next(
        c
        for c in workbook["cells"].iter_rows(min_row=2)
        if c[4].value == "OP2.ACQUIRE" and c[6].value == "BW" and c[7].value == "framework"
    )[9]
    assert cell.data_type == "s"
    about = [row[0] for row in workbook["about"].iter_rows(values_only=True) if row]
    assert "not a tool for measuring compliance" in about[0]


def test_the_json_of_a_version_has_the_disclaimer_the_version_and_its_cells(client, jamaica):
    response = client.get("/states/JAM/1540/v1/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = json.loads(response.content)
    assert "not a tool for measuring compliance" in payload["disclaimer"]
    assert payload["demo_data"] is False and "demo_notice" not in payload
    assert payload["matrices"] == [
        {
            "state": "JAM",
            "state_name": "Jamaica",
            "regime": "1540",
            "version": 1,
            "template_version": jamaica.template.version,
            "report_date": "2024-03-15",
            "approved_at": jamaica.approved_at.isoformat(),
            "published_at": jamaica.published_at.isoformat(),
            "url": "/states/JAM/1540/v1/",
        }
    ]
    assert len(payload["cells"]) == CELLS_1540
    assert payload["cells"][1] == {
        "state": "JAM",
        "regime": "1540",
        "version": 1,
        "section": "OP1",
        "row": "OP1.NWFZ",
        "label": "Nuclear Weapons Free Zone / Protocol(s)",
        "column": "ALL",
        "aspect": "framework",
        "mark": "X",
        "source": "National Act 1, art. 1",
        "remarks": "",
        "derived_from": None,
        "row_wording": "",
    }


def test_an_export_says_where_a_derived_cell_comes_from(client, state_a, state_a_official, expert):
    draft_with(
        state_a,
        state_a_official,
        [{"row": "CWC-NA", "column": "CW", "aspect": "framework", "mark": "X", "source": "Chemical Weapons Act 2019"}],
        regime="CWC",
    )
    derived = Matrix.objects.get(state=state_a, regime__code="1540")
    services.submit(derived, acting_user=state_a_official)
    services.approve(derived, acting_user=expert)
    services.set_consent(derived, consent=True, acting_user=state_a_official)

    cells = json.loads(client.get("/states/JAM/1540/v1/export.json").content)["cells"]
    lines = csv_lines(client.get("/states/JAM/1540/v1/export.csv"))

    derived_cells = [cell for cell in cells if cell["derived_from"]]
    assert derived_cells
    assert all(cell["derived_from"]["regime"] == "CWC" for cell in derived_cells)
    assert {"regime": "CWC", "row": "CWC-NA"} in [cell["derived_from"] for cell in derived_cells]
    assert "CWC CWC-NA" in [line["derived_from"] for line in lines]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_an_unpublished_version_is_never_exported(client, state_a, personas, persona, fmt):
    draft_with(state_a, personas["official of the State"], filled_cells(2, source="Draft law"))

    response = as_persona(client, personas[persona]).get(f"/states/JAM/1540/v1/export.{fmt}")

    assert response.status_code == 404
    assert b"Draft law" not in response.content


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/states/JAM/1540/v1/export.pdf", "Downloads are in CSV, XLSX or JSON"),
        ("/states/JAM/1540/v2/export.csv", "Version 2 of the 1540 matrix of Jamaica is not published."),
        ("/states/XYZ/1540/v1/export.csv", "No UN Member State has the ISO code XYZ."),
    ],
)
def test_an_export_of_something_unknown_is_404_with_a_message(client, jamaica, url, message):
    response = client.get(url)

    assert response.status_code == 404
    assert message in response.content.decode()


@pytest.mark.parametrize("cell_count", [3, 300])
def test_an_export_runs_a_constant_number_of_queries(
    client, state_a, state_a_official, expert, django_assert_num_queries, cell_count
):
    publish(state_a, state_a_official, expert, filled_cells(cell_count))

    for fmt in ("csv", "xlsx", "json"):
        with django_assert_num_queries(EXPORT_QUERIES):
            assert client.get(f"/states/JAM/1540/v1/export.{fmt}").status_code == 200


# ---------------------------------------------------------------------------------------------
# The filtered list


def test_the_list_export_holds_every_cell_of_every_listed_matrix(client, jamaica, kenya):
    lines = csv_lines(client.get("/matrices/export.csv"))

    assert len(lines) == 2 * CELLS_1540
    assert [line["state"] for line in lines[::CELLS_1540]] == ["JAM", "KEN"]
    assert "Kenyan Act 1" in [line["source"] for line in lines]


def test_the_list_export_applies_the_filters(client, jamaica, kenya):
    response = client.get("/matrices/export.json", {"region": "African", "regime": "1540"})

    payload = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="published-matrices.json"'
    assert [m["state"] for m in payload["matrices"]] == ["KEN"]
    assert {cell["state"] for cell in payload["cells"]} == {"KEN"}
    assert len(payload["cells"]) == CELLS_1540


def test_the_list_export_as_xlsx_is_one_workbook(client, jamaica, kenya):
    rows, workbook = xlsx_rows(client.get("/matrices/export.xlsx", {"search": "jam"}))

    assert len(rows) == CELLS_1540 + 1
    assert {row[0] for row in rows[1:]} == {"JAM"}


def test_the_list_export_holds_only_the_latest_published_versions(
    client, jamaica, kenya, state_a, state_a_official, expert
):
    publish(state_a, state_a_official, expert, [{**filled_cells(1)[0], "source": "Revised Act"}])
    draft_with(state_a, state_a_official, [{**filled_cells(1)[0], "source": "Draft Act"}])

    lines = csv_lines(client.get("/matrices/export.csv", {"search": "Jamaica"}))

    assert {line["version"] for line in lines} == {"2"}
    sources = {line["source"] for line in lines}
    assert "Revised Act" in sources
    assert "Draft Act" not in sources


@pytest.mark.parametrize(
    ("params", "message"),
    [({"region": "Nowhere"}, "Some filters are not valid"), ({"colour": "blue"}, "Unknown parameter(s): colour.")],
)
def test_the_list_export_answers_400_for_bad_parameters(client, jamaica, params, message):
    response = client.get("/matrices/export.csv", params)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_list_export_of_nothing_has_only_the_header(client, reference):
    response = client.get("/matrices/export.csv")

    assert response.status_code == 200
    assert csv_lines(response) == []
    assert response.content.decode("utf-8-sig").splitlines() == [",".join(f'"{field}"' for field in FLAT_FIELDS)]


def test_the_list_export_runs_a_constant_number_of_queries(
    client, jamaica, state_b, state_b_official, expert, django_assert_num_queries
):
    with django_assert_num_queries(LIST_EXPORT_QUERIES):
        one = client.get("/matrices/export.csv")
    publish(state_b, state_b_official, expert, filled_cells(300))
    with django_assert_num_queries(LIST_EXPORT_QUERIES):
        two = client.get("/matrices/export.csv")

    assert len(csv_lines(one)) == CELLS_1540
    assert len(csv_lines(two)) == 2 * CELLS_1540


def test_the_list_export_as_xlsx_refuses_more_matrices_than_a_workbook_holds(client, jamaica, kenya, monkeypatch):
    monkeypatch.setattr("matrices.exports.XLSX_MAX_MATRICES", 1)

    refused = client.get("/matrices/export.xlsx")
    narrowed = client.get("/matrices/export.xlsx", {"search": "Kenya"})
    as_csv = client.get("/matrices/export.csv")

    assert refused.status_code == 400
    assert "A workbook holds at most 1 matrices and these filters select 2" in refused.content.decode()
    assert narrowed.status_code == 200
    assert as_csv.status_code == 200


# ---------------------------------------------------------------------------------------------
# Rows whose wording is not yet confirmed, demo data, formulas


def test_every_export_marks_the_rows_whose_wording_is_not_confirmed(client, jamaica):
    unconfirmed = set(
        Row.objects.filter(template=jamaica.template, source_status="memory", retired=False).values_list(
            "code", flat=True
        )
    )
    assert len(unconfirmed) == UNCONFIRMED_ROWS_1540

    lines = csv_lines(client.get("/states/JAM/1540/v1/export.csv"))
    cells = json.loads(client.get("/states/JAM/1540/v1/export.json").content)["cells"]
    rows, _workbook = xlsx_rows(client.get("/states/JAM/1540/v1/export.xlsx"))

    for found in (
        [(line["row"], line["row_wording"]) for line in lines],
        [(cell["row"], cell["row_wording"]) for cell in cells],
        [(row[4], row[FLAT_FIELDS.index("row_wording")] or "") for row in rows[1:]],
    ):
        assert {row for row, wording in found if wording == "unconfirmed"} == unconfirmed
        assert {wording for row, wording in found if row not in unconfirmed} == {""}
    iaea = next(line for line in lines if line["row"] == "OP1.IAEA")  # from memory
    npt = next(line for line in lines if line["row"] == "OP1.NPT")  # seen in a matrix excerpt
    assert (iaea["row_wording"], npt["row_wording"]) == ("unconfirmed", "")


@pytest.fixture
def demo_data(reference, django_capture_on_commit_callbacks):
    """The database holds demo data, as seed_demo leaves it."""
    with django_capture_on_commit_callbacks(execute=True):
        demo_marking.mark_seeded()


def test_without_demo_data_no_export_says_demo(client, jamaica):
    csv_response = client.get("/states/JAM/1540/v1/export.csv")
    xlsx_response = client.get("/states/JAM/1540/v1/export.xlsx")
    payload = json.loads(client.get("/states/JAM/1540/v1/export.json").content)

    assert {line["demo_data"] for line in csv_lines(csv_response)} == {""}
    rows, workbook = xlsx_rows(xlsx_response)
    assert {row[-1] for row in rows[1:]} == {None}
    assert workbook.properties.keywords is None
    assert payload["demo_data"] is False
    assert demo_marking.HEADER not in csv_response


@pytest.mark.parametrize("url", ["/states/JAM/1540/v1/export", "/matrices/export"])
def test_with_demo_data_every_export_says_so_in_its_metadata(client, jamaica, demo_data, url):
    csv_response = client.get(f"{url}.csv")
    xlsx_response = client.get(f"{url}.xlsx")
    json_response = client.get(f"{url}.json")

    lines = csv_lines(csv_response)
    assert lines and {line["demo_data"] for line in lines} == {"true"}
    rows, workbook = xlsx_rows(xlsx_response)
    assert rows[0][-1] == "demo_data" and {row[-1] for row in rows[1:]} == {"true"}
    about = [row[0] for row in workbook["about"].iter_rows(values_only=True) if row]
    assert about[0].startswith("Demo data: ") and "not information from or about any State" in about[0]
    assert "not a tool for measuring compliance" in about[1]
    assert workbook.properties.keywords == "demo data"
    payload = json.loads(json_response.content)
    assert payload["demo_data"] is True
    assert payload["demo_notice"] == str(demo_marking.NOTICE)
    for response in (csv_response, xlsx_response, json_response):
        assert response[demo_marking.HEADER] == "true"


@pytest.mark.parametrize(
    ("text", "defused"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),  # the tab is a separator too
        ("\r=1", "'\r=1"),
        # A spreadsheet splitting the line on ";", "," or a tab would start a cell with a formula.
        (";=cmd|' /C calc'!A0", ";'=cmd|' /C calc'!A0"),
        ('Act 5;=HYPERLINK("x")', 'Act 5;\'=HYPERLINK("x")'),
        ("a,+1", "a,'+1"),
        ("a\t-1", "a\t'-1"),
        ("a;@SUM(A1)", "a;'@SUM(A1)"),
        ("=a;=b", "'=a;'=b"),
        # Ordinary text is left alone.
        ("Act No. 5, 2003", "Act No. 5, 2003"),
        ("ss. 3-4; art. 7", "ss. 3-4; art. 7"),
        ("Chemical Weapons Act 2000, s. 5 - amended", "Chemical Weapons Act 2000, s. 5 - amended"),
        ("e-mail: focal@example.org", "e-mail: focal@example.org"),
        ("", ""),
    ],
)
def test_the_csv_defuses_formulas_at_the_start_and_after_a_separator(text, defused):
    assert _defused(text) == defused


def test_numbers_are_exported_as_numbers_never_defused():
    assert _defused(-1) == -1
    assert _defused(2) == 2


def test_the_csv_quotes_every_text_so_a_spreadsheet_splitting_on_semicolons_keeps_it_whole():
    line = dict.fromkeys(FIELDS, "")
    line.update(version=-1, source="Act 5;=cmd", remarks="Act No. 5, 2003", derived_from=None)

    text = as_csv([line]).decode("utf-8-sig").splitlines()[1]

    assert '"Act 5;\'=cmd"' in text and '"Act No. 5, 2003"' in text
    assert ",-1," in text  # a number is written as is
    assert next(csv.reader([text])) == [
        "", "", "-1", "", "", "", "", "", "", "Act 5;\'=cmd", "Act No. 5, 2003", "", "", "",
    ]  # fmt: skip


def test_an_export_of_a_cell_with_a_formula_after_a_semicolon_is_defused(client, state_a, state_a_official, expert):
    publish(
        state_a,
        state_a_official,
        expert,
        [{"row": "OP2.ACQUIRE", "column": "CW", "aspect": "framework", "mark": "X", "source": ";=cmd|' /C calc'!A0"}],
    )

    lines = csv_lines(client.get("/states/JAM/1540/v1/export.csv"))

    cell = next(
        line
        for line in lines
        if line["row"] == "OP2.ACQUIRE" and line["column"] == "CW" and line["aspect"] == "framework"
    )
    assert cell["source"] == ";'=cmd|' /C calc'!A0"
