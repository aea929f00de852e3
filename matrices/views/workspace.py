"""The State's workspace: where a State official (or an expert preparing a draft for a State) reports a
matrix section by section, attaches the national report, answers review comments, submits, gives
consent to publish, and sees the State's gaps.

Thin views: they parse the input, call `matrices.selectors` or `matrices.services`, and render. A refused
action raises its `DomainError`, which the error page shows with its status. Every page runs a
constant number of SQL queries whatever the number of cells.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from matrices import reports, selectors, services
from matrices.forms import (
    CellSaveForm,
    CiteReportForm,
    ConsentForm,
    DocumentForm,
    EntriesLanguageForm,
    PickStateForm,
    ReplyForm,
    SectionForm,
    StartDraftForm,
    cell_anchor,
)
from matrices.models import Mark, Matrix
from portal.accounts.decorators import workspace_required
from portal.core import uploads
from portal.core.exceptions import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    PublishedImmutable,
)
from portal.core.templatetags.portal_tags import moment


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


def _require_edit(user, matrix):
    if not services.can_edit(user, matrix):
        raise _edit_refusal(matrix)


def _state_for(request):
    """The State a page is about: the official's own; for experts `?state=ISO3` (None when not given)."""
    if request.user.is_state_official:
        return request.user.state
    return selectors.state_named(request.GET.get("state"))


def _can_comment(user, matrix) -> bool:
    return (user.is_official_of(matrix.state_id) or user.is_reviewer) and not matrix.is_published


# ---------------------------------------------------------------------------------------------
# Dashboard and new drafts


@workspace_required
@require_safe
def dashboard(request):
    """A State's four regimes with every version, coverage, and a button to start a new draft."""
    state = _state_for(request)
    if state is None:
        return redirect("matrices:review_queue")
    context = {
        "state": state,
        "regimes": selectors.dashboard(request.user, state),
        "review_queue_url": reverse("matrices:review_queue"),
    }
    return render(request, "matrices/workspace/dashboard.html", context)


@workspace_required
@require_POST
def start(request):
    """Start a new draft of a regime (copied from the latest published version when there is one)."""
    form = StartDraftForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose a regime."), errors=form.errors)
    regime = selectors.regime_coded(form.cleaned_data["regime"])
    if regime is None:
        raise InvalidInput(_("Use 1540, CWC, NPT or BWC."))
    user = request.user
    if user.is_state_official:
        state = user.state
    else:
        state = selectors.state_coded(form.cleaned_data["state"])
        if state is None:
            raise InvalidInput(_("Give the ISO alpha-3 code of the State."))
    matrix = services.start_draft(state, regime, acting_user=user)
    messages.success(
        request,
        _("Version %(v)s of the %(regime)s matrix of %(state)s was started as a draft.")
        % {"v": matrix.version, "regime": regime.code, "state": state.name},
    )
    return redirect("matrices:workspace", pk=matrix.pk)


# ---------------------------------------------------------------------------------------------
# One version


def _overview(request, matrix, *, document_form=None, cite_form=None, language_form=None, status=200):
    user = request.user
    data = selectors.overview(user, matrix)
    state_reports = list(reports.state_reports(user, matrix.state))
    official, reviewer = user.is_official_of(matrix.state_id), user.is_reviewer
    has_open = any(v.status in Matrix.OPEN_STATUSES for v in data["versions"])
    context = {
        "matrix": matrix,
        **data,
        "can_edit": services.can_edit(user, matrix),
        "is_official": official,
        "can_comment": _can_comment(user, matrix),
        "review_url": reverse("matrices:review", args=[matrix.pk]) if reviewer and not matrix.is_editable else None,
        "can_start": matrix.is_published and (official or reviewer) and not has_open,
        "document_form": document_form or DocumentForm(),
        "state_reports": state_reports,
        "cited_report": next((report for report in state_reports if report.pk == matrix.report_id), None),
        "cite_form": cite_form or CiteReportForm(initial={"report": matrix.report_id}, reports=state_reports),
        "language_form": language_form or EntriesLanguageForm(initial={"language": matrix.language}),
    }
    return render(request, "matrices/workspace/workspace.html", context, status=status)


@workspace_required
@require_safe
def workspace(request, pk):
    """Overview of one version: its dates, coverage per section, comments, derived cells, actions."""
    return _overview(request, selectors.visible_matrix(request.user, pk))


