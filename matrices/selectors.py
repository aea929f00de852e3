"""What the matrices pages read: the querysets and the page data the views show.

Reads only: every change goes through `matrices.services`. A view parses its input, calls a function
here (or a service) and renders what it gets. Each function runs a fixed number of queries, whatever
the number of versions or cells (the tests pin the counts).
"""

import re
from collections import namedtuple
from types import SimpleNamespace

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrices import coverage, exports, grid, services, textdiff
from matrices.forms import QUEUE_STATUSES, cell_anchor, cell_context
from matrices.models import Aspect, Cell, CellColumn, Comment, Mark, Matrix, Regime, ReviewRound
from portal.core.collation import sorted_by, translated
from portal.core.exceptions import InvalidInput, NotFound
from states.models import RegionalGroup, State, TreatyStatus

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
    """Every State, in the reader's alphabetical order, as the lists of States to choose from show them."""
    return sorted_by(State.objects.only("iso3", "name"), lambda state: state.name)


def states_with_published() -> list[SimpleNamespace]:
    """The States with at least one published matrix, in the reader's alphabetical order, each with its
    `iso3`, `name` (in the reader's language) and `regimes`: the regimes it has published, as URLs write
    them (`1540`, `cwc`). One query."""
    states = {}
    published_pairs = (
        Matrix.objects.published()
        .order_by("state__iso3", "regime__code")
        .values_list("state__iso3", translated("state__name"), "regime__code")
        .distinct()
    )
    for iso3, name, code in published_pairs:
        state = states.setdefault(iso3, SimpleNamespace(iso3=iso3, name=name, regimes=[]))
        state.regimes.append(code.lower())
    return sorted_by(states.values(), lambda state: state.name)


def latest_of_each(regime, iso3s) -> dict:
    """{ISO code: its State's latest published matrix for the regime} (States without one left out)."""
    latest = {}
    for matrix in published().filter(state__iso3__in=iso3s, regime__code=regime.upper()).order_by("-version"):
        latest.setdefault(matrix.state.iso3, matrix)
    return latest


def _difference(before, after) -> str:
    """How two values of a cell differ: `mark` (their marks), `wording` (same mark, other source or
    remarks) or "" (not at all). Values are dicts or cells with mark, source and remarks."""

    def get(value, name):
        return value[name] if isinstance(value, dict) else getattr(value, name)

    if get(before, "mark") != get(after, "mark"):
        return "mark"
    if (get(before, "source"), get(before, "remarks")) != (get(after, "source"), get(after, "remarks")):
        return "wording"
    return ""


def side_by_side(left, right) -> tuple[list, SimpleNamespace]:
    """The sections of `left` with `right`'s cells beside them (`cell.other`), and how many cells differ
    (`total`, `marks`: their marks differ, `wording`: same mark, other source or remarks).

    Each cell has its `difference` ("mark", "wording" or ""); a row its `changed` and its
    `difference` (the strongest of its cells'). The words that differ in the source and remarks of a
    cell whose wording differs are marked (`source_html`, `remarks_html`, on both sides)."""
    specs = services.layout(left.template)
    sections = grid.build(left, specs=specs)
    right_sections = grid.build(right, specs=specs)
    differing = SimpleNamespace(total=0, marks=0, wording=0)
    for section, other_section in zip(sections, right_sections, strict=True):
        section.other = other_section
        for row, other_row in zip(section.rows, other_section.rows, strict=True):
            for cell, other in zip(row.cells, other_row.cells, strict=True):
                cell.other = other
                cell.previous = {"mark": other.mark, "source": other.source, "remarks": other.remarks}
                cell.difference = other.difference = _difference(cell, other)
                if cell.difference == "wording":
                    for name in ("source", "remarks"):
                        html = textdiff.word_diff(
                            getattr(cell, name), getattr(other, name), removed="mark", added="mark"
                        )
                        setattr(cell, f"{name}_html", html[0])
                        setattr(other, f"{name}_html", html[1])
                differing.marks += cell.difference == "mark"
                differing.wording += cell.difference == "wording"
            row.changed = any(cell.changed for cell in row.cells)
            kinds = {cell.difference for cell in row.cells}
            row.difference = "mark" if "mark" in kinds else "wording" if "wording" in kinds else ""
    differing.total = differing.marks + differing.wording
    return sections, differing


