"""Downloads of published matrices: one version, or a whole filtered list, as CSV, XLSX and JSON."""

import csv
import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from matrices import services
from matrices.exports import CELL_FIELDS, FIELDS, FLAT_FIELDS, _defused, as_csv
from matrices.models import Matrix, Row
from matrices.tests.test_public import PERSONAS, as_persona, draft_with, filled_cells, persona_users, publish
from portal.core import demo_marking

pytestmark = pytest.mark.django_db

CELLS_1540 = 357  # every cell of the 1540 template: OP1 33 rows x 1, OP2/OP3 54 rows x 6
ROWS_1540 = 87
SHEETS_1540 = ["1540 OP1", "1540 OP2", "1540 OP3ab", "1540 OP3cd", "about"]
# A section sheet: the line's State, regime, version and row, the row's label and wording, then the
# cells' mark, source, remarks and origin, then demo_data.
WEAPON_KEYS = [(column, aspect) for column in ("NW", "CW", "BW") for aspect in ("framework", "enforcement")]
WEAPONS_HEADER = [
    "state", "regime", "version", "row", "label", "row_wording",
    *(f"{column} {aspect} {field}" for column, aspect in WEAPON_KEYS for field in CELL_FIELDS),
    "demo_data",
]  # fmt: skip
# The rows of the 1540 template written from memory (portal/reference_data/SOURCES.md): their wording
# is not yet confirmed against an official matrix.
UNCONFIRMED_ROWS_1540 = 44
# The version (with State, regime and template), the template's rows, the version's cells.
EXPORT_QUERIES = 3
# The list (with the filter's own lookup), the rows of the templates, the cells of every version.
LIST_EXPORT_QUERIES = 3


def csv_lines(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_workbook(response, read_only=False):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=read_only)


def xlsx_rows(response):
    """The lines of every section sheet (header left out), and the workbook."""
    workbook = xlsx_workbook(response)
    rows = []
    for sheet in workbook.worksheets:
        if sheet.title != "about":
            rows.extend(list(row) for row in list(sheet.iter_rows(values_only=True))[1:])
    return rows, workbook


def about_rows(workbook):
    return [row for row in workbook["about"].iter_rows(values_only=True) if any(value is not None for value in row)]


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


def test_the_xlsx_of_a_version_is_laid_out_like_the_printed_matrix_one_sheet_per_section(client, jamaica):
    response = client.get("/states/JAM/1540/v1/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="JAM-1540-v1.xlsx"'
    workbook = xlsx_workbook(response, read_only=False)
    assert workbook.sheetnames == SHEETS_1540
    op1 = list(workbook["1540 OP1"].iter_rows(values_only=True))
    assert op1[0] == (
        "state", "regime", "version", "row", "label", "row_wording",
        "ALL framework mark", "ALL framework source", "ALL framework remarks", "ALL framework derived_from",
        "demo_data",
    )  # fmt: skip
    assert op1[1] == (
        "JAM", "1540", 1, "OP1.NPT", "Nuclear Non-Proliferation Treaty (NPT)", None,
        "X", "National Act 0, art. 0", None, None, None,
    )  # fmt: skip
    op2 = list(workbook["1540 OP2"].iter_rows(values_only=True))
    assert list(op2[0]) == WEAPONS_HEADER
    # One line per row of the matrix, each with its six cells side by side.
    lines = sum(workbook[title].max_row - 1 for title in SHEETS_1540[:-1])
    assert lines == ROWS_1540
    manufacture = next(line for line in op2 if line[3] == "OP2.MANUFACTURE")
    nw_enforcement = 6 + WEAPON_KEYS.index(("NW", "enforcement")) * len(CELL_FIELDS)
    assert manufacture[nw_enforcement : nw_enforcement + 2] == ("NA", None)
    assert manufacture[nw_enforcement + 2] == "No industry"


def test_the_xlsx_has_a_bold_frozen_filtered_header_set_widths_and_dates_as_dates(client, jamaica):
    workbook = xlsx_workbook(client.get("/states/JAM/1540/v1/export.xlsx"), read_only=False)

    for title in SHEETS_1540[:-1]:
        sheet = workbook[title]
        assert sheet.freeze_panes == "E2"  # the header, and the State, regime, version and row
        assert all(cell.font.bold for cell in sheet[1])
        assert not sheet.cell(row=2, column=1).font.bold
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}{sheet.max_row}"
        assert sheet.column_dimensions["E"].width == 50  # the row's label
        assert sheet.print_title_rows == "$1:$1"
    assert workbook["1540 OP2"].column_dimensions["H"].width == 40  # NW framework source
    about = about_rows(workbook)
    header = about.index(next(row for row in about if row[0] == "state"))
    assert all(cell.font.bold for cell in workbook["about"][header + 1] if cell.value)
    line = dict(zip(about[header], about[header + 1], strict=True))
    assert line["report_date"] == datetime.datetime(2024, 3, 15)  # a date, shown as one
    assert workbook["about"].cell(row=header + 2, column=6).is_date
    approved = jamaica.approved_at.astimezone(datetime.UTC).replace(tzinfo=None)
    assert abs(line["approved_at"] - approved) < datetime.timedelta(seconds=1)
    assert isinstance(line["published_at"], datetime.datetime)
    assert line["url"] == "/states/JAM/1540/v1/"
    assert "not a tool for measuring compliance" in about[0][0]


