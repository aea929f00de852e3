"""What the assistance pages of every audience share: the needs of a request with their matrix cells,
the labels of cells and columns, the request filter form's labels and the error page. View modules import
these from here, never from one another (docs/architecture.md, "Layers")."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from assistance.models import Column, NeedCell
from matrices.models import Row
from portal.core.exceptions import DomainError


def error_page(request, exc: DomainError):
    return render(request, "error.html", {"status": exc.status, "detail": exc.message}, status=exc.status)


def dress_filter_form(form, labels: dict, empty_labels: dict):
    """Readable labels and "any" choices; each list of choices is read once (one query per select).

    The template lists `field.listed_choices`: iterating a model field's choices runs a query each time."""
    for name, field in form.fields.items():
        if name in labels:
            field.label = labels[name]
        if hasattr(field, "choices"):
            if name in empty_labels:
                field.empty_label = empty_labels[name]
            # Not list(): it would ask the iterator for its length first, one COUNT query more.
            field.listed_choices = list(iter(field.choices))
    return form


REQUEST_FILTER_LABELS = {
    "status": gettext_lazy("Status"),
    "area": gettext_lazy("Area of assistance"),
    "column": gettext_lazy("Weapon column"),
    "state": gettext_lazy("State"),
    "region": gettext_lazy("UN regional group"),
    "submitted_after": gettext_lazy("Submitted on or after"),
}
REQUEST_FILTER_EMPTY = {
    "status": gettext_lazy("Any status"),
    "area": gettext_lazy("Any area"),
    "column": gettext_lazy("Any column"),
    "state": gettext_lazy("Any State"),
    "region": gettext_lazy("Any regional group"),
}


def needs_with_cells(request_obj) -> list:
    """The request's needs, each cell with its row label and its current mark in that matrix version.

    Three queries whatever the number of needs and cells."""
    from matrices.models import Aspect, Cell, CellColumn, Mark, Row

    needs = list(
        request_obj.needs.prefetch_related(
            Prefetch(
                "cells",
                queryset=NeedCell.objects.select_related("matrix__regime").order_by("row_code", "column", "aspect"),
            )
        )
    )
    cells = [cell for need in needs for cell in need.cells.all()]
    if not cells:
        return needs
    codes = {cell.row_code for cell in cells}
    labels = {
        (template_id, code): label
        for template_id, code, label in Row.objects.filter(
            template_id__in={cell.matrix.template_id for cell in cells}, code__in=codes
        ).values_list("template_id", "code", "label")
    }
    marks = {
        (matrix_id, code, column, aspect): mark
        for matrix_id, code, column, aspect, mark in Cell.objects.filter(
            matrix_id__in={cell.matrix_id for cell in cells}, row__code__in=codes
        ).values_list("matrix_id", "row__code", "column", "aspect", "mark")
    }
    columns, aspects, mark_labels = dict(CellColumn.choices), dict(Aspect.choices), dict(Mark.choices)
    for cell in cells:
        cell.row_label = labels.get((cell.matrix.template_id, cell.row_code), "")
        cell.column_label = columns.get(cell.column, cell.column)
        cell.aspect_label = aspects.get(cell.aspect, cell.aspect)
        cell.mark = marks.get((cell.matrix_id, cell.row_code, cell.column, cell.aspect), "")
        cell.mark_label = mark_labels.get(cell.mark, cell.mark)
    return needs


def column_labels(columns) -> list[str]:
    names = dict(Column.choices)
    return [names.get(c, c) for c in columns]


def cell_details(keys, matrices) -> dict:
    """{(matrix id, row code): row label, section and regime} for the cells `keys`, in two queries.

    `matrices` is the queryset of versions the labels may come from (the viewer's visible ones)."""
    matrix_ids = {key[0] for key in keys}
    codes = {key[1] for key in keys}
    if not matrix_ids:
        return {}
    versions = {
        m["pk"]: m for m in matrices.filter(pk__in=matrix_ids).values("pk", "template_id", "regime__code", "version")
    }
    rows = {
        (r["template_id"], r["code"]): r
        for r in Row.objects.filter(template_id__in={m["template_id"] for m in versions.values()}, code__in=codes)
        .values("template_id", "code", "label", "section__code", "section__label")
    }  # fmt: skip
    details = {}
    for matrix_id, code in {(key[0], key[1]) for key in keys}:
        version = versions.get(matrix_id)
        row = version and rows.get((version["template_id"], code))
        if row:
            details[(matrix_id, code)] = {
                "label": row["label"],
                "section": row["section__code"],
                "section_label": row["section__label"],
                "regime": version["regime__code"],
                "version": version["version"],
            }
    return details