@workspace_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_section(request, pk, section):
    """One section: the grid (with JavaScript: keyboard entry and autosave through `save_cell`), or the
    form (`?form=1`, and what the grid's cells link to without JavaScript). The form saves only the
    cells the user changed, all or nothing.

    Each cell carries the token of the value the page showed: a cell someone else saved meanwhile
    is left as they saved it unless this user changed it too, which is a conflict shown with both
    values (409, nothing saved). A field the form refuses is shown with its error (400, nothing saved).
    """
    matrix = selectors.visible_matrix(request.user, pk)
    sections, current = selectors.matrix_sections(matrix, section)
    if current is None:
        raise NotFound(_("This matrix has no section %(section)s.") % {"section": section})
    layout = selectors.template_layout(matrix)
    specs = selectors.section_specs(matrix, current, layout)
    view, cells = selectors.section_grid(matrix, current, specs, sections=sections, layout=layout)
    editable = services.can_edit(request.user, matrix)
    as_form = request.method == "POST" or bool(request.GET.get("form"))
    form, error, status = None, None, 200
    if request.method != "POST":
        # The grid's page carries the form too, for browsers without JavaScript (in <noscript>).
        form = SectionForm(cells=cells) if editable else None
    else:
        _require_edit(request.user, matrix)
        form = SectionForm(request.POST, cells=cells)
        if not form.is_valid():
            error, status = _("Some fields are not valid; nothing was saved."), 400
        elif not (changes := form.changed_cells()):
            messages.info(request, _("Nothing to save: no value was changed."))
            return redirect(_section_url(request, current))
        else:
            try:
                changed = services.update_cells(matrix, changes, acting_user=request.user, shown=form.shown_tokens())
            except InvalidInput as exc:
                form.add_cell_errors(exc.errors.get("cells", exc.message), changes)
                error, status = exc.message, 400
            except services.CellConflict as exc:
                view, cells = selectors.section_grid(matrix, current, specs)
                form = form.after_conflict(cells, exc.conflicts)
                error, status = exc.message, 409
            else:
                return _saved(request, matrix, current, changed, changes)
    can_comment = _can_comment(request.user, matrix)
    context = {
        "matrix": matrix,
        "section": current,
        "sections": sections,
        "view": view,
        "form": form,
        "grid": editable and not as_form,
        "form_url": f"{current.edit_url}?form=1",
        "save_cell_url": reverse("matrices:save_cell", args=[matrix.pk, selectors.section_key(current.code)]),
        "error": error,
        "conflicts": [cell for cell in cells if cell.conflict],
        "editable": editable,
        "can_comment": can_comment,
        "mark_choices": Mark.choices,
        "comment_cells": cells,
        "comment_form": ReplyForm(cells=cells) if can_comment else None,
    }
    return render(request, "matrices/workspace/edit_section.html", context, status=status)


def _section_url(request, current) -> str:
    """The section's page as the user edits it: the form when they came from it, else the grid."""
    return f"{current.edit_url}?form=1" if request.GET.get("form") else current.edit_url


def _saved(request, matrix, current, changed, changes):
    """Back to the section, at the first cell the user changed: they keep their place."""
    if not changed:
        messages.info(request, _("Nothing to save: the values you changed are already saved."))
        return redirect(_section_url(request, current))
    note = _("Saved: %(n)s cell(s) changed in %(section)s.") % {"n": changed, "section": current.label}
    if not matrix.regime.is_1540:
        note += " " + _("The mapped cells of the 1540 matrix were updated from this report.")
    messages.success(request, note)
    first = changes[0]
    return redirect(f"{_section_url(request, current)}#{cell_anchor((first['row'], first['column'], first['aspect']))}")


