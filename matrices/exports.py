"""Downloads of published matrices, of one version or of a whole filtered list (never capped).

CSV and JSON: one line per cell, the same columns for one version and for a list: state, regime,
version, section, row, label, column, aspect, mark, source, remarks, derived_from, row_wording
("unconfirmed" when the row's wording is not yet confirmed against an official matrix). Every cell
of the version's template is a line, blank ones included, so a download is the whole matrix. One
query for the templates' rows, then one for the cells of each CHUNK versions, written as they come.

XLSX: laid out like the printed matrix, one sheet per section ("1540 OP2"), one line per row of a
matrix with each of its cells' mark, source, remarks and origin side by side; a bold, frozen header
with filters, set widths; an "about" sheet with each version's dates as dates. Written to a
temporary file with the same queries, then sent. Callers pass only versions the public may see.

In the reader's language: the headers of CSV and workbook (`HEADERS`, English as the field names), the
row labels and State names (`matrices/translation.py`, `states/translation.py`). The codes (ISO alpha-3,
regime, section, row and column codes, aspects, marks) keep their own columns, the same in every
language, as do JSON's keys (a program reads them).

When the database holds demo data (portal/core/demo_marking.py), every download says so: a `demo_data`
field in JSON, a `demo_data` column in CSV and in the workbook (whose "about" sheet and properties
say it too), and the `X-Portal-Demo-Data` header.
"""

import csv
import datetime
import io
import json
import re
import tempfile

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from matrices.models import Cell, Row
from portal.core import demo_marking

FORMATS = ("csv", "xlsx", "json")
# Versions whose cells are read in one query: a download of every published matrix holds at most
# this many versions' cells in memory at once, whatever the number of versions.
CHUNK = 100
# Lines of CSV or JSON sent at a time.
LINES_PER_PIECE = 2000
FIELDS = (
    "state",
    "regime",
    "version",
    "section",
    "row",
    "label",
    "column",
    "aspect",
    "mark",
    "source",
    "remarks",
    "derived_from",
    "row_wording",
)
# CSV and workbook lines: the same, and whether the download is demo data (a file has no other place).
FLAT_FIELDS = (*FIELDS, "demo_data")
# The rows of the 1540 matrix written from memory (portal/reference_data/SOURCES.md) have a wording
# not yet confirmed against an official matrix; those seen in a matrix excerpt or following the
# resolution's text are not marked, nor are the checklists (the portal's own design).
UNCONFIRMED_SOURCE_STATUSES = frozenset({"memory"})
UNCONFIRMED = "unconfirmed"
# The versions a download holds, on the "about" sheet of a workbook.
ABOUT_FIELDS = (
    "state",
    "state_name",
    "regime",
    "version",
    "template_version",
    "report_date",
    "approved_at",
    "published_at",
    "url",
)
# The headers of CSV and workbook columns, in the reader's language (in English, the field names as
# they are: programs that read the English files keep working).
HEADERS = {
    "state": pgettext_lazy("matrix export column", "state"),
    "state_name": pgettext_lazy("matrix export column", "state_name"),
    "regime": pgettext_lazy("matrix export column", "regime"),
    "version": pgettext_lazy("matrix export column", "version"),
    "template_version": pgettext_lazy("matrix export column", "template_version"),
    "section": pgettext_lazy("matrix export column", "section"),
    "row": pgettext_lazy("matrix export column", "row"),
    "label": pgettext_lazy("matrix export column", "label"),
    "column": pgettext_lazy("matrix export column", "column"),
    "aspect": pgettext_lazy("matrix export column", "aspect"),
    "mark": pgettext_lazy("matrix export column", "mark"),
    "source": pgettext_lazy("matrix export column", "source"),
    "remarks": pgettext_lazy("matrix export column", "remarks"),
    "derived_from": pgettext_lazy("matrix export column", "derived_from"),
    "row_wording": pgettext_lazy("matrix export column", "row_wording"),
    "demo_data": pgettext_lazy("matrix export column", "demo_data"),
    "report_date": pgettext_lazy("matrix export column", "report_date"),
    "approved_at": pgettext_lazy("matrix export column", "approved_at"),
    "published_at": pgettext_lazy("matrix export column", "published_at"),
    "url": pgettext_lazy("matrix export column", "url"),
}


def header(field: str) -> str:
    """A column's header in the active language."""
    return str(HEADERS[field])


