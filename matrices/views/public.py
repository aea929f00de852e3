"""What the public sees of matrices: published versions only, whoever asks.

Every page here reads `Matrix.objects.published()` (through `matrices.selectors`): a draft, a version
under review or a version whose consent was withdrawn is never shown, exported or found by the search,
not even to the State's own officials (they see those in their workspace). An unknown State, regime
or version raises `NotFound` and bad parameters `InvalidInput`: the error page says what is wrong.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from matrices import annotations, cache, coverage, exports, selectors
from matrices.filtersets import PublishedFilterSet
from matrices.forms import CompareForm, SearchForm, VersionsForm
from matrices.search_sources import search_sources
from portal.core.exceptions import InvalidInput, NotFound
from portal.core.pages import paginate

BROWSE_PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 25


def _require_format(fmt):
    if fmt not in exports.FORMATS:
        raise NotFound(_("Downloads are in CSV, XLSX or JSON: export.csv, export.xlsx, export.json."))


def _unknown_parameters(request, known) -> str:
    """The query parameters a page does not take, as a message ("" when there is none). Every page
    takes `lang` (portal.core.middleware.QueryLanguageMiddleware)."""
    unknown = set(request.GET) - set(known) - {"lang"}
    return _("Unknown parameter(s): %(p)s.") % {"p": ", ".join(sorted(unknown))} if unknown else ""


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
    context = selectors.published_page(pks, pk)
    matrix = context["matrix"]
    annotations.annotate(matrix, context["sections"])
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
        raise selectors.missing_matrix(iso3, regime, version)
    # Other apps' notes on the cells (the action plan's measures) vary the key too.
    key = f"{cache.content_key(chosen[0], chosen[2], index)}:{annotations.cache_token(iso3)}"
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
    _require_format(fmt)
    matrix = selectors.published_version(iso3, regime, version)
    if matrix is None:
        raise selectors.missing_matrix(iso3.upper(), regime, version)
    return exports.response(fmt, [matrix], f"{matrix.state.iso3}-{matrix.regime.slug}-v{matrix.version}")


# ---------------------------------------------------------------------------------------------
# Browse and the list download


def _filtered(request):
    """(filterset, queryset or None when the filters are not valid)."""
    filterset = PublishedFilterSet(request.GET or None, queryset=selectors.latest_published())
    if filterset.is_bound and not filterset.is_valid():
        return filterset, None
    return filterset, filterset.qs


@require_safe
def browse(request):
    """Published matrices by State and regime, with their coverage per section; above them a world map
    of the coverage of each State's latest published matrix of one regime (the one filtered on, else
    1540) and charts of it by UN regional group and regional organisation (`matrices.coverage`)."""
    filterset, queryset = _filtered(request)
    context = {
        "filter": filterset,
        "filtered": filterset.is_bound,
        "formats": exports.FORMATS,
        "disclaimer": exports.DISCLAIMER,
    }
    if queryset is None:
        return render(request, "matrices/public/browse.html", {**context, "matrices": []}, status=400)
    page = paginate(request, queryset, BROWSE_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    regime = filterset.form.cleaned_data.get("regime") if filterset.is_bound else None
    context.update(
        matrices=selectors.with_coverage(page.object_list),
        page=page,
        query=query.urlencode(),
        overview=coverage.overview(regime.code if regime else coverage.DEFAULT_REGIME),
    )
    return render(request, "matrices/public/browse.html", context)


@require_safe
def browse_export(request, fmt):
    """The whole filtered list in one file, whatever its size: one line per cell of each matrix (CSV,
    JSON, streamed), or one sheet per section laid out like the printed matrix (XLSX)."""
    _require_format(fmt)
    unknown = _unknown_parameters(request, PublishedFilterSet.base_filters)
    if unknown:
        raise InvalidInput(unknown, code="invalid-parameter")
    filterset, queryset = _filtered(request)
    if queryset is None:
        errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in filterset.form.errors.items())
        raise InvalidInput(_("Some filters are not valid: %(e)s") % {"e": errors})
    return exports.response(fmt, queryset, "published-matrices")


# ---------------------------------------------------------------------------------------------
# Two States side by side


def _shown(sections, only):
    """The sections with the rows and cells `only` keeps: all (""), those that differ ("on") or those
    whose mark differs ("marks"); each row's `shown` cells, sections without any row left out."""
    kept = []
    for section in sections:
        section.shown_rows = []
        for row in section.rows:
            if only == "marks":
                row.shown = [cell for cell in row.cells if cell.difference == "mark"]
            elif only:
                row.shown = [cell for cell in row.cells if cell.difference]
            else:
                row.shown = row.cells
            if row.shown:
                section.shown_rows.append(row)
        if section.shown_rows:
            kept.append(section)
    return kept


