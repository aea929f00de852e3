"""What the matrices pages read: the querysets and the page data the views show.

Reads only: every change goes through `matrices.services`. A view parses its input, calls a function
here (or a service) and renders what it gets. Each function runs a fixed number of queries, whatever
the number of versions or cells (the tests pin the counts).
"""

import re
from types import SimpleNamespace

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrices import coverage, exports, grid, services
from matrices.forms import QUEUE_STATUSES, cell_anchor, cell_context
from matrices.models import Aspect, Cell, CellColumn, Comment, Matrix, Regime
from portal.core.exceptions import NotFound
from states.models import State, TreatyStatus

S = Matrix.Status


# ---------------------------------------------------------------------------------------------
# Published versions (the public pages)


def published():
    """Published versions, with what their pages show of the State, the regime and the template."""
    return Matrix.objects.published().select_related("state", "regime", "template__regime")


def published_versions(iso3, regime) -> list[Matrix]:
    """Every published version of a State's matrix for a regime, newest first. One query."""
    return list(published().filter(state__iso3=iso3, regime__code=regime.upper()).order_by("-version"))


def published_version(iso3, regime, version) -> Matrix | None:
    return published().filter(state__iso3=iso3.upper(), regime__code=regime.upper(), version=version).first()


def missing_matrix(iso3, regime, version=None) -> NotFound:
    """The 404 that says what is missing: the State, or its published matrix (or that version of it)."""
    state = State.objects.filter(iso3=iso3).only("name").first()
    if state is None:
        return NotFound(_("No UN Member State has the ISO code %(iso3)s.") % {"iso3": iso3})
    values = {"state": state.name, "regime": regime.upper(), "v": version}
    if version is None:
        return NotFound(_("%(state)s has no published %(regime)s matrix.") % values)
    return NotFound(_("Version %(v)s of the %(regime)s matrix of %(state)s is not published.") % values)


def published_page(pks, pk) -> dict:
    """What the page of a published version shows (its versions are `pks`); the queries of a cold cache."""
    versions = list(published().filter(pk__in=pks).order_by("-version"))
    matrix = next(m for m in versions if m.pk == pk)
    specs = services.layout(matrix.template)
    return {
        "matrix": matrix,
        "versions": versions,
        "latest": versions[0],
        "sections": grid.build(matrix, specs=specs, values=services.cell_values(matrix)),
        "disclaimer": exports.DISCLAIMER,
        "formats": exports.FORMATS,
    }


def latest_published():
    """The latest published version of each State's matrix for each regime."""
    newer = Matrix.objects.published().filter(
        state_id=OuterRef("state_id"), regime_id=OuterRef("regime_id"), version__gt=OuterRef("version")
    )
    return published().exclude(Exists(newer)).order_by("state__name", "regime__order")


def with_coverage(matrices) -> list[Matrix]:
    """The versions, each with its `coverage` per section (one query for all of them)."""
    matrices = list(matrices)
    sections = coverage.by_matrix(matrices)
    for matrix in matrices:
        matrix.coverage = sections.get(matrix.pk, [])
    return matrices


def states_to_choose():
    """Every State, by name, as the lists of States to choose from show them."""
    return list(State.objects.only("iso3", "name").order_by("name"))


def latest_of_each(regime, iso3s) -> dict:
    """{ISO code: its State's latest published matrix for the regime} (States without one left out)."""
    latest = {}
    for matrix in published().filter(state__iso3__in=iso3s, regime__code=regime.upper()).order_by("-version"):
        latest.setdefault(matrix.state.iso3, matrix)
    return latest


def side_by_side(left, right) -> tuple[list, int]:
    """The sections of `left` with `right`'s cells beside them (`cell.other`), and how many cells differ."""
    specs = services.layout(left.template)
    sections = grid.build(left, specs=specs)
    right_sections = grid.build(right, specs=specs)
    differing = 0
    for section, other_section in zip(sections, right_sections, strict=True):
        section.other = other_section
        for row, other_row in zip(section.rows, other_section.rows, strict=True):
            for cell, other in zip(row.cells, other_row.cells, strict=True):
                cell.other = other
                cell.previous = {"mark": other.mark, "source": other.source, "remarks": other.remarks}
                differing += cell.changed
            row.changed = any(cell.changed for cell in row.cells)
    return sections, differing


def version_changes(older, newer) -> list[dict]:
    """The cells that differ between two versions, each with its row's label."""
    rows = {spec.row.code: spec.row for spec in services.layout(newer.template)}
    changes = services.diff(older, newer)
    for change in changes:
        change["label"] = rows[change["row"]].label if change["row"] in rows else ""
    return changes


