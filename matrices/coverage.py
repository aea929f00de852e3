"""Coverage of matrix versions per section (cells marked X over applicable cells), for lists of
versions: two queries whatever the number of versions and cells.

The same definitions as `matrices.grid` uses for one version: a cell is applicable unless it is
marked NA; it is covered when it is marked X. Retired rows are left out.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from matrices import cache
from matrices.models import Cell, Mark, Matrix, Row, section_short
from portal.core.collation import sorted_by, translated
from states.models import Membership, State

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

    @property
    def short(self) -> str:
        return section_short(self.code, self.label)


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
        .values(
            "template_id",
            "section_id",
            "section__code",
            "section__order",
            "kind",
            section_label=translated("section__label"),  # in the active language
        )
        .annotate(rows=Count("id"))
        .order_by("template_id", "section__order")
    ):
        per_template = sections.setdefault(entry["template_id"], {})
        section = per_template.setdefault(
            entry["section_id"], [entry["section__order"], entry["section__code"], entry["section_label"], 0]
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


# ---------------------------------------------------------------------------------------------
# Coverage by State, UN regional group and regional organisation: the world map and the charts of
# the published matrices page, the chart of a regional organisation's page. A State's coverage is
# that of the latest published version of its matrix for one regime, over all its sections; a group's
# is its reporting States' cells marked X over their applicable cells, pooled.

# Classes of the map, by coverage (lower bound in percent): `coverage-0` ... `coverage-3`; a State
# without a published matrix is `coverage-none`.
MAP_BINS = (0, 25, 50, 75)


@dataclass
class StateCoverage:
    iso3: str
    m49: str
    name: str
    region: str
    covered: int = 0
    applicable: int = 0
    version: int | None = None
    url: str = ""
    # The regional group's name in English, the same in every language (its key in filters and charts).
    region_key: str = ""

    @property
    def published(self):
        return self.version is not None

    @property
    def percent(self):
        return round(100 * self.covered / self.applicable) if self.applicable else 0

    @property
    def css_class(self):
        if not self.published:
            return "coverage-none"
        return f"coverage-{sum(1 for bound in MAP_BINS[1:] if self.percent >= bound)}"


@dataclass
class GroupCoverage:
    """The coverage of a UN regional group or a regional organisation."""

    name: str
    code: str = ""
    url: str = ""
    states: int = 0
    reporting: int = 0
    covered: int = 0
    applicable: int = 0

    @property
    def percent(self):
        return round(100 * self.covered / self.applicable) if self.applicable else 0

    def add(self, state: StateCoverage):
        self.states += 1
        if state.published:
            self.reporting += 1
            self.covered += state.covered
            self.applicable += state.applicable


def latest_of_regime(regime_code):
    """The latest published version of each State's matrix for one regime, with State and regime."""
    newer = Matrix.objects.published().filter(
        state_id=OuterRef("state_id"), regime_id=OuterRef("regime_id"), version__gt=OuterRef("version")
    )
    return (
        Matrix.objects.published()
        .filter(regime__code=regime_code)
        .exclude(Exists(newer))
        .select_related("state", "regime")
        .order_by()
    )


def _totals(regime_code) -> dict:
    """{State id: (version, url, cells marked X, applicable cells)} of the latest published version of
    each State's matrix for the regime. Cached under the publication signature (`matrices.cache`):
    published versions never change, so the same signature means the same figures. One query when
    cached, four otherwise. Numbers and links only, the same in every language: the names are read for
    each page, in its language (`by_state`, `by_organization`), never cached."""
    key = f"matrices:coverage:{cache.FRAGMENT_VERSION}:{regime_code}:{cache.published_signature()}"
    totals = cache.get(key)
    if totals is None:
        scope = latest_of_regime(regime_code)
        matrices = list(scope)
        sections = by_matrix(matrices, scope=scope)
        totals = {
            matrix.state_id: (
                matrix.version,
                matrix.get_absolute_url(),
                sum(section.covered for section in sections.get(matrix.pk, [])),
                sum(section.applicable for section in sections.get(matrix.pk, [])),
            )
            for matrix in matrices
        }
        cache.put(key, totals)
    return totals


def _state_coverage(state, totals) -> StateCoverage:
    coverage = StateCoverage(
        iso3=state.iso3, m49=state.m49, name=state.name, region=state.region.name, region_key=state.region.name_en
    )
    if state.pk in totals:
        coverage.version, coverage.url, coverage.covered, coverage.applicable = totals[state.pk]
    return coverage


