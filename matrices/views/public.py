"""What the public sees of matrices: published versions only, whoever asks.

Every page here goes through `Matrix.objects.published()`: a draft, a version under review or a
version whose consent was withdrawn is never shown, exported or found by the search, not even to
the State's own officials (they see those in their workspace). Pages answer 404 or 400 with a
clear message for an unknown State, regime or version and for bad parameters.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django_filters import CharFilter, FilterSet

from matrices import cache, coverage, exports, grid, services
from matrices.models import Cell, Matrix, Regime
from portal.core.filters import CodeFilter
from states.filtersets import RegionFilter
from states.models import Membership, RegionalOrganization, State

REGIMES = [("1540", "1540"), ("cwc", "CWC"), ("npt", "NPT"), ("bwc", "BWC")]
BROWSE_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 25
SEARCH_MIN, SEARCH_MAX = 3, 100


def _page_error(request, status, detail, template="error.html", context=None):
    return render(request, template, {"status": status, "detail": detail, **(context or {})}, status=status)


def _published():
    return Matrix.objects.published().select_related("state", "regime", "template__regime")


def _published_versions(iso3, regime):
    """Every published version of a State's matrix for a regime, newest first. One query."""
    return list(_published().filter(state__iso3=iso3, regime__code=regime.upper()).order_by("-version"))


def _missing_matrix(request, iso3, regime, version=None):
    """404 saying what is missing: the State, or its published matrix (or that version of it)."""
    state = State.objects.filter(iso3=iso3).only("name").first()
    if state is None:
        return _page_error(request, 404, _("No UN Member State has the ISO code %(iso3)s.") % {"iso3": iso3})
    values = {"state": state.name, "regime": regime.upper(), "v": version}
    if version is None:
        detail = _("%(state)s has no published %(regime)s matrix.") % values
    else:
        detail = _("Version %(v)s of the %(regime)s matrix of %(state)s is not published.") % values
    return _page_error(request, 404, detail)


# ---------------------------------------------------------------------------------------------
# One published version


def _cookieless(request):
    """An anonymous visit that every other such visit can share: no session, no pending message,
    no query string. Checked without touching the session (so without a query)."""
    return (
        not request.GET and not request.COOKIES.get(settings.SESSION_COOKIE_NAME) and "messages" not in request.COOKIES
    )


def _page_content(pks, pk):
    """The rendered parts of a published version's page; runs the queries of a cold cache."""
    versions = list(_published().filter(pk__in=pks).order_by("-version"))
    matrix = next(m for m in versions if m.pk == pk)
    specs = services.layout(matrix.template)
    context = {
        "matrix": matrix,
        "versions": versions,
        "latest": versions[0],
        "sections": grid.build(matrix, specs=specs, values=services.cell_values(matrix)),
        "disclaimer": exports.DISCLAIMER,
        "formats": exports.FORMATS,
    }
    return {
        "title": f"{matrix.state.name} · {matrix.regime.code} v{matrix.version}",
        "breadcrumbs": render_to_string("matrices/public/_matrix_breadcrumbs.html", context),
        "content": render_to_string("matrices/public/_matrix_content.html", context),
    }


def _serve_published(request, iso3, regime, version=None):
    """A published version's page, from the cache when it can be (see matrices/cache.py)."""
    index = cache.published_index(iso3, regime.upper())
    chosen = index[0] if index and version is None else next((v for v in index if v[1] == version), None)
    if chosen is None:
        return _missing_matrix(request, iso3, regime, version)
    key = cache.content_key(chosen[0], chosen[2], index)
    shared = _cookieless(request)
    if shared:
        body = cache.get_page(cache.page_key(key, request.path))
        if body is not None:
            return HttpResponse(body)
    page = cache.get(key)
    if page is None:
        page = _page_content([v[0] for v in index], chosen[0])
        cache.put(key, page)
    # Our own templates' output: every text from a matrix was escaped when it was rendered.
    page = {name: mark_safe(html) for name, html in page.items()}  # noqa: S308
    response = render(request, "matrices/public/matrix.html", {"page": page})
    if shared:
        cache.put_page(cache.page_key(key, request.path), response.content)
    return response