def search_cells(text):
    """The cells of published versions whose legal source or remarks contain `text`, by State and row."""
    return (
        Cell.objects.filter(matrix__status=S.PUBLISHED)
        .filter(Q(source__icontains=text) | Q(remarks__icontains=text))
        .select_related("matrix__state", "matrix__regime", "row__section")
        .order_by(
            "matrix__state__name", "matrix__regime__order", "-matrix__version", "row__section__order", "row__order"
        )
    )


# ---------------------------------------------------------------------------------------------
# The experts' review

# What each tab of the queue lists, and from when its versions have been waiting; the tabs are
# labelled, in this order, by matrices.forms.QUEUE_STATUSES (the queue's filter form offers them).
_TAB_CONTENTS = {
    "waiting": {
        "statuses": [S.SUBMITTED, S.IN_REVIEW],
        "since": "submitted_at",
        "since_label": gettext_lazy("Days waiting"),
    },
    "changes_requested": {
        "statuses": [S.CHANGES_REQUESTED],
        "since": "submitted_at",
        "since_label": gettext_lazy("Days since submission"),
    },
    "approved": {
        "statuses": [S.APPROVED],
        "since": "approved_at",
        "since_label": gettext_lazy("Days awaiting consent"),
    },
}
QUEUE_TABS = {key: {"label": label, **_TAB_CONTENTS[key]} for key, label in QUEUE_STATUSES}


class Counted:
    """A queryset whose length is already known: the paginator asks no COUNT of it."""

    def __init__(self, queryset, count):
        self.queryset, self._count = queryset, count

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


def review_queue(*, region=None, regime=None):
    """The versions of the queue's tabs, filtered: `counts` per tab and `versions(tab)`, oldest first.

    The counts per status are one query; a tab's versions another (with State, region, regime and
    number of comments), counted from the first.
    """
    filtered = Matrix.objects.filter(status__in=[s for tab in QUEUE_TABS.values() for s in tab["statuses"]])
    if region:
        filtered = filtered.filter(state__region=region)
    if regime:
        filtered = filtered.filter(regime=regime)
    per_status = dict(filtered.order_by().values_list("status").annotate(n=Count("id")))
    counts = {key: sum(per_status.get(s, 0) for s in tab["statuses"]) for key, tab in QUEUE_TABS.items()}

    def versions(tab_key):
        tab = QUEUE_TABS[tab_key]
        queryset = (
            filtered.filter(status__in=tab["statuses"])
            .select_related("state__region", "regime")
            .annotate(comment_count=Count("comments"))
            .order_by(F(tab["since"]).asc(nulls_last=True), "pk")
        )
        return Counted(queryset, counts[tab_key])

    return SimpleNamespace(counts=counts, versions=versions)


def with_days_waiting(matrices, tab_key) -> list[Matrix]:
    """The versions, each with `days_waiting` since the date the tab counts from (None without one)."""
    since, now = QUEUE_TABS[tab_key]["since"], timezone.now()
    matrices = list(matrices)
    for matrix in matrices:
        start = getattr(matrix, since)
        matrix.days_waiting = (now - start).days if start else None
    return matrices


def unreported_states(regime, region=None) -> SimpleNamespace:
    """The States with no version at all of the regime's matrix, with their status in its treaty
    (`state.regime_treaty_status`) when the regime is a treaty's checklist (`show_treaty`)."""
    states = State.objects.exclude(pk__in=Matrix.objects.filter(regime=regime).values("state_id"))
    if region:
        states = states.filter(region=region)
    states = states.select_related("region").order_by("name")
    show_treaty = bool(regime.treaty_id and not regime.is_1540)
    if show_treaty:
        states = states.prefetch_related(
            Prefetch(
                "treaty_statuses",
                queryset=TreatyStatus.objects.filter(treaty_id=regime.treaty_id),
                to_attr="regime_treaty_statuses",
            )
        )
    states = list(states)
    for state in states:
        statuses = getattr(state, "regime_treaty_statuses", [])
        state.regime_treaty_status = statuses[0] if statuses else None
    return SimpleNamespace(states=states, show_treaty=show_treaty)


def previous_published(matrix) -> Matrix | None:
    return (
        Matrix.objects.filter(
            state_id=matrix.state_id, regime_id=matrix.regime_id, status=S.PUBLISHED, version__lt=matrix.version
        )
        .order_by("-version")
        .first()
    )


