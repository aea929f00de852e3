"""Downloads of published matrices: one line per cell, as CSV, XLSX or JSON.

The same columns for one version and for a whole filtered list: state, regime, version, section,
row, label, column, aspect, mark, source, remarks, derived_from, row_wording ("unconfirmed" when
the row's wording is not yet confirmed against an official matrix). Every cell of the version's
template is a line, blank ones included, so a download is the whole matrix. Two queries for the
cells of any number of versions. Callers pass only versions the public may see.

When the database holds demo data (portal/core/demo_marking.py), every download says so: a `demo_data`
field in JSON, a `demo_data` column in CSV and in the workbook (whose "about" sheet and properties
say it too), and the `X-Portal-Demo-Data` header.
"""

import csv
import io
import json
import re

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from matrices.models import Cell, Row
from portal.core import demo_marking

FORMATS = ("csv", "xlsx", "json")
# Writing a workbook costs about ten times more than CSV per cell: a list download as XLSX
# is refused past this many matrices (about 10,000 lines), so that it never outlasts a request.
XLSX_MAX_MATRICES = 30
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
ABOUT_FIELDS = ("state", "state_name", "regime", "version", "template_version", "report_date", "approved_at")
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


def cell_lines(matrices) -> list[dict]:
    """One dict per cell of each version's template, in display order. Two queries."""
    matrices = list(matrices)
    if not matrices:
        return []
    specs = {}
    for row in (
        Row.objects.filter(template_id__in={m.template_id for m in matrices}, retired=False)
        .select_related("section", "template__regime")
        .order_by("template_id", "section__order", "order")
    ):
        for column, aspect in row.cell_keys(row.template.regime.column):
            specs.setdefault(row.template_id, []).append((row, column, aspect))
    stored = {
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
    lines = []
    for matrix in matrices:
        for row, column, aspect in specs.get(matrix.template_id, []):
            mark, source, remarks, derived_regime, derived_row = stored.get(
                (matrix.pk, row.code, column, aspect), ("", "", "", "", "")
            )
            lines.append(
                {
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
            )
    return lines


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


def as_csv(lines, demo_data: bool = False) -> bytes:
    buffer = io.StringIO()
    # Every text in quotes: a spreadsheet that splits on ";" or tabs keeps each field whole.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(FLAT_FIELDS)
    for line in lines:
        writer.writerow([_defused(value) for value in _flat(line, demo_data)])
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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


def as_xlsx(lines, matrices, demo_data: bool = False) -> bytes:
    workbook = Workbook(write_only=True)
    if demo_data:
        workbook.properties.title = str(demo_marking.NOTICE)
        workbook.properties.keywords = "demo data"
    sheet = workbook.create_sheet("cells")
    sheet.append(list(FLAT_FIELDS))
    for line in lines:
        sheet.append([_xlsx_value(sheet, value) for value in _flat(line, demo_data)])
    about = workbook.create_sheet("about")
    if demo_data:
        about.append([str(demo_marking.NOTICE)])
    about.append([str(DISCLAIMER)])
    about.append([])
    about.append(list(ABOUT_FIELDS))
    for matrix in matrices:
        summary = matrix_summary(matrix)
        about.append([summary[key] or "" for key in ABOUT_FIELDS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_json(lines, matrices, demo_data: bool = False) -> bytes:
    payload = {
        "demo_data": demo_data,
        **({"demo_notice": str(demo_marking.NOTICE)} if demo_data else {}),
        "disclaimer": str(DISCLAIMER),
        "matrices": [matrix_summary(matrix) for matrix in matrices],
        "cells": lines,
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def response(fmt: str, matrices, filename: str) -> HttpResponse:
    """The download of `matrices` (published versions with state, regime and template loaded)."""
    matrices = list(matrices)
    lines = cell_lines(matrices)
    demo_data = demo_marking.present()
    if fmt == "csv":
        body = as_csv(lines, demo_data)
    elif fmt == "xlsx":
        body = as_xlsx(lines, matrices, demo_data)
    else:
        body = as_json(lines, matrices, demo_data)
    answer = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    answer["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    if demo_data:
        answer[demo_marking.HEADER] = "true"
    return answer