def version_changes(older, newer) -> list[dict]:
    """The cells that differ between two versions, in the order of the template (rows it no longer has
    last), each with its row (`row_object`, None for such a row), its row's `label`, its `section`'s
    label, its `difference` ("mark" or "wording") and, in `before` and `after`, the source and
    remarks with the words removed in `<del>` and those added in `<ins>` (`source_html`, `remarks_html`)."""
    specs = services.layout(newer.template)
    order = {spec.key: index for index, spec in enumerate(specs)}
    rows = {spec.row.code: spec.row for spec in specs}
    changes = services.diff(older, newer)
    changes.sort(key=lambda change: order.get((change["row"], change["column"], change["aspect"]), len(order)))
    for change in changes:
        row = rows.get(change["row"])
        change["row_object"] = row
        change["label"] = row.label if row else ""
        change["section"] = row.section.label if row else ""
        before, after = change["before"], change["after"]
        change["difference"] = _difference(before, after)
        for name in ("source", "remarks"):
            before[f"{name}_html"], after[f"{name}_html"] = textdiff.word_diff(before[name], after[name])
    return changes


def search_cells(text, *, state=None, regime=None, region=None):
    """The cells of published versions whose legal source or remarks contain `text`, by State and row;
    only those of a State (ISO code), a regime (code, any case) or a UN regional group (name) if given."""
    cells = Cell.objects.filter(matrix__status=S.PUBLISHED).filter(
        Q(source__icontains=text) | Q(remarks__icontains=text)
    )
    if state:
        cells = cells.filter(matrix__state__iso3=state)
    if regime:
        cells = cells.filter(matrix__regime__code=regime.upper())
    if region:
        cells = cells.filter(matrix__state__region__name=region)
    return cells.select_related("matrix__state", "matrix__regime", "row__section").order_by(
        "matrix__state__name", "matrix__regime__order", "-matrix__version", "row__section__order", "row__order"
    )


def regions_to_choose() -> list[tuple[str, str]]:
    """The UN regional groups as the search filter offers them: (English name, the value the filter
    takes; name in the reader's language), in the reader's order. One query."""
    groups = RegionalGroup.objects.order_by("name").values_list("name_en", "name")
    return sorted_by(groups, lambda group: group[1])


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