def review_page(matrix, *, specs, changed_only=False) -> dict:
    """A version cell by cell beside the previous published one, with the comments.

    `sections` keeps the sections and rows with a cell to show (`row.shown_cells`: only the changed
    ones when `changed_only` and there is a previous version to compare with)."""
    previous = previous_published(matrix)
    comments = list(Comment.objects.filter(matrix=matrix).select_related("author"))
    sections = grid.build(matrix, compare_with=previous, comments=comments, specs=specs)
    columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
    changed_only = previous is not None and changed_only
    changed_count = 0
    shown_sections = []
    for section in sections:
        section.shown_rows = []
        for row in section.rows:
            for cell in row.cells:
                cell.anchor = cell_anchor(cell.key)
                cell.column_label = columns.get(cell.spec.column, cell.spec.column)
                cell.aspect_label = aspects.get(cell.spec.aspect, cell.spec.aspect)
                cell.single = row.row.kind != row.row.Kind.WEAPONS
                changed_count += cell.changed
            row.shown_cells = [cell for cell in row.cells if cell.changed] if changed_only else row.cells
            if row.shown_cells:
                section.shown_rows.append(row)
        if section.shown_rows:
            shown_sections.append(section)
    return {
        "previous": previous,
        "sections": shown_sections,
        "changed_only": changed_only,
        "changed_count": changed_count,
        "comment_count": len(comments),
    }


# ---------------------------------------------------------------------------------------------
# The State's workspace


def section_key(code: str) -> str:
    """A section as written in URLs: `OP2`, `scheduled-chemicals`, `biosafety-biosecurity`."""
    return re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")


def section_url(matrix_id, section_code, anchor="") -> str:
    """The edit page of a section of a version; with `anchor`, at that cell."""
    url = reverse("matrices:edit_section", args=[matrix_id, section_key(section_code)])
    return f"{url}#{anchor}" if anchor else url


def state_coded(code) -> State | None:
    """The State of an ISO alpha-3 code, in any case (None for an empty or unknown code)."""
    code = (code or "").strip().upper()
    return State.objects.filter(iso3=code).first() if code else None


def state_named(code) -> State | None:
    """The State of an ISO alpha-3 code, in any case (None for an empty code); NotFound for an unknown one."""
    code = (code or "").strip().upper()
    if not code:
        return None
    state = state_coded(code)
    if state is None:
        raise NotFound(_("No UN Member State has the ISO alpha-3 code %(code)s.") % {"code": code})
    return state


def regime_coded(code) -> Regime | None:
    return Regime.objects.filter(code__iexact=code).first()


def coverage_totals(matrices) -> dict:
    """{matrix id: covered, applicable, gaps, percent} for many versions, in two queries.

    Gaps are the applicable cells not marked X (blank or `?`), as in `services.gaps`.
    """
    result = {}
    for matrix_id, sections in coverage.by_matrix(matrices).items():
        covered = sum(s.covered for s in sections)
        applicable = sum(s.applicable for s in sections)
        result[matrix_id] = SimpleNamespace(
            covered=covered,
            applicable=applicable,
            gaps=applicable - covered,
            percent=round(100 * covered / applicable) if applicable else 0,
        )
    return result


def dashboard(user, state) -> list[SimpleNamespace]:
    """The State's regimes, each with its versions the user may see (with their coverage), the open one
    and the latest published one."""
    versions = list(
        Matrix.objects.visible_to(user)
        .filter(state=state)
        .select_related("regime")
        .order_by("regime__order", "-version")
    )
    figures = coverage_totals(versions)
    by_regime = {}
    for matrix in versions:
        matrix.coverage = figures[matrix.pk]
        by_regime.setdefault(matrix.regime_id, []).append(matrix)
    regimes = []
    for regime in Regime.objects.order_by("order"):
        regime_versions = by_regime.get(regime.pk, [])
        regimes.append(
            SimpleNamespace(
                regime=regime,
                versions=regime_versions,
                open=next((m for m in regime_versions if m.status in Matrix.OPEN_STATUSES), None),
                published=next((m for m in regime_versions if m.is_published), None),
            )
        )
    return regimes


def visible_matrix(user, pk) -> Matrix:
    """A version the user may see, with its template's regime (NotVisible, a 404, otherwise)."""
    return services.get_visible(user, pk, Matrix.objects.select_related("template__regime"))