@workspace_required
@require_POST
def save_cell(request, pk, section):
    """The grid's autosave: one cell (or several, for a bulk action) of a section, all or nothing, through
    the same service and checks as the section form. Answers JSON: the cells as stored now with their
    new tokens, when, and the section's progress; 400 with the errors per cell (nothing saved); 409
    with both values of each conflicting cell (nothing saved); 403/404 as the form would refuse."""
    try:
        matrix = selectors.visible_matrix(request.user, pk)
        current = selectors.matrix_sections(matrix, section)[1]
        if current is None:
            raise NotFound(_("This matrix has no section %(section)s.") % {"section": section})
        _require_edit(request.user, matrix)
        cell_forms = CellSaveForm.from_post(request.POST)
        if not cell_forms:
            raise InvalidInput(_("Send the cells to save."), errors={"cells": [_("Send the cells to save.")]})
        errors = {str(i): dict(f.errors) for i, f in enumerate(cell_forms) if not f.is_valid()}
        if errors:
            raise InvalidInput(_("Some fields are not valid; nothing was saved."), errors={"cells": errors})
        specs = selectors.section_specs(matrix, current)
        in_section = {spec.key for spec in specs}
        changes = [f.change() for f in cell_forms]
        outside = {
            str(i): {"column": [_("This cell is not in section %(s)s.") % {"s": current.label}]}
            for i, f in enumerate(cell_forms)
            if f.key not in in_section
        }
        if outside:
            raise InvalidInput(_("Some cells are not in this section; nothing was saved."), errors={"cells": outside})
        shown = {f.key: f.cleaned_data["shown"] for f in cell_forms if f.cleaned_data["shown"]}
        changed = services.update_cells(matrix, changes, acting_user=request.user, shown=shown)
    except services.CellConflict as exc:
        return JsonResponse(_conflict_answer(exc), status=409)
    except InvalidInput as exc:
        return JsonResponse(_invalid_answer(exc, request.POST), status=400)
    except DomainError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)
    progress, stored = selectors.section_saved(matrix, current, specs)
    now = timezone.now()
    cells = []
    for change in changes:
        key = (change["row"], change["column"], change["aspect"])
        value = stored.get(key) or {"mark": "", "source": "", "remarks": "", "overridden": False}  # blanked
        at = value.get("updated_at") or now
        cells.append(
            {
                "row": key[0],
                "column": key[1],
                "aspect": key[2],
                "mark": value["mark"],
                "source": value["source"],
                "remarks": value["remarks"],
                "overridden": value["overridden"],
                "token": services.cell_token(value["mark"], value["source"], value["remarks"]),
                "saved_at": at.isoformat(),
            }
        )
    return JsonResponse(
        {
            "changed": changed,
            "cells": cells,
            "saved_at": now.isoformat(),
            "progress": vars(progress),
        }
    )


def _invalid_answer(exc, data) -> dict:
    """A 400 of the autosave: the message, and per cell sent (by position) its errors per field."""
    problems = exc.errors.get("cells", {}) if isinstance(exc.errors, dict) else {}
    if not isinstance(problems, dict):
        return {"error": exc.message, "cells": []}
    rows, columns, aspects = data.getlist("row"), data.getlist("column"), data.getlist("aspect")
    cells = []
    for index, fields in problems.items():
        i = int(index)
        cells.append(
            {
                "row": rows[i] if i < len(rows) else "",
                "column": columns[i] if i < len(columns) else "",
                "aspect": aspects[i] if i < len(aspects) else "",
                "errors": {field: [str(m) for m in messages_] for field, messages_ in fields.items()},
            }
        )
    return {"error": exc.message, "cells": cells}


def _conflict_answer(exc) -> dict:
    """A 409 of the autosave: each conflicting cell with both values, who saved theirs and when, and the
    token of the value saved now (sending it again with the user's value keeps theirs)."""
    conflicts = []
    for conflict in exc.conflicts:
        saved = conflict["saved"]
        conflicts.append(
            {
                "row": conflict["row"],
                "column": conflict["column"],
                "aspect": conflict["aspect"],
                "yours": conflict["yours"],
                "saved": saved,
                "by": conflict["by"] or "",
                "at": moment(conflict["at"]) if conflict["at"] else "",
                "token": services.cell_token(saved["mark"], saved["source"], saved["remarks"]),
            }
        )
    return {"error": exc.message, "conflicts": conflicts}


@workspace_required
@require_POST
def submit(request, pk):
    matrix = services.submit(selectors.visible_matrix(request.user, pk), acting_user=request.user)
    messages.success(request, _("Version %(v)s was submitted for review.") % {"v": matrix.version})
    return redirect("matrices:workspace", pk=matrix.pk)