# The values of a cell that is not stored (blank).
BLANK = ("", "", "", "", "")
DISCLAIMER = _(
    "The 1540 Committee's matrices are a reference tool for facilitating assistance, "
    "not a tool for measuring compliance."
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
# A spreadsheet runs a text that starts with one of these as a formula (CSV injection)...
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... and a spreadsheet that splits lines on ";" or tabs (as in many locales), or a tool that splits
# them without heeding quotes, starts a new cell after one of these: a formula may start there too.
_FORMULA_AFTER_SPLIT = re.compile(r"(?<=[,;\t])(?=[=+\-@])")


def _specs(matrices) -> dict:
    """{template id: [(row, [(column, aspect), ...]), ...]} in display order. One query."""
    specs = {}
    for row in (
        Row.objects.filter(template_id__in={m.template_id for m in matrices}, retired=False)
        .select_related("section", "template__regime")
        .order_by("template_id", "section__order", "order")
    ):
        specs.setdefault(row.template_id, []).append((row, row.cell_keys(row.template.regime.column)))
    return specs


def _stored(matrices) -> dict:
    """{(matrix id, row code, column, aspect): (mark, source, remarks, derived regime, derived row)}. One query."""
    return {
        (matrix_id, row, column, aspect): rest
        for matrix_id, row, column, aspect, *rest in Cell.objects.filter(matrix_id__in=[m.pk for m in matrices])
        .values_list(
            "matrix_id",
            "row__code",
            "column",
            "aspect",
            "mark",
            "source",
            "remarks",
            "derived_from_regime",
            "derived_from_row",
        )
        .order_by()
    }


def _chunks(matrices):
    for start in range(0, len(matrices), CHUNK):
        yield matrices[start : start + CHUNK]


def _line(matrix, row, column, aspect, values) -> dict:
    mark, source, remarks, derived_regime, derived_row = values
    return {
        "state": matrix.state.iso3,
        "regime": matrix.regime.code,
        "version": matrix.version,
        "section": row.section.code,
        "row": row.code,
        "label": row.label,
        "column": column,
        "aspect": aspect,
        "mark": mark,
        "source": source,
        "remarks": remarks,
        "derived_from": {"regime": derived_regime, "row": derived_row} if derived_regime else None,
        "row_wording": UNCONFIRMED if row.source_status in UNCONFIRMED_SOURCE_STATUSES else "",
    }


def iter_lines(matrices, specs=None):
    """One dict per cell of each version's template, in display order, as a generator: one query for
    the rows of the templates, then one for the cells of each CHUNK versions, so that a download of
    every published matrix never holds more than a chunk's cells in memory."""
    matrices = list(matrices)
    if not matrices:
        return
    specs = _specs(matrices) if specs is None else specs
    for chunk in _chunks(matrices):
        stored = _stored(chunk)
        for matrix in chunk:
            for row, keys in specs.get(matrix.template_id, []):
                for column, aspect in keys:
                    yield _line(matrix, row, column, aspect, stored.get((matrix.pk, row.code, column, aspect), BLANK))


def cell_lines(matrices) -> list[dict]:
    """One dict per cell of each version's template, in display order (see `iter_lines`)."""
    return list(iter_lines(matrices))


def matrix_summary(matrix) -> dict:
    return {
        "state": matrix.state.iso3,
        "state_name": matrix.state.name,
        "regime": matrix.regime.code,
        "version": matrix.version,
        "template_version": matrix.template.version,
        "report_date": matrix.report_date.isoformat() if matrix.report_date else None,
        "approved_at": matrix.approved_at.isoformat() if matrix.approved_at else None,
        "published_at": matrix.published_at.isoformat() if matrix.published_at else None,
        "url": matrix.get_absolute_url(),
    }


def _flat(line, demo_data: bool) -> list:
    values = [line[field] for field in FIELDS]
    derived = line["derived_from"]
    values[FIELDS.index("derived_from")] = f"{derived['regime']} {derived['row']}" if derived else ""
    return [*values, "true" if demo_data else ""]


def _defused(value):
    """Text a spreadsheet shows as text (OWASP CSV injection): a quote goes before a formula
    character at the start, and before one right after a character a spreadsheet may split the
    line on (";=cmd" would be a formula in the cell after the ";"). Numbers stay numbers, and
    ordinary text ("Act No. 5, 2003", "s. 3-4") is left alone."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    return _FORMULA_AFTER_SPLIT.sub("'", value)


def _csv_text(lines, demo_data: bool) -> str:
    buffer = io.StringIO()
    # Every text in quotes: a spreadsheet that splits on ";" or tabs keeps each field whole.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    for line in lines:
        writer.writerow([_defused(value) for value in _flat(line, demo_data)])
    return buffer.getvalue()


def _csv_header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerow([header(field) for field in FLAT_FIELDS])
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    return "\ufeff" + buffer.getvalue()


def as_csv(lines, demo_data: bool = False) -> bytes:
    return (_csv_header() + _csv_text(lines, demo_data)).encode("utf-8")


def csv_chunks(matrices, demo_data: bool = False):
    """The CSV of `matrices`, in pieces of at most LINES_PER_PIECE lines (see `iter_lines`): ready to be
    streamed, and joined without a list of every line."""
    yield _csv_header().encode("utf-8")
    piece = []
    for line in iter_lines(matrices):
        piece.append(line)
        if len(piece) == LINES_PER_PIECE:
            yield _csv_text(piece, demo_data).encode("utf-8")
            piece = []
    if piece:
        yield _csv_text(piece, demo_data).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The workbook: laid out like the printed matrix, one sheet per section, one line per row of the
# matrix with the mark, legal source, remarks and origin of each of its cells side by side.

# The columns naming the line, frozen with the header, then the row's wording, then the cells.
SHEET_KEY_FIELDS = ("state", "regime", "version", "row")
SHEET_ROW_FIELDS = ("label", "row_wording")
CELL_FIELDS = ("mark", "source", "remarks", "derived_from")
WIDTHS = {
    "state": 7,
    "regime": 8,
    "version": 8,
    "row": 22,
    "label": 50,
    "row_wording": 13,
    "mark": 7,
    "source": 40,
    "remarks": 30,
    "derived_from": 14,
    "demo_data": 11,
}
HEADER_FONT = Font(bold=True)
ABOUT_WIDTHS = {"state_name": 28, "template_version": 10, "report_date": 12, "approved_at": 18, "published_at": 18}
# Characters a sheet's title may not hold, and its length.
_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
TITLE_MAX = 31


def _sheet_title(regime, section, taken) -> str:
    base = _TITLE_FORBIDDEN.sub("-", f"{regime} {section}")[:TITLE_MAX].strip() or "section"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _sheet_plan(matrices, specs) -> dict:
    """{(regime code, section code): [title, [(column, aspect) in order]]} in regime and section order."""
    regimes = {}
    for matrix in matrices:
        regimes.setdefault(matrix.regime.code, (matrix.regime.order, matrix.regime.code, set()))[2].add(
            matrix.template_id
        )
    plan, taken = {}, {"about"}
    for _order, regime, templates in sorted(regimes.values()):
        for template_id in sorted(templates):
            for row, keys in specs.get(template_id, []):
                key = (regime, row.section.code)
                if key not in plan:
                    plan[key] = [_sheet_title(regime, row.section.code, taken), []]
                plan[key][1].extend(k for k in keys if k not in plan[key][1])
    return plan


def _header(sheet, values):
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = HEADER_FONT
        cells.append(cell)
    return cells


def _set_widths(sheet, widths):
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _open_section(workbook, title, keys):
    sheet = workbook.create_sheet(title)
    # The cells' headers start with the column and aspect codes ("NW framework"), as in every language.
    names = [header(field) for field in (*SHEET_KEY_FIELDS, *SHEET_ROW_FIELDS)]
    for column, aspect in keys:
        names.extend(f"{column} {aspect} {header(field)}" for field in CELL_FIELDS)
    names.append(header("demo_data"))
    widths = [WIDTHS[name] for name in (*SHEET_KEY_FIELDS, *SHEET_ROW_FIELDS)]
    widths += [WIDTHS[field] for _key in keys for field in CELL_FIELDS]
    widths.append(WIDTHS["demo_data"])
    _set_widths(sheet, widths)
    # The header and the columns naming the line stay in view; the header is printed on every page.
    sheet.freeze_panes = f"{get_column_letter(len(SHEET_KEY_FIELDS) + 1)}2"
    sheet.print_title_rows = "1:1"
    sheet.append(_header(sheet, names))
    return {"sheet": sheet, "keys": keys, "columns": len(names), "lines": 1}


def _section_line(sheet, matrix, row, cells, keys, demo_data) -> list:
    values = [
        matrix.state.iso3,
        matrix.regime.code,
        matrix.version,
        row.code,
        row.label,
        UNCONFIRMED if row.source_status in UNCONFIRMED_SOURCE_STATUSES else None,
    ]
    for key in keys:
        mark, source, remarks, derived_regime, derived_row = cells.get(key, BLANK)
        derived = f"{derived_regime} {derived_row}" if derived_regime else None
        values.extend(_xlsx_value(sheet, value or None) for value in (mark, source, remarks, derived))
    values.append("true" if demo_data else None)
    return values


def _utc(moment):
    """A datetime as a workbook holds it: without a time zone, in UTC (the about sheet says so)."""
    if moment is None:
        return None
    return timezone.localtime(moment, datetime.UTC).replace(tzinfo=None)


def _about(workbook, matrices, demo_data):
    about = workbook.create_sheet("about")
    _set_widths(about, [ABOUT_WIDTHS.get(field, WIDTHS.get(field, 10)) for field in ABOUT_FIELDS])
    if demo_data:
        about.append([str(demo_marking.NOTICE)])
    about.append([str(DISCLAIMER)])
    about.append([str(_("Dates and times are in UTC."))])
    about.append(_header(about, [header(field) for field in ABOUT_FIELDS]))
    for matrix in matrices:
        about.append(
            [
                matrix.state.iso3,
                matrix.state.name,
                matrix.regime.code,
                matrix.version,
                matrix.template.version,
                matrix.report_date,
                _utc(matrix.approved_at),
                _utc(matrix.published_at),
                matrix.get_absolute_url(),
            ]
        )


def write_xlsx(matrices, target, demo_data: bool = False) -> None:
    """Write the workbook of `matrices` to `target` (a path or a binary file). openpyxl's write-only
    mode keeps each sheet's lines in a temporary file, and cells are read CHUNK versions at a time:
    memory holds a chunk's cells and the workbook's distinct texts, whatever the number of versions."""
    matrices = list(matrices)
    specs = _specs(matrices) if matrices else {}
    workbook = Workbook(write_only=True)
    if demo_data:
        workbook.properties.title = str(demo_marking.NOTICE)
        workbook.properties.keywords = "demo data"
    sections = {
        key: _open_section(workbook, title, keys) for key, (title, keys) in _sheet_plan(matrices, specs).items()
    }
    for chunk in _chunks(matrices):
        stored = _stored(chunk)
        for matrix in chunk:
            for row, keys in specs.get(matrix.template_id, []):
                section = sections[(matrix.regime.code, row.section.code)]
                cells = {}
                for column, aspect in keys:
                    values = stored.get((matrix.pk, row.code, column, aspect))
                    if values is not None:
                        cells[(column, aspect)] = values
                sheet = section["sheet"]
                sheet.append(_section_line(sheet, matrix, row, cells, section["keys"], demo_data))
                section["lines"] += 1
    for section in sections.values():
        last = get_column_letter(section["columns"])
        section["sheet"].auto_filter.ref = f"A1:{last}{section['lines']}"
    _about(workbook, matrices, demo_data)
    workbook.save(target)


def as_xlsx(matrices, demo_data: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(matrices, buffer, demo_data)
    return buffer.getvalue()


def _xlsx_value(sheet, value):
    """A value as a workbook stores it: text is always text, never a formula."""
    if not isinstance(value, str) or not value:
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value


# ---------------------------------------------------------------------------------------------
# JSON


def json_chunks(matrices, demo_data: bool = False):
    """{"demo_data", ["demo_notice"], "disclaimer", "matrices", "cells"}, the cells written in pieces."""
    matrices = list(matrices)
    head = {
        "demo_data": demo_data,
        **({"demo_notice": str(demo_marking.NOTICE)} if demo_data else {}),
        "disclaimer": str(DISCLAIMER),
        "matrices": [matrix_summary(matrix) for matrix in matrices],
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "cells": [').encode("utf-8")
    piece, first = [], True
    for line in iter_lines(matrices):
        piece.append(json.dumps(line, ensure_ascii=False))
        if len(piece) == LINES_PER_PIECE:
            yield (("" if first else ", ") + ", ".join(piece)).encode("utf-8")
            piece, first = [], False
    if piece:
        yield (("" if first else ", ") + ", ".join(piece)).encode("utf-8")
    yield b"]}"


def as_json(matrices, demo_data: bool = False) -> bytes:
    return b"".join(json_chunks(matrices, demo_data))


# ---------------------------------------------------------------------------------------------
# The download


def response(fmt: str, matrices, filename: str) -> HttpResponse:
    """The download of `matrices` (published versions with state, regime and template loaded), whatever
    their number. Cells are read CHUNK versions at a time (`iter_lines`), so memory holds the file being
    sent, not the objects it was written from. The workbook is written to a temporary file (a zip archive
    is whole only at its end) and sent from it."""
    matrices = list(matrices)
    demo_data = demo_marking.present()
    name = f"{filename}.{fmt}"
    if fmt == "xlsx":
        target = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response once sent
        try:
            write_xlsx(matrices, target, demo_data)
        except BaseException:
            target.close()
            raise
        target.seek(0)
        answer = FileResponse(target, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    else:
        chunks = csv_chunks(matrices, demo_data) if fmt == "csv" else json_chunks(matrices, demo_data)
        answer = HttpResponse(b"".join(chunks), content_type=CONTENT_TYPES[fmt])
        answer["Content-Disposition"] = f'attachment; filename="{name}"'
    if demo_data:
        answer[demo_marking.HEADER] = "true"
    return answer