@require_safe
def compare(request):
    """Two States' latest published matrices for one regime, side by side, differing cells marked.

    Only States with a published matrix of the regime are offered. Without both States (the form
    not sent yet, or a link from a matrix page giving one), the form is shown, filled with what the
    query gives."""
    states = selectors.states_with_published()
    context = {"disclaimer": exports.DISCLAIMER}
    unknown = _unknown_parameters(request, ["regime", "a", "b", "only"])
    sent = "a" in request.GET and "b" in request.GET
    initial = {name: request.GET[name].strip() for name in ("regime", "a", "only") if request.GET.get(name)}
    if initial.get("regime"):
        initial["regime"] = initial["regime"].lower()
    if initial.get("a"):
        initial["a"] = initial["a"].upper()
    form = CompareForm(request.GET if sent else None, states, initial=initial)
    context["form"] = form
    if unknown:
        return render(request, "matrices/public/compare.html", {**context, "detail": unknown}, status=400)
    if not form.is_bound:
        return render(request, "matrices/public/compare.html", context)
    if not form.is_valid():
        return render(request, "matrices/public/compare.html", context, status=400)
    regime, a, b = form.cleaned_data["regime"], form.cleaned_data["a"], form.cleaned_data["b"]
    latest = selectors.latest_of_each(regime, [a, b])
    missing = [form.names[iso3] for iso3 in (a, b) if iso3 not in latest]
    if missing:  # withdrawn since the list was read
        context["detail"] = _("No published %(regime)s matrix for %(states)s.") % {
            "regime": regime.upper(),
            "states": _(" and ").join(missing),
        }
        return render(request, "matrices/public/compare.html", context, status=404)
    left, right = latest[a], latest[b]
    sections, differing = selectors.side_by_side(left, right)
    only = form.cleaned_data["only"]
    context.update(
        left=left, right=right, sections=sections, shown=_shown(sections, only), differing=differing, only=only
    )
    return render(request, "matrices/public/compare.html", context)


# ---------------------------------------------------------------------------------------------
# Two published versions of one State


def _diff_page(request, context, status=200):
    form = VersionsForm(context["versions"], older=context.get("older"), newer=context.get("newer"))
    return render(request, "matrices/public/diff.html", {**context, "form": form}, status=status)


@require_safe
def version_diff(request, iso3, regime):
    """Cell-level differences between two published versions of a State's matrix."""
    if iso3 != iso3.upper():
        return redirect(
            reverse("matrices:version_diff", args=[iso3.upper(), regime]) + "?" + request.GET.urlencode(),
            permanent=True,
        )
    versions = selectors.published_versions(iso3, regime)
    if not versions:
        raise selectors.missing_matrix(iso3, regime)
    context = {"versions": versions, "latest": versions[0], "regime": versions[0].regime}
    raw = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    if _unknown_parameters(request, raw) or any(value and not value.isdigit() for value in raw.values()):
        context["detail"] = _("Give two version numbers: ?from=1&to=2.")
        return _diff_page(request, context, status=400)
    if len(versions) < 2 and not (raw["from"] or raw["to"]):
        context["detail"] = _("Only one version of this matrix is published: there is nothing to compare yet.")
        return _diff_page(request, context)
    by_number = {m.version: m for m in versions}
    older = by_number.get(int(raw["from"])) if raw["from"] else versions[1] if len(versions) > 1 else None
    newer = by_number.get(int(raw["to"])) if raw["to"] else versions[0]
    if older is None or newer is None:
        asked = [raw[k] for k in ("from", "to") if raw[k] and int(raw[k]) not in by_number]
        context["detail"] = _("Version %(v)s is not published. Published versions: %(list)s.") % {
            "v": ", ".join(asked) or "?",
            "list": ", ".join(str(m.version) for m in reversed(versions)),
        }
        return _diff_page(request, context, status=404)
    changes = selectors.version_changes(older, newer)
    marks = sum(change["difference"] == "mark" for change in changes)
    context.update(older=older, newer=newer, changes=changes, marks_changed=marks, wording_changed=len(changes) - marks)
    return _diff_page(request, context)


# ---------------------------------------------------------------------------------------------
# Search of legal sources and remarks


def _page_numbers(page) -> list:
    """The numbers of the pages around the current one, with None where numbers are left out."""
    return [
        number if isinstance(number, int) else None
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


@require_safe
def search(request):
    """Legal sources and remarks of every published matrix containing the text asked for, narrowed to
    a State, a regime or a UN regional group if asked; the text highlighted in each result."""
    form = SearchForm(
        request.GET if "q" in request.GET else None,
        states=selectors.states_with_published(),
        regions=selectors.regions_to_choose(),
    )
    context = {"form": form, "disclaimer": exports.DISCLAIMER}
    unknown = _unknown_parameters(request, ["q", "state", "regime", "region", "page"])
    if unknown:
        return render(request, "matrices/public/search.html", {**context, "detail": unknown}, status=400)
    if not form.is_bound:
        return render(request, "matrices/public/search.html", context)
    if not form.is_valid():
        return render(request, "matrices/public/search.html", context, status=400)
    data = form.cleaned_data
    text = data["q"]
    cells = selectors.search_cells(text, state=data["state"], regime=data["regime"], region=data["region"])
    page = paginate(request, cells, SEARCH_PAGE_SIZE)
    # Published documents of other apps (action plans, ...) containing the text, listed above the cells.
    documents = search_sources(text, state=data["state"], region=data["region"])
    query = urlencode({name: data[name] for name in ("q", "state", "regime", "region") if data[name]})
    context.update(
        searched=True,
        page=page,
        page_numbers=_page_numbers(page),
        results=page.object_list,
        documents=documents,
        text=text,
        query=query,
        narrowed=any(data[name] for name in ("state", "regime", "region")),
    )
    return render(request, "matrices/public/search.html", context)
