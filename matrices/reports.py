"""A State's national reports: uploading one, citing it from a matrix version, and who sees which.

A State reports to the Committee several times: a first report, then additional ones, each dated, in
its language, with its file. Each matrix version cites the report it was built from. The files go
through Django's default storage (the local disk, or an S3-compatible store shared by several web
servers: `STORAGES` in the settings) and are only ever served through the portal's views, after the
same visibility check as here.

Each write is atomic and leaves an audit event in the same transaction.
"""

import os
import uuid

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from matrices import services
from matrices.models import Matrix, NationalReport
from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.services import record
from portal.core.exceptions import InvalidInput, NotAllowed, NotVisible

TITLE_MAX = NationalReport._meta.get_field("title").max_length

# ---------------------------------------------------------------------------------------------
# Who sees which report


def visible_reports(user, state):
    """The State's reports `user` may see, newest first, each with `cited_by`: the matrix
    versions citing it that `user` may see. Two queries, however many reports and versions."""
    citing = Matrix.objects.visible_to(user).select_related("regime").order_by("regime__order", "version")
    return state_reports(user, state).prefetch_related(Prefetch("matrices", queryset=citing, to_attr="cited_by"))


def state_reports(user, state):
    """The State's reports `user` may see, newest first. One query."""
    return NationalReport.objects.visible_to(user).filter(state=state).order_by("-report_date", "-id")


def state_page_section(request, state) -> dict:
    """The national reports on a State's public page (`matrices/_national_reports.html`), registered
    by `MatricesConfig.ready`: those `request.user` may see, each with the versions citing it. Two
    queries (the reports, and the versions citing them), however many there are."""
    national_reports = list(visible_reports(request.user, state))
    for report in national_reports:
        for matrix in report.cited_by:
            matrix.state = state
    return {"national_reports": national_reports}


def get_visible(user, pk) -> NationalReport:
    """The report `pk` if `user` may see it; NotVisible (404) otherwise."""
    report = NationalReport.objects.visible_to(user).select_related("state").filter(pk=pk).first()
    if report is None:
        raise NotVisible(_("No national report %(id)s that you may see.") % {"id": pk})
    return report


def is_public(report: NationalReport) -> bool:
    """Whether anyone may see the report (its State has a published matrix version)."""
    return NationalReport.objects.visible_to(None).filter(pk=report.pk).exists()


def can_upload(user, state) -> bool:
    """The State's officials and the Committee's experts add a State's reports."""
    return is_official_of(user, state.pk) or is_reviewer(user)


# ---------------------------------------------------------------------------------------------
# Uploading and citing


def _report_errors(*, document, report_date, title, language, kind) -> dict:
    errors = {}
    problems = services.check_report_document(document)
    if problems:
        errors["document"] = problems
    if report_date is None:
        errors["report_date"] = [_("Give the date of the national report.")]
    elif report_date > timezone.localdate():
        errors["report_date"] = [_("The date of the report cannot be in the future.")]
    if len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title under %(max)s characters.") % {"max": TITLE_MAX}]
    if language not in NationalReport.Language.values:
        errors["language"] = [_("Choose the language of the report.")]
    if kind is not None and kind not in NationalReport.Kind.values:
        errors["kind"] = [_("Say whether this is the State's first report or an additional one.")]
    return errors


def _default_title(state, kind) -> str:
    if kind == NationalReport.Kind.FIRST:
        return _("First national report of %(state)s") % {"state": state.name}
    return _("Additional national report of %(state)s") % {"state": state.name}


@transaction.atomic
def upload(state, *, document, report_date, acting_user, title="", language="en", kind=None) -> NationalReport:
    """Add a national report of `state` (a PDF or Word file): by the State's officials or the experts.

    `kind` None: the State's first report if it has none yet, else an additional one. `title` blank:
    a title from the State and the date. InvalidInput (400) and nothing stored when a field is wrong.
    """
    if not can_upload(acting_user, state):
        raise NotAllowed(_("Only the State's officials and the Committee's experts may add its national reports."))
    title = (title or "").strip()
    errors = _report_errors(document=document, report_date=report_date, title=title, language=language, kind=kind)
    if errors:
        raise InvalidInput(_("The national report was not added."), errors=errors)
    # Lock the State's row: two uploads at once cannot both become its first report.
    type(state).objects.select_for_update().filter(pk=state.pk).first()
    if kind is None:
        has_reports = NationalReport.objects.filter(state=state).exists()
        kind = NationalReport.Kind.ADDITIONAL if has_reports else NationalReport.Kind.FIRST
    report = NationalReport(
        state=state,
        kind=kind,
        title=title or _default_title(state, kind),
        report_date=report_date,
        language=language,
        uploaded_by=acting_user,
    )
    # The stored name is ours, never the uploader's; unique, as an S3 store overwrites a name it has.
    extension = os.path.splitext(document.name)[1].lower()
    name = f"{state.iso3}-national-report-{report_date.isoformat()}-{uuid.uuid4().hex[:12]}{extension}"
    report.document.save(name, document, save=False)
    stored = report.document.name
    try:
        report.save()
        record(
            "report.upload",
            report,
            actor=acting_user,
            after={
                "state": state.iso3,
                "kind": kind,
                "title": report.title,
                "report_date": report_date.isoformat(),
                "language": language,
                "document": stored,
            },
        )
    except Exception:
        report.document.storage.delete(stored)  # nothing is left behind when the row is not saved
        raise
    return report


@transaction.atomic
def cite(matrix: Matrix, report: NationalReport, *, acting_user) -> Matrix:
    """The editable version `matrix` was built from `report`, a report of the same State. Its date and
    file are repeated on the version (exports and older links read them)."""
    matrix = Matrix.objects.select_for_update().select_related("state", "regime").get(pk=matrix.pk)
    services._require_edit(acting_user, matrix)
    if report.state_id != matrix.state_id:
        raise InvalidInput(
            _("A version cites a national report of its own State."),
            errors={"report": [_("Choose a report of %(state)s.") % {"state": matrix.state.name}]},
        )
    before = {"report": matrix.report_id, "report_date": matrix.report_date and matrix.report_date.isoformat()}
    matrix.report = report
    matrix.report_date = report.report_date
    matrix.document.name = report.document.name
    matrix.save(update_fields=["report", "report_date", "document", "updated_at"])
    Matrix.objects.filter(pk=matrix.pk).update(revision=F("revision") + 1)
    record(
        "matrix.cite_report",
        matrix,
        actor=acting_user,
        before=before,
        after={"report": report.pk, "report_date": report.report_date.isoformat()},
    )
    return matrix


@transaction.atomic
def add_to_version(matrix: Matrix, *, document, report_date, acting_user, **fields) -> NationalReport:
    """Add a national report of the version's State and cite it from the version (the workspace's
    form): refused as the version's edits are, before anything is stored."""
    matrix = Matrix.objects.select_for_update().select_related("state", "regime").get(pk=matrix.pk)
    services._require_edit(acting_user, matrix)
    report = upload(matrix.state, document=document, report_date=report_date, acting_user=acting_user, **fields)
    cite(matrix, report, acting_user=acting_user)
    return report
