"""The State's workspace: where a State official (or an expert preparing a draft for a State) reports a
matrix section by section, attaches the national report, answers review comments, submits, gives
consent to publish, and sees the State's gaps.

Thin views: they parse the input, call `matrices.services`, and render. Every page runs a constant
number of SQL queries whatever the number of cells.
"""

import os
import re
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from matrices import coverage, grid, services
from matrices.forms import (
    CommentForm,
    ConsentForm,
    DocumentForm,
    SectionForm,
    StartDraftForm,
    cell_anchor,
    cell_context,
)
from matrices.models import Comment, Mark, Matrix, Regime
from portal.accounts import roles
from portal.core.exceptions import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotVisible,
    PublishedImmutable,
)
from states.models import State

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# ---------------------------------------------------------------------------------------------
# Helpers


def workspace_user_required(view):
    """Logged in, and a State official, a Committee expert or an administrator (providers: 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_state_official or roles.is_reviewer(user)):
            raise PermissionDenied(_("The workspace is for State officials and the Committee's experts."))
        return view(request, *args, **kwargs)

    return wrapper


def section_key(code: str) -> str:
    """A section as written in URLs: `OP2`, `scheduled-chemicals`, `biosafety-biosecurity`."""
    return re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-")


def _visible(request, pk) -> Matrix:
    try:
        return services.get_visible(request.user, pk, Matrix.objects.select_related("template__regime"))
    except NotVisible:
        raise Http404(_("No matrix version %(id)s that you may see.") % {"id": pk}) from None


def _problem(request, exc: DomainError, back_url):
    """A refused action: the services' message, with the status of its error (403, 409, 400)."""
    if isinstance(exc, NotVisible):
        raise Http404(exc.message)
    context = {"status": exc.status, "code": exc.code, "message": exc.message, "back_url": back_url}
    if isinstance(exc, InvalidInput) and isinstance(exc.errors, dict):
        context["errors"] = [
            (field, message)
            for field, problems in exc.errors.items()
            if isinstance(problems, list)
            for message in problems
        ]
    return render(request, "matrices/workspace/problem.html", context, status=exc.status)


def _edit_refusal(matrix) -> DomainError:
    """Why the version cannot be edited by this user (mirrors what the services would say)."""
    if matrix.is_published:
        return PublishedImmutable()
    if not matrix.is_editable:
        return InvalidTransition(
            _("Version %(v)s is %(status)s: it can be edited only as a draft or after changes are requested.")
            % {"v": matrix.version, "status": matrix.get_status_display()},
            code="not-editable",
        )
    return NotAllowed(_("Only the State's officials, or the experts who prepare this draft, may edit it."))


def _section_url(matrix_id, section_code, anchor=""):
    url = reverse("matrices:edit_section", args=[matrix_id, section_key(section_code)])
    return f"{url}#{anchor}" if anchor else url


def _state_for(request):
    """The State a page is about: the official's own; for experts `?state=ISO3` (None when not given)."""
    user = request.user
    if user.is_state_official:
        return user.state
    code = request.GET.get("state", "").strip().upper()
    if not code:
        return None
    state = State.objects.filter(iso3=code).first()
    if state is None:
        raise Http404(_("No UN Member State has the ISO alpha-3 code %(code)s.") % {"code": code})
    return state


def _pick_state(request, title, target):
    states = State.objects.only("iso3", "name").order_by("name")
    return render(request, "matrices/workspace/pick_state.html", {"states": states, "title": title, "target": target})


def _coverage(matrices) -> dict:
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


# ---------------------------------------------------------------------------------------------
# Dashboard and new drafts


@workspace_user_required
@require_safe
def dashboard(request):
    """A State's four regimes with every version, coverage, and a button to start a new draft."""
    state = _state_for(request)
    if state is None:
        return redirect("matrices:review_queue")
    versions = list(
        Matrix.objects.visible_to(request.user)
        .filter(state=state)
        .select_related("regime")
        .order_by("regime__order", "-version")
    )
    figures = _coverage(versions)
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
    return render(
        request,
        "matrices/workspace/dashboard.html",
        {"state": state, "regimes": regimes, "review_queue_url": reverse("matrices:review_queue")},
    )


