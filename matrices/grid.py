"""A matrix version laid out for display: sections, rows, cells, with what a page needs beside
each cell (the value of another version to compare with, the comments). Pure Python over data
fetched in a constant number of queries."""

import re
from dataclasses import dataclass, field

from matrices.models import Mark
from matrices.services import CellSpec, cell_values, layout


@dataclass
class CellView:
    spec: CellSpec
    mark: str = ""
    source: str = ""
    remarks: str = ""
    derived_from_regime: str = ""
    derived_from_row: str = ""
    overridden: bool = False
    previous: dict | None = None  # the other version's values, when comparing
    comments: list = field(default_factory=list)
    # The cell's comment thread: "open" while a comment is unresolved, "resolved", or "" (none).
    thread: str = ""

    @property
    def key(self):
        return self.spec.key

    @property
    def field_prefix(self):
        """A form-field-safe name for this cell: `OP2.MANUFACTURE|CW|framework`."""
        return "|".join(self.spec.key)

    @property
    def changed(self):
        if self.previous is None:
            return False
        return (self.mark, self.source, self.remarks) != (
            self.previous["mark"],
            self.previous["source"],
            self.previous["remarks"],
        )

    @property
    def is_gap(self):
        return self.mark in (Mark.BLANK, Mark.PARTIAL)


@dataclass
class RowView:
    row: object
    cells: list


@dataclass
class SectionView:
    section: object
    rows: list = field(default_factory=list)
    covered: int = 0
    applicable: int = 0
    gaps: int = 0

    @property
    def label(self):
        return self.section.label

    @property
    def percent(self):
        return round(100 * self.covered / self.applicable) if self.applicable else 0

    @property
    def anchor(self):
        """`section-OP3cd`: the HTML id of the section on a page, stable across versions."""
        return "section-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.section.code).strip("-")

    @property
    def kind(self):
        """The kind of its rows (`weapons`, `op1`, `checklist`): a section's rows are all of one kind."""
        return self.rows[0].row.kind if self.rows else ""


def build(matrix, *, compare_with=None, comments=None, specs=None, values=None) -> list[SectionView]:
    """The grid of `matrix`; `compare_with` is another version (or None), `comments` a list of Comment."""
    specs = specs if specs is not None else layout(matrix.template)
    values = values if values is not None else cell_values(matrix)
    previous = cell_values(compare_with) if compare_with is not None else None
    by_cell = {}
    for comment in comments or []:
        by_cell.setdefault((comment.row_code, comment.column, comment.aspect), []).append(comment)
    sections, rows = {}, {}
    for spec in specs:
        stored = values.get(spec.key)
        view = CellView(spec=spec, comments=by_cell.get(spec.key, []))
        if view.comments:
            view.thread = "open" if any(c.resolved_at is None for c in view.comments) else "resolved"
        if stored is not None:
            view.mark, view.source, view.remarks = stored.mark, stored.source, stored.remarks
            view.derived_from_regime, view.derived_from_row = stored.derived_from_regime, stored.derived_from_row
            view.overridden = stored.overridden
        if previous is not None:
            other = previous.get(spec.key)
            view.previous = {
                "mark": other.mark if other else "",
                "source": other.source if other else "",
                "remarks": other.remarks if other else "",
            }
        section = sections.get(spec.row.section_id)
        if section is None:
            section = sections[spec.row.section_id] = SectionView(section=spec.row.section)
        row_view = rows.get(spec.row.pk)
        if row_view is None:
            row_view = rows[spec.row.pk] = RowView(row=spec.row, cells=[])
            section.rows.append(row_view)
        row_view.cells.append(view)
        if view.mark != Mark.NOT_APPLICABLE:
            section.applicable += 1
        if view.mark == Mark.YES:
            section.covered += 1
        if view.is_gap:
            section.gaps += 1
    return list(sections.values())
