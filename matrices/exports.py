"""Downloads of published matrices: one line per cell, as CSV, XLSX or JSON.

The same columns for one version and for a whole filtered list: state, regime, version, section,
row, label, column, aspect, mark, source, remarks, derived_from. Every cell of the version's
template is a line, blank ones included, so a download is the whole matrix. Two queries for the
cells of any number of versions. Callers pass only versions the public may see.
"""

import csv
import io
import json

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from matrices.models import Cell, Row

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
)
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
# A spreadsheet runs a text that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _flat(line) -> list:
    derived = line["derived_from"]
    return [
        *(line[field] for field in FIELDS[:-1]),
        f"{derived['regime']} {derived['row']}" if derived else "",
    ]


def _defused(value):
    """Text a spreadsheet shows as text: a leading quote stops formulas (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_csv(lines) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for line in lines:
        writer.writerow([_defused(value) for value in _flat(line)])
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


def as_xlsx(lines, matrices) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cells")
    sheet.append(list(FIELDS))
    for line in lines:
        sheet.append([_xlsx_value(sheet, value) for value in _flat(line)])
    about = workbook.create_sheet("about")
    about.append([str(DISCLAIMER)])
    about.append([])
    about.append(list(ABOUT_FIELDS))
    for matrix in matrices:
        summary = matrix_summary(matrix)
        about.append([summary[key] or "" for key in ABOUT_FIELDS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_json(lines, matrices) -> bytes:
    payload = {
        "disclaimer": str(DISCLAIMER),
        "matrices": [matrix_summary(matrix) for matrix in matrices],
        "cells": lines,
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def response(fmt: str, matrices, filename: str) -> HttpResponse:
    """The download of `matrices` (published versions with state, regime and template loaded)."""
    matrices = list(matrices)
    lines = cell_lines(matrices)
    if fmt == "csv":
        body = as_csv(lines)
    elif fmt == "xlsx":
        body = as_xlsx(lines, matrices)
    else:
        body = as_json(lines, matrices)
    answer = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    answer["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return answer
