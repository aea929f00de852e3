"""Coverage of matrix versions per section (cells marked X over applicable cells), for lists of
versions: two queries whatever the number of versions and cells.

The same definitions as `matrices.grid` uses for one version: a cell is applicable unless it is
marked NA; it is covered when it is marked X. Retired rows are left out.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from matrices.models import Cell, Mark, Row

CELLS_PER_ROW = {Row.Kind.OP1: 1, Row.Kind.WEAPONS: 6, Row.Kind.CHECKLIST: 1}


@dataclass
class SectionCoverage:
    code: str
    label: str
    covered: int = 0
    applicable: int = 0

    @property
    def percent(self):
        return round(100 * self.covered / self.applicable) if self.applicable else 0


def by_matrix(matrices, scope=None) -> dict[int, list[SectionCoverage]]:
    """{matrix id: [SectionCoverage in section order]} for the given versions. Two queries.

    `scope`, a queryset of the same versions, makes both queries run as subqueries of it, so that
    a page runs the same queries whether the list is empty or not.
    """
    matrices = list(matrices)
    if scope is not None:
        templates, versions = scope.values("template_id"), scope.values("pk")
    elif not matrices:
        return {}
    else:
        templates, versions = {m.template_id for m in matrices}, [m.pk for m in matrices]
    # Cells of each section of each template.
    sections = {}
    for entry in (
        Row.objects.filter(template_id__in=templates, retired=False)
        .values("template_id", "section_id", "section__code", "section__label", "section__order", "kind")
        .annotate(rows=Count("id"))
        .order_by("template_id", "section__order")
    ):
        per_template = sections.setdefault(entry["template_id"], {})
        section = per_template.setdefault(
            entry["section_id"], [entry["section__order"], entry["section__code"], entry["section__label"], 0]
        )
        section[3] += entry["rows"] * CELLS_PER_ROW.get(entry["kind"], 1)
    # Marks of each section of each version.
    marks = {
        (entry["matrix_id"], entry["row__section_id"]): (entry["covered"], entry["not_applicable"])
        for entry in Cell.objects.filter(matrix_id__in=versions, row__retired=False)
        .values("matrix_id", "row__section_id")
        .annotate(
            covered=Count("id", filter=Q(mark=Mark.YES)), not_applicable=Count("id", filter=Q(mark=Mark.NOT_APPLICABLE))
        )
        .order_by()
    }
    result = {}
    for matrix in matrices:
        rows = []
        for section_id, (_order, code, label, cells) in sorted(
            sections.get(matrix.template_id, {}).items(), key=lambda item: item[1][0]
        ):
            covered, not_applicable = marks.get((matrix.pk, section_id), (0, 0))
            rows.append(SectionCoverage(code=code, label=label, covered=covered, applicable=cells - not_applicable))
        result[matrix.pk] = rows
    return result