@require_safe
def published_latest(request, iso3, regime):
    """The latest published version of a State's matrix for a regime."""
    if iso3 != iso3.upper():
        return redirect("matrices:published_latest", iso3=iso3.upper(), regime=regime, permanent=True)
    return _serve_published(request, iso3, regime)


@require_safe
def published(request, iso3, regime, version):
    """A given published version (versions are immutable once published)."""
    if iso3 != iso3.upper():
        return redirect("matrices:published", iso3=iso3.upper(), regime=regime, version=version, permanent=True)
    return _serve_published(request, iso3, regime, version)


@require_safe
def export(request, iso3, regime, version, fmt):
    """One published version as CSV, XLSX or JSON, one line per cell."""
    if fmt not in exports.FORMATS:
        return _page_error(request, 404, _("Downloads are in CSV, XLSX or JSON: export.csv, export.xlsx, export.json."))
    matrix = _published().filter(state__iso3=iso3.upper(), regime__code=regime.upper(), version=version).first()
    if matrix is None:
        return _missing_matrix(request, iso3.upper(), regime, version)
    return exports.response(fmt, [matrix], f"{matrix.state.iso3}-{matrix.regime.slug}-v{matrix.version}")


# ---------------------------------------------------------------------------------------------
# Browse and the list download


class PublishedFilterSet(FilterSet):
    """Filters of the list of published matrices, shared by the page and its download."""

    regime = CodeFilter(
        label=gettext_lazy("Regime"),
        queryset=Regime.objects.order_by("order"),
        to_field_name="code",
        empty_label=gettext_lazy("All regimes"),
    )
    region = RegionFilter(field_name="state__region")
    organization = CodeFilter(
        label=gettext_lazy("Regional organisation"),
        queryset=RegionalOrganization.objects.order_by("code"),
        to_field_name="code",
        method="filter_organization",
        empty_label=gettext_lazy("All organisations"),
    )
    search = CharFilter(label=gettext_lazy("State"), method="filter_search", max_length=100)

    class Meta:
        model = Matrix
        fields = ["regime", "region", "organization", "search"]

    def filter_organization(self, queryset, name, value):
        members = Membership.objects.current().filter(organization=value, state__isnull=False)
        return queryset.filter(state_id__in=members.values("state_id"))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(state__name__icontains=value) | Q(state__official_name__icontains=value) | Q(state__iso3__iexact=value)
        )


def _latest_published():
    """The latest published version of each State's matrix for each regime."""
    newer = Matrix.objects.published().filter(
        state_id=OuterRef("state_id"), regime_id=OuterRef("regime_id"), version__gt=OuterRef("version")
    )
    return _published().exclude(Exists(newer)).order_by("state__name", "regime__order")


def _filtered(request):
    """(filterset, queryset or None when the filters are not valid)."""
    filterset = PublishedFilterSet(request.GET or None, queryset=_latest_published())
    if filterset.is_bound and not filterset.is_valid():
        return filterset, None
    return filterset, filterset.qs