def review_page(matrix, *, specs, section=None, view=None) -> dict:
    """A version cell by cell beside the previous published one (or the cells as they were when the
    experts last asked for changes), with the comment threads; one section at a time.

    `view`: "all" cells, those changed since the "published" version, or since the last review
    "round"; None (or one this version cannot have) for the default: "round" after a resubmission,
    else "all"; any other value is InvalidInput (400).
    `section`: a section's code (or its URL form), "all" for every section (printing), None for the
    first section with a cell changed in the view, else the first; a section the template does not
    have is NotFound (404).
    `sections` holds the section(s) shown, each with the rows that have a cell to show
    (`row.shown_cells`); `sections_nav` every section with its counts. A fixed number of queries:
    the previous published version, the last review round, the comments, the cells of both versions.
    """
    previous = previous_published(matrix)
    last_round = last_review_round(matrix)
    comments = list(Comment.objects.filter(matrix=matrix).select_related("author", "resolved_by"))
    # The cells of both versions as plain tuples (no model instances: the page's largest cost).
    sections = grid.build(matrix, comments=comments, specs=specs, values=review_values(matrix))
    before = review_values(previous) if previous is not None else None
    states = thread_states(comments)
    at_round = last_round.cells if last_round is not None else None
    for view_section in sections:
        view_section.key = section_key(view_section.section.code)
        view_section.changed_published = view_section.changed_round = view_section.open_threads = 0
        for row in view_section.rows:
            for cell in row.cells:
                if before is not None:
                    other = before.get(cell.key)
                    cell.previous = (
                        {"mark": other.mark, "source": other.source, "remarks": other.remarks}
                        if other is not None
                        else {"mark": "", "source": "", "remarks": ""}
                    )
                cell.thread = states.get(cell.key, "")
                cell.changed_published = cell.changed
                cell.at_round = None
                cell.changed_round = False
                if at_round is not None:
                    mark, source, remarks = at_round.get("|".join(cell.key)) or ["", "", ""]
                    cell.at_round = {"mark": mark, "source": source, "remarks": remarks}
                    cell.changed_round = (cell.mark, cell.source, cell.remarks) != (mark, source, remarks)
                view_section.changed_published += cell.changed_published
                view_section.changed_round += cell.changed_round
                view_section.open_threads += cell.thread == "open"
    if view not in (None, "all", "published", "round"):
        raise InvalidInput(_("Show all cells, or those changed since the published version or the last review."))
    # A view this version cannot have (no published version, no review round yet): the default one.
    available = ["all"] + (["published"] if previous is not None else []) + (["round"] if last_round else [])
    if view not in available:
        resubmitted = last_round is not None and matrix.status in (S.SUBMITTED, S.IN_REVIEW)
        view = "round" if resubmitted else "all"
    changes_of = {"published": "changed_published", "round": "changed_round"}

    def changed_in(item):
        """Changed cells of a section in the view (or in the closest comparison, for "all")."""
        return getattr(item, changes_of.get(view, "changed_round" if last_round else "changed_published"))

    if section == "all":
        shown = sections
    else:
        chosen = next((s for s in sections if section in (s.section.code, s.key)), None) if section else None
        if section and chosen is None:
            raise NotFound(_("This matrix has no section %(section)s.") % {"section": section})
        chosen = chosen or next((s for s in sections if changed_in(s)), sections[0] if sections else None)
        shown = [chosen] if chosen is not None else []
    compare_round = view == "round"
    # What the page shows beside each cell, for the cells shown only (labels translated once).
    columns = {key: str(label) for key, label in CellColumn.choices}
    aspects = {key: str(label) for key, label in Aspect.choices}
    on_cell = _("on %(cell)s")
    for view_section in shown:
        view_section.shown_rows = []
        for row in view_section.rows:
            single = row.row.kind != row.row.Kind.WEAPONS
            for cell in row.cells:
                cell.compare = cell.at_round if compare_round else cell.previous
                cell.anchor = cell_anchor(cell.key)
                cell.column_label = columns.get(cell.spec.column, cell.spec.column)
                cell.aspect_label = aspects.get(cell.spec.aspect, cell.spec.aspect)
                cell.context = f"{row.row.code}, {cell.column_label}, {cell.aspect_label}"  # as cell_context()
                cell.comment_on = on_cell % {"cell": cell.context}
                cell.single = single
            if view == "all":
                row.shown_cells = row.cells
            else:
                row.shown_cells = [cell for cell in row.cells if getattr(cell, changes_of[view])]
            if row.shown_cells:
                view_section.shown_rows.append(row)
    open_threads = sum(1 for state in states.values() if state == "open")
    return {
        "previous": previous,
        "last_round": last_round,
        "view": view,
        "views": available,
        "compare_round": compare_round,
        "sections_nav": sections,
        "sections": shown,
        "section": "all" if section == "all" else (shown[0].key if shown else ""),
        "changed_count": sum(s.changed_published for s in sections),
        "round_changed_count": sum(s.changed_round for s in sections),
        "threads": {"open": open_threads, "resolved": len(states) - open_threads},
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
    threads = list(thread_states(comments).values())
    return {
        "sections": sections,
        "comments": comments,
        "threads": {"open": threads.count("open"), "resolved": threads.count("resolved")},
        "derived": derived,
        "versions": versions,
        "totals": totals,
    }


def matrix_sections(matrix, section):
    """(the template's sections, each with its `edit_url`; the one `section` names, None if none)."""
    sections = list(matrix.template.sections.order_by("order"))
    for item in sections:
        item.edit_url = section_url(matrix.pk, item.code)
    return sections, next((s for s in sections if section in (s.code, section_key(s.code))), None)


def template_layout(matrix) -> list:
    """Every cell of the version's template, in display order (services.layout)."""
    return services.layout(matrix.template)


def section_specs(matrix, section, specs=None) -> list:
    """The cells of `section`, in display order; `specs` is the template's layout when already read."""
    specs = specs if specs is not None else services.layout(matrix.template)
    return [spec for spec in specs if spec.row.section_id == section.pk]


def section_grid(matrix, section, specs, *, sections=None, layout=None):
    """The section's grid as stored now, and its cells in display order, ready for the form.

    With `sections` (from `matrix_sections`) and the template's `layout`, each section also gets its
    `progress` (see `section_progress`), counted from the same query: every cell of the version.
    """
    values = {(c.row.code, c.column, c.aspect): c for c in matrix.cells.select_related("row")}
    comments = Comment.objects.filter(matrix=matrix, row_code__in={spec.row.code for spec in specs}).select_related(
        "author"
    )
    views = grid.build(matrix, comments=list(comments), specs=specs, values=values)
    view = views[0] if views else grid.SectionView(section=section)
    # Weapons rows have six cells (NW, CW, BW x framework, enforcement); OP1 and checklist rows one.
    view.wide = any(len(row.cells) > 1 for row in view.rows)
    cells = [cell for row in view.rows for cell in row.cells]
    for cell in cells:
        cell.anchor = cell_anchor(cell.key)
        cell.context = cell_context(cell.key)
        cell.cell_value = "|".join(cell.key)
        cell.conflict = None
        cell.token = services.cell_token(cell.mark, cell.source, cell.remarks)
    view.has_comments = any(cell.comments for cell in cells)
    marks = {key: cell.mark for key, cell in values.items()}
    view.progress = _progress(specs, marks)
    if sections is not None and layout is not None:
        for item in sections:
            item.progress = _progress([spec for spec in layout if spec.row.section_id == item.pk], marks)
    return view, cells


def section_saved(matrix, section, specs) -> tuple[SimpleNamespace, dict]:
    """After an autosave: the section's progress (see `_progress`) and its cells as stored now,
    {(row, column, aspect): {"mark", "source", "remarks", "derived_from_regime", "overridden", "updated_at"}}.
    One query."""
    fields = ("mark", "source", "remarks", "derived_from_regime", "overridden", "updated_at")
    stored = {
        (row, column, aspect): dict(zip(fields, rest, strict=True))
        for row, column, aspect, *rest in matrix.cells.filter(row__section=section).values_list(
            "row__code", "column", "aspect", *fields
        )
    }
    return _progress(specs, {key: value["mark"] for key, value in stored.items()}), stored


def _progress(specs, marks) -> SimpleNamespace:
    """`total` cells, `decided` (X or NA), `gaps` (blank or ?: the rest), and the `label` that says so."""
    total = len(specs)
    decided = sum(1 for spec in specs if marks.get(spec.key) in (Mark.YES, Mark.NOT_APPLICABLE))
    label = _("%(decided)s of %(total)s cells decided, %(gaps)s gaps") % {
        "decided": decided,
        "total": total,
        "gaps": total - decided,
    }
    return SimpleNamespace(total=total, decided=decided, gaps=total - decided, label=label)


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


# ---------------------------------------------------------------------------------------------
# Confirmation pages: what an irreversible action will do, before it is done


def compared_version(matrix) -> Matrix | None:
    """The version a version's changes are counted against: the one it was copied from, else the
    latest published version before it (None for a first version). One query."""
    if matrix.based_on_id:
        return Matrix.objects.filter(pk=matrix.based_on_id).first()
    return previous_published(matrix)


def action_summary(matrix) -> SimpleNamespace:
    """What a version holds, for the confirmation of an action on it: the cells changed since the
    version it is compared with (or filled, for a first version), the gaps left per section, the
    coverage, the open comments and the national report. A fixed number of queries."""
    specs = services.layout(matrix.template)
    compared = compared_version(matrix)
    sections = grid.build(matrix, compare_with=compared, specs=specs)
    cells = [cell for section in sections for row in section.rows for cell in row.cells]
    for section in sections:
        section.edit_url = section_url(matrix.pk, section.section.code)
    if compared is not None:
        changed = sum(cell.changed for cell in cells)
    else:
        changed = sum(bool(cell.mark or cell.source or cell.remarks) for cell in cells)
    covered = sum(section.covered for section in sections)
    applicable = sum(section.applicable for section in sections)
    gaps = sum(section.gaps for section in sections)
    return SimpleNamespace(
        compared_with=compared,
        changed=changed,
        filled=sum(bool(cell.mark) for cell in cells),
        cells=len(cells),
        sections=sections,
        gap_sections=[section for section in sections if section.gaps],
        covered=covered,
        applicable=applicable,
        gaps=gaps,
        percent=round(100 * covered / applicable) if applicable else 0,
        open_comments=open_thread_counts(matrix)["open"],
        has_document=bool(matrix.document),
        report_date=matrix.report_date,
    )


def submit_warnings(summary) -> list[str]:
    """What the State may want to fix before submitting (it may still submit)."""
    warnings = []
    if not summary.has_document:
        warnings.append(_("No national report is attached to this version."))
    elif summary.report_date is None:
        warnings.append(_("The date of the national report is not given."))
    if summary.gaps:
        warnings.append(_("%(n)s applicable cell(s) are still blank or marked ?.") % {"n": summary.gaps})
    if summary.open_comments:
        warnings.append(_("%(n)s cell(s) still have open review comments.") % {"n": summary.open_comments})
    if summary.compared_with is not None and not summary.changed:
        warnings.append(_("No cell was changed since version %(v)s.") % {"v": summary.compared_with.version})
    return warnings


# ---------------------------------------------------------------------------------------------
# Review rounds and comment threads


def last_review_round(matrix) -> ReviewRound | None:
    """The cells as they were when the experts last asked for changes on this version. One query."""
    return ReviewRound.objects.filter(matrix=matrix).select_related("requested_by").first()


def thread_states(comments) -> dict:
    """{(row, column, aspect): "open" or "resolved"} for the cells with comments: a thread is open while
    one of its comments is unresolved. Pure Python over comments already read."""
    states = {}
    for comment in comments:
        if comment.resolved_at is None or comment.thread_key not in states:
            states[comment.thread_key] = "open" if comment.resolved_at is None else "resolved"
    return states


def open_thread_counts(matrix) -> dict:
    """{"open": n, "resolved": m}: the version's comment threads (one per cell with comments). One query."""
    threads = list(
        Comment.objects.filter(matrix=matrix)
        .order_by()
        .values("row_code", "column", "aspect")
        .annotate(unresolved=Count("id", filter=Q(resolved_at__isnull=True)))
        .values_list("unresolved", flat=True)
    )
    open_threads = sum(1 for unresolved in threads if unresolved)
    return {"open": open_threads, "resolved": len(threads) - open_threads}


def cell_thread(matrix, key) -> SimpleNamespace:
    """One cell's comment thread (its comments, "open", "resolved" or ""), for the thread fragment of
    the review page after a comment or a resolution. One query."""
    row, column, aspect = key
    comments = list(
        Comment.objects.filter(matrix=matrix, row_code=row, column=column, aspect=aspect).select_related(
            "author", "resolved_by"
        )
    )
    return SimpleNamespace(
        key=tuple(key),
        anchor=cell_anchor(key),
        context=cell_context(key),
        comment_on=_("on %(cell)s") % {"cell": cell_context(key)},
        field_prefix="|".join(key),
        comments=comments,
        thread=thread_states(comments).get(tuple(key), ""),
    )


ReviewValue = namedtuple(
    "ReviewValue", ["mark", "source", "remarks", "derived_from_regime", "derived_from_row", "overridden"]
)


def review_values(matrix) -> dict:
    """{(row, column, aspect): ReviewValue} for the stored cells of a version, as `grid.build` reads
    them, without model instances. One query."""
    rows = Cell.objects.filter(matrix=matrix).order_by().values_list(
        "row__code", "column", "aspect", "mark", "source", "remarks", "derived_from_regime", "derived_from_row",
        "overridden",
    )  # fmt: skip
    return {(row, column, aspect): ReviewValue(*rest) for row, column, aspect, *rest in rows}


def current_cell_keys() -> set:
    """Every (row, column, aspect) of the latest template of each regime: the cells a plan item may
    point at. Two queries per regime, cached per request by `services.layout`."""
    keys = set()
    for regime in Regime.objects.all():
        template = regime.templates.select_related("regime").order_by("-version").first()
        if template is not None:
            keys |= {spec.key for spec in services.layout(template)}
    return keys


def cell_labels(keys) -> dict:
    """What a (row, column, aspect) cell key reads as on a page: the row's label (from the newest
    template that has the row), the column's and the aspect's names. One query, whatever the number
    of keys; unknown rows keep their code as label."""
    from matrices.models import Row

    keys = list(keys)
    rows = {}
    codes = {row for row, _column, _aspect in keys}
    if codes:
        for code, label in (
            Row.objects.filter(code__in=codes).order_by("code", "template__version").values_list("code", "label")
        ):
            rows[code] = label  # the newest template's label wins
    columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
    return {
        (row, column, aspect): SimpleNamespace(
            row=row,
            column=column,
            aspect=aspect,
            row_label=rows.get(row, row),
            column_label=columns.get(column, column),
            aspect_label=aspects.get(aspect, aspect),
        )
        for row, column, aspect in keys
    }