@workspace_user_required
@require_POST
def start(request):
    """Start a new draft of a regime (copied from the latest published version when there is one)."""
    form = StartDraftForm(request.POST)
    back = reverse("matrices:dashboard")
    if not form.is_valid():
        return _problem(request, InvalidInput(_("Choose a regime."), errors=form.errors), back)
    regime = Regime.objects.filter(code__iexact=form.cleaned_data["regime"]).first()
    if regime is None:
        return _problem(request, InvalidInput(_("Use 1540, CWC, NPT or BWC.")), back)
    user = request.user
    if user.is_state_official:
        state = user.state
    else:
        state = State.objects.filter(iso3=form.cleaned_data["state"].upper()).first()
        if state is None:
            return _problem(request, InvalidInput(_("Give the ISO alpha-3 code of the State.")), back)
        back = f"{back}?state={state.iso3}"
    try:
        matrix = services.start_draft(state, regime, acting_user=user)
    except DomainError as exc:
        return _problem(request, exc, back)
    messages.success(
        request,
        _("Version %(v)s of the %(regime)s matrix of %(state)s was started as a draft.")
        % {"v": matrix.version, "regime": regime.code, "state": state.name},
    )
    return redirect("matrices:workspace", pk=matrix.pk)


# ---------------------------------------------------------------------------------------------
# One version


def _overview(request, matrix, *, document_form=None, status=200):
    user = request.user
    specs = services.layout(matrix.template)
    comments = list(Comment.objects.filter(matrix=matrix).select_related("author"))
    sections = grid.build(matrix, comments=comments, specs=specs)
    section_of_row = {spec.row.code: spec.row for spec in specs}
    derived = []
    for view in sections:
        view.section.edit_url = _section_url(matrix.pk, view.section.code)
        for row in view.rows:
            for cell in row.cells:
                if cell.derived_from_regime:
                    cell.url = _section_url(matrix.pk, view.section.code, cell_anchor(cell.key))
                    derived.append(cell)
    for comment in comments:
        row = section_of_row.get(comment.row_code)
        comment.row = row
        if row is not None:
            comment.url = _section_url(
                matrix.pk, row.section.code, cell_anchor((comment.row_code, comment.column, comment.aspect))
            )
    versions = list(
        Matrix.objects.visible_to(user)
        .filter(state_id=matrix.state_id, regime_id=matrix.regime_id)
        .only("id", "version", "status", "state_id", "regime_id")
        .order_by("-version")
    )
    official = roles.is_official_of(user, matrix.state_id)
    reviewer = roles.is_reviewer(user)
    editable = services.can_edit(user, matrix)
    has_open = any(v.status in Matrix.OPEN_STATUSES for v in versions)
    context = {
        "matrix": matrix,
        "sections": sections,
        "comments": comments,
        "derived": derived,
        "versions": versions,
        "can_edit": editable,
        "is_official": official,
        "can_comment": (official or reviewer) and not matrix.is_published,
        "review_url": reverse("matrices:review", args=[matrix.pk]) if reviewer and not matrix.is_editable else None,
        "can_start": matrix.is_published and (official or reviewer) and not has_open,
        "document_form": document_form or DocumentForm(initial={"report_date": matrix.report_date}),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
        "totals": SimpleNamespace(
            covered=sum(s.covered for s in sections),
            applicable=sum(s.applicable for s in sections),
            gaps=sum(s.gaps for s in sections),
        ),
    }
    return render(request, "matrices/workspace/workspace.html", context, status=status)


@workspace_user_required
@require_safe
def workspace(request, pk):
    """Overview of one version: its dates, coverage per section, comments, derived cells, actions."""
    return _overview(request, _visible(request, pk))


def _section_grid(matrix, section, specs):
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