def test_the_xlsx_keeps_text_that_looks_like_a_formula_as_text(client, jamaica):
    workbook = xlsx_workbook(client.get("/states/JAM/1540/v1/export.xlsx"), read_only=False)

    acquire = next(row for row in workbook["1540 OP2"].iter_rows(min_row=2) if row[3].value == "OP2.ACQUIRE")
    bw_framework_source = acquire[6 + WEAPON_KEYS.index(("BW", "framework")) * len(CELL_FIELDS) + 1]
    assert bw_framework_source.value == '=HYPERLINK("x")'
    assert bw_framework_source.data_type == "s"


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

    assert len(rows) == ROWS_1540
    assert {row[0] for row in rows} == {"JAM"}


def test_the_list_export_as_xlsx_is_not_capped_and_reads_the_cells_a_chunk_at_a_time(
    client, jamaica, kenya, monkeypatch, django_assert_num_queries
):
    """Two matrices read one at a time make the same workbook as both at once: the download of every
    published matrix holds a chunk of cells at a time, with one query per chunk."""
    whole = client.get("/matrices/export.xlsx")
    monkeypatch.setattr("matrices.exports.CHUNK", 1)
    with django_assert_num_queries(LIST_EXPORT_QUERIES + 1):
        chunked = client.get("/matrices/export.xlsx")

    rows, workbook = xlsx_rows(chunked)
    assert rows == xlsx_rows(whole)[0]
    assert len(rows) == 2 * ROWS_1540
    assert [row[0] for row in rows if row[3] == "OP1.NPT"] == ["JAM", "KEN"]
    assert [row[:2] for row in about_rows(workbook)[3:]] == [("JAM", "Jamaica"), ("KEN", "Kenya")]


def test_the_list_export_as_csv_and_json_reads_the_cells_a_chunk_at_a_time(client, jamaica, kenya, monkeypatch):
    whole = (client.get("/matrices/export.csv").content, json.loads(client.get("/matrices/export.json").content))
    monkeypatch.setattr("matrices.exports.CHUNK", 1)
    monkeypatch.setattr("matrices.exports.LINES_PER_PIECE", 100)

    chunked = (client.get("/matrices/export.csv").content, json.loads(client.get("/matrices/export.json").content))

    assert chunked == whole
    assert len(chunked[1]["cells"]) == 2 * CELLS_1540


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
        [(row[3], row[5] or "") for row in rows],  # a line per row of the matrix in the workbook
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
    assert len(rows) == ROWS_1540 and {row[-1] for row in rows} == {None}
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
    assert rows and {row[-1] for row in rows} == {"true"}
    assert all(next(sheet.iter_rows(values_only=True))[-1] == "demo_data" for sheet in workbook.worksheets[:-1])
    about = [row[0] for row in about_rows(workbook)]
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