@require_safe
def browse(request):
    """Published matrices by State and regime, with their coverage per section."""
    filterset, queryset = _filtered(request)
    context = {
        "filter": filterset,
        "filtered": filterset.is_bound,
        "formats": exports.FORMATS,
        "xlsx_max": exports.XLSX_MAX_MATRICES,
        "disclaimer": exports.DISCLAIMER,
    }
    if queryset is None:
        return render(request, "matrices/public/browse.html", {**context, "matrices": []}, status=400)
    paginator = Paginator(queryset, BROWSE_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return _page_error(request, 400, _("The page number must be a whole number."))
    except EmptyPage:
        return _page_error(request, 404, _("There is no such page of results."))
    matrices = list(page.object_list)
    sections = coverage.by_matrix(matrices)
    for matrix in matrices:
        matrix.coverage = sections.get(matrix.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    context.update(matrices=matrices, page=page, query=query.urlencode())
    return render(request, "matrices/public/browse.html", context)


@require_safe
def browse_export(request, fmt):
    """The whole filtered list in one file: one line per cell of each matrix."""
    if fmt not in exports.FORMATS:
        return _page_error(request, 404, _("Downloads are in CSV, XLSX or JSON: export.csv, export.xlsx, export.json."))
    unknown = set(request.GET) - set(PublishedFilterSet.base_filters)
    if unknown:
        return _page_error(request, 400, _("Unknown parameter(s): %(p)s.") % {"p": ", ".join(sorted(unknown))})
    filterset, queryset = _filtered(request)
    if queryset is None:
        errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in filterset.form.errors.items())
        return _page_error(request, 400, _("Some filters are not valid: %(e)s") % {"e": errors})
    matrices = list(queryset)
    if fmt == "xlsx" and len(matrices) > exports.XLSX_MAX_MATRICES:
        return _page_error(
            request,
            400,
            _(
                "A workbook holds at most %(max)s matrices and these filters select %(n)s: narrow the filters, "
                "or download the whole list as CSV or JSON."
            )
            % {"max": exports.XLSX_MAX_MATRICES, "n": len(matrices)},
        )
    return exports.response(fmt, matrices, "published-matrices")


# ---------------------------------------------------------------------------------------------
# Two States side by side


class CompareForm(forms.Form):
    regime = forms.ChoiceField(label=gettext_lazy("Regime"), choices=REGIMES)
    a = forms.ChoiceField(label=gettext_lazy("First State"))
    b = forms.ChoiceField(label=gettext_lazy("Second State"))
    only = forms.BooleanField(label=gettext_lazy("Show only the cells that differ"), required=False)

    def __init__(self, data, states):
        if data is not None:
            data = data.copy()
            for name in ("a", "b"):
                if data.get(name):
                    data[name] = data[name].strip().upper()
            if data.get("regime"):
                data["regime"] = data["regime"].strip().lower()
        super().__init__(data)
        choices = [("", _("Choose a State"))] + [(state.iso3, state.name) for state in states]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("a") and cleaned.get("a") == cleaned.get("b"):
            self.add_error("b", _("Choose a different State; to compare versions of one State, open its version diff."))
        return cleaned


def _latest_of(matrices, iso3):
    return next((m for m in matrices if m.state.iso3 == iso3), None)


@require_safe
def compare(request):
    """Two States' latest published matrices for one regime, side by side, differing cells marked."""
    states = list(State.objects.only("iso3", "name").order_by("name"))
    unknown = set(request.GET) - {"regime", "a", "b", "only"}
    form = CompareForm(request.GET if request.GET else None, states)
    context = {"form": form, "disclaimer": exports.DISCLAIMER}
    if unknown:
        context["detail"] = _("Unknown parameter(s): %(p)s.") % {"p": ", ".join(sorted(unknown))}
        return render(request, "matrices/public/compare.html", context, status=400)
    if not form.is_bound:
        return render(request, "matrices/public/compare.html", context)
    if not form.is_valid():
        return render(request, "matrices/public/compare.html", context, status=400)
    regime, a, b = form.cleaned_data["regime"], form.cleaned_data["a"], form.cleaned_data["b"]
    candidates = list(_published().filter(state__iso3__in=[a, b], regime__code=regime.upper()).order_by("-version"))
    left, right = _latest_of(candidates, a), _latest_of(candidates, b)
    names = {state.iso3: state.name for state in states}
    missing = [names[iso3] for iso3, matrix in ((a, left), (b, right)) if matrix is None]
    if missing:
        context["detail"] = _("No published %(regime)s matrix for %(states)s.") % {
            "regime": regime.upper(),
            "states": _(" and ").join(missing),
        }
        return render(request, "matrices/public/compare.html", context, status=404)
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
    only = form.cleaned_data["only"]
    if only:
        for section in sections:
            section.rows = [row for row in section.rows if row.changed]
    context.update(left=left, right=right, sections=sections, differing=differing, only=only)
    return render(request, "matrices/public/compare.html", context)


# ---------------------------------------------------------------------------------------------
# Two published versions of one State


@require_safe
def version_diff(request, iso3, regime):
    """Cell-level differences between two published versions of a State's matrix."""
    if iso3 != iso3.upper():
        return redirect(
            reverse("matrices:version_diff", args=[iso3.upper(), regime]) + "?" + request.GET.urlencode(),
            permanent=True,
        )
    versions = _published_versions(iso3, regime)
    if not versions:
        return _missing_matrix(request, iso3, regime)
    context = {"versions": versions, "latest": versions[0], "regime": versions[0].regime}
    unknown = set(request.GET) - {"from", "to"}
    raw = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    if unknown or any(value and not value.isdigit() for value in raw.values()):
        context["detail"] = _("Give two version numbers: ?from=1&to=2.")
        return render(request, "matrices/public/diff.html", context, status=400)
    by_number = {m.version: m for m in versions}
    if len(versions) < 2 and not (raw["from"] or raw["to"]):
        context["detail"] = _("Only one version of this matrix is published: there is nothing to compare yet.")
        return render(request, "matrices/public/diff.html", context)
    older = by_number.get(int(raw["from"])) if raw["from"] else versions[1] if len(versions) > 1 else None
    newer = by_number.get(int(raw["to"])) if raw["to"] else versions[0]
    if older is None or newer is None:
        asked = [raw[k] for k in ("from", "to") if raw[k] and int(raw[k]) not in by_number]
        context["detail"] = _("Version %(v)s is not published. Published versions: %(list)s.") % {
            "v": ", ".join(asked) or "?",
            "list": ", ".join(str(m.version) for m in reversed(versions)),
        }
        return render(request, "matrices/public/diff.html", context, status=404)
    rows = {spec.row.code: spec.row for spec in services.layout(newer.template)}
    changes = services.diff(older, newer)
    for change in changes:
        change["label"] = rows[change["row"]].label if change["row"] in rows else ""
    context.update(older=older, newer=newer, changes=changes)
    return render(request, "matrices/public/diff.html", context)


# ---------------------------------------------------------------------------------------------
# Search of legal sources and remarks


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Legal source or remark"),
        min_length=SEARCH_MIN,
        max_length=SEARCH_MAX,
        strip=True,
    )