@workspace_user_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_section(request, pk, section):
    """The form of one section; saves only the cells the user changed, all or nothing.

    Each cell carries the token of the value the page showed: a cell someone else saved meanwhile
    is left as they saved it unless this user changed it too, which is a conflict shown with both
    values (409, nothing saved). A field the form refuses is shown with its error (400, nothing saved).
    """
    matrix = _visible(request, pk)
    sections = list(matrix.template.sections.order_by("order"))
    current = next((s for s in sections if section in (s.code, section_key(s.code))), None)
    if current is None:
        raise Http404(_("This matrix has no section %(section)s.") % {"section": section})
    for item in sections:
        item.edit_url = _section_url(matrix.pk, item.code)
    specs = [spec for spec in services.layout(matrix.template) if spec.row.section_id == current.pk]
    view, cells = _section_grid(matrix, current, specs)
    editable = services.can_edit(request.user, matrix)
    form, error, status = None, None, 200
    if request.method == "POST":
        if not editable:
            return _problem(request, _edit_refusal(matrix), current.edit_url)
        form = SectionForm(request.POST, cells=cells)
        if not form.is_valid():
            error, status = _("Some fields are not valid; nothing was saved."), 400
        elif not (changes := form.changed_cells()):
            messages.info(request, _("Nothing to save: no value was changed."))
            return redirect(current.edit_url)
        else:
            try:
                changed = services.update_cells(matrix, changes, acting_user=request.user, shown=form.shown_tokens())
            except InvalidInput as exc:
                form.add_cell_errors(exc.errors.get("cells", exc.message), changes)
                error, status = exc.message, 400
            except services.CellConflict as exc:
                view, cells = _section_grid(matrix, current, specs)
                form = form.after_conflict(cells, exc.conflicts)
                error, status = exc.message, 409
            except DomainError as exc:
                return _problem(request, exc, current.edit_url)
            else:
                return _saved(request, matrix, current, changed)
    elif editable:
        form = SectionForm(cells=cells)
    context = {
        "matrix": matrix,
        "section": current,
        "sections": sections,
        "view": view,
        "form": form,
        "error": error,
        "conflicts": [cell for cell in cells if cell.conflict],
        "editable": editable,
        "can_comment": (roles.is_official_of(request.user, matrix.state_id) or roles.is_reviewer(request.user))
        and not matrix.is_published,
        "mark_choices": Mark.choices,
        "comment_cells": cells,
    }
    return render(request, "matrices/workspace/edit_section.html", context, status=status)


def _saved(request, matrix, current, changed):
    if not changed:
        messages.info(request, _("Nothing to save: the values you changed are already saved."))
        return redirect(current.edit_url)
    note = _("Saved: %(n)s cell(s) changed in %(section)s.") % {"n": changed, "section": current.label}
    if not matrix.regime.is_1540:
        note += " " + _("The mapped cells of the 1540 matrix were updated from this report.")
    messages.success(request, note)
    return redirect(current.edit_url)


@workspace_user_required
@require_POST
def submit(request, pk):
    matrix = _visible(request, pk)
    back = reverse("matrices:workspace", args=[matrix.pk])
    try:
        services.submit(matrix, acting_user=request.user)
    except DomainError as exc:
        return _problem(request, exc, back)
    messages.success(request, _("Version %(v)s was submitted for review.") % {"v": matrix.version})
    return redirect(back)


@workspace_user_required
@require_POST
def consent(request, pk):
    matrix = _visible(request, pk)
    back = reverse("matrices:workspace", args=[matrix.pk])
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _problem(request, InvalidInput(_("Say whether you give (1) or withdraw (0) consent.")), back)
    given = form.cleaned_data["consent"]
    try:
        matrix = services.set_consent(matrix, consent=given, acting_user=request.user)
    except DomainError as exc:
        return _problem(request, exc, back)
    if given and matrix.is_published:
        messages.success(request, _("Consent given: version %(v)s is now published.") % {"v": matrix.version})
    elif given:
        messages.success(
            request, _("Consent given: version %(v)s will be published once approved.") % {"v": matrix.version}
        )
    else:
        messages.success(request, _("Consent to publish version %(v)s was withdrawn.") % {"v": matrix.version})
    return redirect(back)


@workspace_user_required
@require_POST
def upload_document(request, pk):
    """Attach the national report (PDF or Word) with its date."""
    matrix = _visible(request, pk)
    if not services.can_edit(request.user, matrix):
        return _problem(request, _edit_refusal(matrix), reverse("matrices:workspace", args=[matrix.pk]))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_report(
                matrix,
                document=form.cleaned_data["document"],
                report_date=form.cleaned_data["report_date"],
                acting_user=request.user,
            )
        except InvalidInput as exc:
            for field, problems in exc.errors.items():
                for message in problems:
                    form.add_error(field if field in form.fields else None, message)
        except DomainError as exc:
            return _problem(request, exc, reverse("matrices:workspace", args=[matrix.pk]))
        else:
            messages.success(request, _("The national report was attached."))
            return redirect("matrices:workspace", pk=matrix.pk)
    return _overview(request, matrix, document_form=form, status=400)