def overview(user, matrix) -> dict:
    """One version's overview: its sections with their coverage, its comments and derived cells (each
    with the URL of its cell), and the other versions of the State's matrix the user may see."""
    specs = services.layout(matrix.template)
    comments = list(Comment.objects.filter(matrix=matrix).select_related("author"))
    sections = grid.build(matrix, comments=comments, specs=specs)
    derived = []
    for view in sections:
        view.section.edit_url = section_url(matrix.pk, view.section.code)
        for row in view.rows:
            for cell in row.cells:
                if cell.derived_from_regime:
                    cell.url = section_url(matrix.pk, view.section.code, cell_anchor(cell.key))
                    derived.append(cell)
    rows = {spec.row.code: spec.row for spec in specs}
    for comment in comments:
        comment.row = rows.get(comment.row_code)
        if comment.row is not None:
            anchor = cell_anchor((comment.row_code, comment.column, comment.aspect))
            comment.url = section_url(matrix.pk, comment.row.section.code, anchor)
    versions = list(
        Matrix.objects.visible_to(user)
        .filter(state_id=matrix.state_id, regime_id=matrix.regime_id)
        .only("id", "version", "status", "state_id", "regime_id")
        .order_by("-version")
    )
    totals = SimpleNamespace(
        covered=sum(s.covered for s in sections),
        applicable=sum(s.applicable for s in sections),
        gaps=sum(s.gaps for s in sections),
    )
    return {"sections": sections, "comments": comments, "derived": derived, "versions": versions, "totals": totals}


def matrix_sections(matrix, section):
    """(the template's sections, each with its `edit_url`; the one `section` names, None if none)."""
    sections = list(matrix.template.sections.order_by("order"))
    for item in sections:
        item.edit_url = section_url(matrix.pk, item.code)
    return sections, next((s for s in sections if section in (s.code, section_key(s.code))), None)


def section_specs(matrix, section) -> list:
    return [spec for spec in services.layout(matrix.template) if spec.row.section_id == section.pk]


def section_grid(matrix, section, specs):
    """The section's grid as stored now, and its cells in display order, ready for the form."""
    values = {
        (c.row.code, c.column, c.aspect): c for c in matrix.cells.filter(row__section=section).select_related("row")
    }
    comments = Comment.objects.filter(matrix=matrix, row_code__in={spec.row.code for spec in specs}).select_related(
        "author"
    )
    views = grid.build(matrix, comments=list(comments), specs=specs, values=values)
    view = views[0] if views else grid.SectionView(section=section)
    cells = [cell for row in view.rows for cell in row.cells]
    for cell in cells:
        cell.anchor = cell_anchor(cell.key)
        cell.context = cell_context(cell.key)
        cell.cell_value = "|".join(cell.key)
        cell.conflict = None
    return view, cells


COLUMN_ORDER = ["ALL", "NW", "CW", "BW"]


def state_gaps(user, state) -> dict:
    """The State's gaps (applicable cells blank or `?`) grouped by regime and section, each with the URL
    of its cell and the value the assistance request form takes for it; and their `total`."""
    data = services.state_gaps(state, user)
    regimes = {}
    for gap in data["gaps"]:
        regime = regimes.setdefault(
            gap["regime"],
            {"code": gap["regime"], "version": gap["version"], "matrix": gap["matrix"], "count": 0, "sections": {}},
        )
        section = regime["sections"].setdefault(
            gap["section"],
            {"code": gap["section"], "url": section_url(gap["matrix"], gap["section"]), "gaps": [], "columns": {}},
        )
        gap["value"] = "|".join(str(part) for part in (gap["matrix"], gap["row"], gap["column"], gap["aspect"]))
        gap["url"] = section_url(gap["matrix"], gap["section"], cell_anchor((gap["row"], gap["column"], gap["aspect"])))
        section["gaps"].append(gap)
        section["columns"][gap["column"]] = section["columns"].get(gap["column"], 0) + 1
        regime["count"] += 1
    summaries = {(s["regime"], s["section"]): s for s in data["sections"]}
    for regime in regimes.values():
        for section in regime["sections"].values():
            summary = summaries[(regime["code"], section["code"])]
            section["label"], section["count"] = summary["label"], summary["count"]
            section["columns"] = sorted(section["columns"].items(), key=lambda item: _column_order(item[0]))
        regime["sections"] = list(regime["sections"].values())
    return {"regimes": list(regimes.values()), "total": data["total"]}


def _column_order(column):
    return COLUMN_ORDER.index(column) if column in COLUMN_ORDER else len(COLUMN_ORDER)