@require_safe
def search(request):
    """Legal sources and remarks of every published matrix containing the text asked for."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    context = {"form": form, "disclaimer": exports.DISCLAIMER}
    if not form.is_bound:
        return render(request, "matrices/public/search.html", context)
    if not form.is_valid():
        return render(request, "matrices/public/search.html", context, status=400)
    text = form.cleaned_data["q"]
    cells = (
        Cell.objects.filter(matrix__status=Matrix.Status.PUBLISHED)
        .filter(Q(source__icontains=text) | Q(remarks__icontains=text))
        .select_related("matrix__state", "matrix__regime", "row__section")
        .order_by(
            "matrix__state__name", "matrix__regime__order", "-matrix__version", "row__section__order", "row__order"
        )
    )
    paginator = Paginator(cells, SEARCH_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return _page_error(request, 400, _("The page number must be a whole number."))
    except EmptyPage:
        return _page_error(request, 404, _("There is no such page of results."))
    context.update(searched=True, page=page, results=page.object_list, text=text, query=urlencode({"q": text}))
    return render(request, "matrices/public/search.html", context)


urlpatterns = [
    path("matrices/", browse, name="browse"),
    path("matrices/export.<str:fmt>", browse_export, name="browse_export"),
    path("compare/", compare, name="compare"),
    path("search/", search, name="search"),
    path("states/<str:iso3>/<regime:regime>/", published_latest, name="published_latest"),
    path("states/<str:iso3>/<regime:regime>/v<int:version>/", published, name="published"),
    path("states/<str:iso3>/<regime:regime>/v<int:version>/export.<str:fmt>", export, name="export"),
    path("states/<str:iso3>/<regime:regime>/diff/", version_diff, name="version_diff"),
]