@require_safe
def download_document(request, pk):
    """The national report of a version, to whoever may see the version (anyone, once published)."""
    try:
        matrix = services.get_visible(request.user, pk)
    except NotVisible:
        raise Http404(_("No matrix version %(id)s that you may see.") % {"id": pk}) from None
    if not matrix.document:
        raise Http404(_("No national report is attached to this version."))
    try:
        handle = matrix.document.open("rb")
    except FileNotFoundError:
        raise Http404(_("No national report is attached to this version.")) from None
    name = os.path.basename(matrix.document.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=DOCUMENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream"),
    )
    response["Cache-Control"] = "public, max-age=300" if matrix.is_published else "private, no-store"
    return response


@workspace_user_required
@require_POST
def comment(request, pk):
    """A comment on one cell: experts review, officials answer."""
    matrix = _visible(request, pk)
    form = CommentForm(request.POST)
    back = reverse("matrices:workspace", args=[matrix.pk])
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = next_url
    if not form.is_valid():
        return render(
            request,
            "matrices/workspace/comment.html",
            {"matrix": matrix, "form": form, "back_url": back},
            status=400,
        )
    data = form.cleaned_data
    try:
        services.add_comment(
            matrix,
            row=data["row"],
            column=data["column"],
            aspect=data["aspect"],
            body=data["body"],
            acting_user=request.user,
        )
    except InvalidInput as exc:
        for field, problems in exc.errors.items():
            for message in problems:
                form.add_error("body" if field == "body" else None, message)
        return render(
            request,
            "matrices/workspace/comment.html",
            {"matrix": matrix, "form": form, "back_url": back},
            status=400,
        )
    except DomainError as exc:
        return _problem(request, exc, back)
    messages.success(request, _("Your comment on %(row)s was added.") % {"row": data["row"]})
    return redirect(back)


# ---------------------------------------------------------------------------------------------
# Gaps


@workspace_user_required
@require_safe
def gaps(request):
    """The State's gaps (applicable cells blank or `?`) by regime and section, to ask for assistance."""
    state = _state_for(request)
    if state is None:
        return _pick_state(request, _("A State's gaps"), reverse("matrices:gaps"))
    data = services.state_gaps(state, request.user)
    regimes = {}
    for gap in data["gaps"]:
        regime = regimes.setdefault(
            gap["regime"],
            {"code": gap["regime"], "version": gap["version"], "matrix": gap["matrix"], "count": 0, "sections": {}},
        )
        section = regime["sections"].setdefault(
            gap["section"],
            {"code": gap["section"], "url": _section_url(gap["matrix"], gap["section"]), "gaps": [], "columns": {}},
        )
        gap["value"] = "|".join(str(part) for part in (gap["matrix"], gap["row"], gap["column"], gap["aspect"]))
        gap["url"] = _section_url(
            gap["matrix"], gap["section"], cell_anchor((gap["row"], gap["column"], gap["aspect"]))
        )
        section["gaps"].append(gap)
        section["columns"][gap["column"]] = section["columns"].get(gap["column"], 0) + 1
        regime["count"] += 1
    labels = {(s["regime"], s["section"]): s for s in data["sections"]}
    grouped = []
    for regime in regimes.values():
        sections = []
        for section in regime["sections"].values():
            summary = labels[(regime["code"], section["code"])]
            section["label"] = summary["label"]
            section["count"] = summary["count"]
            section["columns"] = sorted(section["columns"].items(), key=lambda item: _column_order(item[0]))
            sections.append(section)
        regime["sections"] = sections
        grouped.append(regime)
    return render(
        request,
        "matrices/workspace/gaps.html",
        {
            "state": state,
            "regimes": grouped,
            "total": data["total"],
            "assistance_url": reverse("assistance:new_request"),  # where the selected gaps go
        },
    )


def _column_order(column):
    return ["ALL", "NW", "CW", "BW"].index(column) if column in ("ALL", "NW", "CW", "BW") else 9


urlpatterns = [
    path("workspace/", dashboard, name="dashboard"),
    path("workspace/start/", start, name="start"),
    path("workspace/gaps/", gaps, name="gaps"),
    path("workspace/<int:pk>/", workspace, name="workspace"),
    path("workspace/<int:pk>/section/<str:section>/", edit_section, name="edit_section"),
    path("workspace/<int:pk>/document/", upload_document, name="upload_document"),
    path("workspace/<int:pk>/document/download/", download_document, name="download_document"),
    path("workspace/<int:pk>/submit/", submit, name="submit"),
    path("workspace/<int:pk>/consent/", consent, name="consent"),
    path("workspace/<int:pk>/comment/", comment, name="comment"),
]