def by_state(regime_code) -> list[StateCoverage]:
    """Every UN Member State with its coverage for the regime, by name. Two queries when the figures
    are cached (`_totals`), five otherwise."""
    totals = _totals(regime_code)
    states = State.objects.select_related("region").only("iso3", "m49", "name", "region__name").order_by("name")
    return sorted_by((_state_coverage(state, totals) for state in states), lambda state: state.name)


def by_region(states: list[StateCoverage]) -> list[GroupCoverage]:
    """The UN regional groups of `states`, by name (in the active language). No query."""
    groups = {}
    for state in states:
        key = state.region_key or state.region
        groups.setdefault(key, GroupCoverage(name=state.region, code=key)).add(state)
    return sorted_by(groups.values(), lambda group: group.name)


def by_organization(states: list[StateCoverage]) -> list[GroupCoverage]:
    """The regional organisations of `states` (their current UN Member State members), by code. One query."""
    by_iso3 = {state.iso3: state for state in states}
    groups = {}
    for code, name, iso3 in (
        Membership.objects.current()
        .filter(state__isnull=False)
        .values_list("organization__code", translated("organization__name"), "state__iso3")
        .order_by("organization__code", "state__iso3")
    ):
        if iso3 in by_iso3:
            group = groups.setdefault(
                code, GroupCoverage(name=name, code=code, url=reverse("states:organization", args=[code]))
            )
            group.add(by_iso3[iso3])
    return list(groups.values())


def map_data(regime_code, states: list[StateCoverage]) -> dict:
    """What `static/js/coverage_map.js` draws (through `json_script`): every UN Member State as
    {M49 code: name in the active language} (the M49 codes are the ISO 3166-1 numeric codes that
    world-atlas uses as ids; its English names are never shown), and the figures of those with a
    published matrix; the others are drawn grey. No query."""
    return {
        "regime": regime_code,
        "bins": list(MAP_BINS),
        "members": {state.m49: state.name for state in states},
        "states": [
            {
                "iso3": state.iso3,
                "m49": state.m49,
                "name": state.name,
                "percent": state.percent,
                "covered": state.covered,
                "applicable": state.applicable,
                "class": state.css_class,
                "url": state.url,
            }
            for state in states
            if state.published
        ],
    }


def chart_data(groups: list[GroupCoverage]) -> list[dict]:
    """What `static/js/coverage_charts.js` draws: one bar per group."""
    return [
        {
            "code": group.code,
            "name": group.name,
            "percent": group.percent if group.reporting else None,
            "reporting": group.reporting,
            "states": group.states,
            "covered": group.covered,
            "applicable": group.applicable,
        }
        for group in groups
    ]


# The regime the map shows when the list is not filtered by regime.
DEFAULT_REGIME = "1540"


def overview(regime_code=DEFAULT_REGIME) -> dict:
    """The map and the charts of the published matrices page, for one regime. Three queries when the
    figures are cached (`_totals`), six otherwise."""
    states = by_state(regime_code)
    regions = by_region(states)
    organizations = by_organization(states)
    return {
        "regime": regime_code,
        "states": states,
        "published": [state for state in states if state.published],
        "regions": regions,
        "organizations": organizations,
        "map": map_data(regime_code, states),
        "charts": {"regions": chart_data(regions), "organizations": chart_data(organizations)},
    }


def organization_section(request, organization, memberships) -> dict:
    """The coverage of a regional organisation's member States (`states/pages.py`): each
    current member that is a UN Member State gets `membership.coverage`; the page gets the pooled figure
    and a chart of one bar per member. One query when the figures are cached, four otherwise, whatever
    the number of members (the memberships come with their States and groups)."""
    members = [m for m in memberships if m.state_id and m.kind != Membership.Kind.FORMER]
    totals = _totals(DEFAULT_REGIME)
    pooled = GroupCoverage(name=organization.name, code=organization.code)
    chart = []
    for membership in members:
        state = _state_coverage(membership.state, totals)
        membership.coverage = state
        pooled.add(state)
        chart.append(
            {
                "code": state.iso3,
                "name": state.name,
                "percent": state.percent if state.published else None,
                "covered": state.covered,
                "applicable": state.applicable,
            }
        )
    return {
        "coverage_regime": DEFAULT_REGIME,
        "organization_coverage": pooled,
        "member_chart": {"members": chart},
    }