@workspace_required
@require_POST
def consent(request, pk):
    matrix = selectors.visible_matrix(request.user, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Say whether you give (1) or withdraw (0) consent."))
    given = form.cleaned_data["consent"]
    matrix = services.set_consent(matrix, consent=given, acting_user=request.user)
    if given and matrix.is_published:
        messages.success(request, _("Consent given: version %(v)s is now published.") % {"v": matrix.version})
    elif given:
        messages.success(
            request, _("Consent given: version %(v)s will be published once approved.") % {"v": matrix.version}
        )
    else:
        messages.success(request, _("Consent to publish version %(v)s was withdrawn.") % {"v": matrix.version})
    return redirect("matrices:workspace", pk=matrix.pk)


@workspace_required
@require_POST
def upload_document(request, pk):
    """Add a national report (PDF or Word) of the State, with its date, and cite it from this version."""
    matrix = selectors.visible_matrix(request.user, pk)
    _require_edit(request.user, matrix)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reports.add_to_version(
                matrix,
                document=data["document"],
                report_date=data["report_date"],
                title=data["title"],
                language=data["language"],
                kind=data["kind"],
                acting_user=request.user,
            )
        except InvalidInput as exc:
            for field, problems in exc.errors.items():
                for message in problems:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The national report was added; this version is built from it."))
            return redirect("matrices:workspace", pk=matrix.pk)
    return _overview(request, matrix, document_form=form, status=400)


@workspace_required
@require_POST
def cite_report(request, pk):
    """This version is built from one of the State's national reports."""
    matrix = selectors.visible_matrix(request.user, pk)
    _require_edit(request.user, matrix)
    state_reports = list(reports.state_reports(request.user, matrix.state))
    form = CiteReportForm(request.POST, reports=state_reports)
    if form.is_valid():
        report = next(report for report in state_reports if report.pk == form.cleaned_data["report"])
        reports.cite(matrix, report, acting_user=request.user)
        messages.success(request, _("This version is now built from “%(title)s”.") % {"title": report.title})
        return redirect("matrices:workspace", pk=matrix.pk)
    return _overview(request, matrix, cite_form=form, status=400)


@workspace_required
@require_POST
def entries_language(request, pk):
    """Say which language the State's entries of this version are written in (they stay as written)."""
    matrix = selectors.visible_matrix(request.user, pk)
    _require_edit(request.user, matrix)
    form = EntriesLanguageForm(request.POST)
    if form.is_valid():
        services.set_language(matrix, language=form.cleaned_data["language"], acting_user=request.user)
        messages.success(request, _("The language of the entries of this version was saved."))
        return redirect("matrices:workspace", pk=matrix.pk)
    return _overview(request, matrix, language_form=form, status=400)


def _document_response(document, *, public):
    """A stored report file as an attachment, streamed from the storage (never a link to it)."""
    return uploads.document_response(document, public=public, missing=_("The file of this national report is missing."))


@require_safe
def download_document(request, pk):
    """The national report a version was built from, to whoever may see the version (anyone, once
    published)."""
    matrix = services.get_visible(request.user, pk)
    document = matrix.report.document if matrix.report_id else matrix.document
    if not document:
        raise NotFound(_("No national report is attached to this version."))
    return _document_response(document, public=matrix.is_published)


@require_safe
def download_report(request, pk):
    """A national report, to whoever may see it (`NationalReport.objects.visible_to`); 404 otherwise."""
    report = reports.get_visible(request.user, pk)
    return _document_response(report.document, public=reports.is_public(report))


def _back_url(request, matrix):
    """Where to go after a comment: the page it was written on (`next`, when it is ours), or the overview."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("matrices:workspace", args=[matrix.pk])


@workspace_required
@require_POST
def comment(request, pk):
    """A comment on one cell: experts review, officials answer."""
    matrix = selectors.visible_matrix(request.user, pk)
    form = ReplyForm(request.POST)
    back = _back_url(request, matrix)
    if form.is_valid():
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
        else:
            messages.success(request, _("Your comment on %(row)s was added.") % {"row": data["row"]})
            return redirect(back)
    context = {"matrix": matrix, "form": form, "back_url": back}
    return render(request, "matrices/workspace/comment.html", context, status=400)


# ---------------------------------------------------------------------------------------------
# Gaps


@workspace_required
@require_safe
def gaps(request):
    """The State's gaps (applicable cells blank or `?`) by regime and section, to ask for assistance."""
    state = _state_for(request)
    if state is None:
        context = {
            "form": PickStateForm(),
            "title": _("A State's gaps"),
            "target": reverse("matrices:gaps"),
        }
        return render(request, "matrices/workspace/pick_state.html", context)
    context = {
        "state": state,
        **selectors.state_gaps(request.user, state),
        "assistance_url": reverse("assistance:new_request"),  # where the selected gaps go
    }
    return render(request, "matrices/workspace/gaps.html", context)
