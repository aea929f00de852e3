"""Everything that changes a matrix: drafts, cells, report-once derivation, review and publication.

Views, API views and commands call these functions; none of them changes a matrix by itself.
Each write is atomic and leaves audit events in the same transaction.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrices.models import MAX_TEXT, Aspect, Cell, Comment, Mapping, Mark, Matrix, Regime, ReviewRound, Row, Template
from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.core.exceptions import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotVisible,
    PublishedImmutable,
)
from portal.core.text import text_errors
from portal.core.uploads import document_errors
from portal.core.usertext import check as check_language

CELL_FIELDS = ("mark", "source", "remarks")
# Anything that looks like an HTML tag: sources and remarks are plain text.
# The strongest mark wins when several checklist items fill the same 1540 cell.
MARK_STRENGTH = {Mark.YES: 3, Mark.PARTIAL: 2, Mark.NOT_APPLICABLE: 1, Mark.BLANK: 0}
S = Matrix.Status


# ---------------------------------------------------------------------------------------------
# Who may do what


def get_visible(user, pk, queryset=None) -> Matrix:
    """The matrix version `pk` if `user` may see it; NotVisible (404) otherwise."""
    queryset = (queryset if queryset is not None else Matrix.objects).visible_to(user)
    matrix = queryset.select_related("state", "regime", "template").filter(pk=pk).first()
    if matrix is None:
        raise NotVisible(_("No matrix version %(id)s that you may see.") % {"id": pk})
    return matrix


def can_edit(user, matrix: Matrix) -> bool:
    """Officials edit their State's drafts; experts edit the drafts they prepare for a State."""
    if not matrix.is_editable:
        return False
    return is_official_of(user, matrix.state_id) or (is_reviewer(user) and matrix.prepared_by_expert)


def _require_edit(user, matrix):
    if matrix.is_published:
        raise PublishedImmutable()
    if not (is_official_of(user, matrix.state_id) or is_reviewer(user)):
        raise NotAllowed(_("Only the State's officials and the Committee's experts may change this matrix."))
    if not matrix.is_editable:
        raise InvalidTransition(
            _("Version %(v)s is %(status)s: it can be edited only as a draft or after changes are requested.")
            % {"v": matrix.version, "status": matrix.get_status_display()},
            code="not-editable",
        )
    if not can_edit(user, matrix):
        raise NotAllowed(_("The Committee's experts edit only the drafts they prepare for a State."))


# ---------------------------------------------------------------------------------------------
# Layout of a template


@dataclass(frozen=True)
class CellSpec:
    row: Row
    column: str
    aspect: str

    @property
    def key(self):
        return (self.row.code, self.column, self.aspect)


# Set by `cached_layouts()`: {template id: layout} for batch writers (seed_demo), None otherwise.
_layouts: ContextVar[dict | None] = ContextVar("layouts", default=None)


@contextmanager
def cached_layouts():
    """Within the block, each template's layout is read once (templates must not change meanwhile)."""
    token = _layouts.set({})
    try:
        yield
    finally:
        _layouts.reset(token)


def layout(template: Template) -> list[CellSpec]:
    """Every cell of a template, in display order (retired rows left out). Two queries."""
    cache = _layouts.get()
    if cache is not None and template.pk in cache:
        return cache[template.pk]
    regime_column = template.regime.column
    rows = template.rows.filter(retired=False).select_related("section").order_by("section__order", "order")
    specs = [CellSpec(row, column, aspect) for row in rows for column, aspect in row.cell_keys(regime_column)]
    if cache is not None:
        cache[template.pk] = specs
    return specs


def _latest_template(regime: Regime) -> Template:
    return regime.templates.select_related("regime").order_by("-version").first()


# ---------------------------------------------------------------------------------------------
# Drafts


@transaction.atomic
def start_draft(state, regime: Regime, *, acting_user, language=None) -> Matrix:
    """A new draft version, copied from the latest published one when there is one.

    The language of its entries is the one given, else its predecessor's, else the writer's
    interface language (portal/core/usertext.py)."""
    official = is_official_of(acting_user, state.pk)
    if not (official or is_reviewer(acting_user)):
        raise NotAllowed(_("Only the State's officials and the Committee's experts may start a matrix."))
    # Lock the State's row so that two concurrent starts cannot both pass the check below.
    type(state).objects.select_for_update().filter(pk=state.pk).first()
    versions = Matrix.objects.filter(state=state, regime=regime)
    open_version = versions.open().order_by("-version").first()
    if open_version is not None:
        raise InvalidTransition(
            _("%(state)s already has an open %(regime)s version (v%(v)s, %(status)s).")
            % {
                "state": state.name,
                "regime": regime.code,
                "v": open_version.version,
                "status": open_version.get_status_display(),
            },
            code="open-version-exists",
        )
    template = _latest_template(regime)
    based_on = versions.published().order_by("-version").first()
    errors = {}
    language = check_language(language or (based_on.language if based_on else None), errors)
    if errors:
        raise InvalidInput(_("The matrix was not started."), errors=errors)
    matrix = Matrix.objects.create(
        state=state,
        regime=regime,
        template=template,
        version=(versions.aggregate(v=Max("version"))["v"] or 0) + 1,
        based_on=based_on,
        prepared_by_expert=not official,
        created_by=acting_user,
        report_date=based_on.report_date if based_on else None,
        # A new version cites the national report its predecessor was built from, until another is cited.
        report=based_on.report if based_on else None,
        document=based_on.document.name if based_on and based_on.document else "",
        language=language,
    )
    if based_on is not None:
        rows = {row.code: row for row in template.rows.all()}
        Cell.objects.bulk_create(
            Cell(
                matrix=matrix,
                row=rows[cell.row.code],
                column=cell.column,
                aspect=cell.aspect,
                mark=cell.mark,
                source=cell.source,
                remarks=cell.remarks,
                derived_from_regime=cell.derived_from_regime,
                derived_from_row=cell.derived_from_row,
                overridden=cell.overridden,
                updated_by_id=cell.updated_by_id,
            )
            for cell in based_on.cells.select_related("row")
            if cell.row.code in rows and not rows[cell.row.code].retired
        )
    record(
        "matrix.create",
        matrix,
        actor=acting_user,
        after={"version": matrix.version, "based_on": based_on and based_on.pk, "language": matrix.language},
    )
    if regime.is_1540:
        rederive(matrix)
    return matrix


@transaction.atomic
def set_language(matrix: Matrix, *, language: str, acting_user, revision=None) -> Matrix:
    """Say which language the State's entries of an editable version are written in (they stay as written)."""
    matrix = Matrix.objects.select_for_update().get(pk=matrix.pk)
    _require_edit(acting_user, matrix)
    if revision is not None:
        accepted = {revision} if isinstance(revision, int) else set(revision)
        if matrix.revision not in accepted:
            raise StaleVersion()
    errors = {}
    language = check_language(language, errors)
    if errors:
        raise InvalidInput(_("The language was not saved."), errors=errors)
    if language == matrix.language:
        return matrix
    before = {"language": matrix.language}
    Matrix.objects.filter(pk=matrix.pk).update(language=language, updated_at=timezone.now(), revision=F("revision") + 1)
    matrix.refresh_from_db()
    record("matrix.language", matrix, actor=acting_user, before=before, after={"language": language})
    return matrix


def _clean_text(value, field, errors):
    value, problems = text_errors(value, max_length=MAX_TEXT)
    if problems:
        errors.setdefault(field, []).extend(problems)
    return value


def validate_cells(matrix: Matrix, cells, specs=None) -> dict:
    """Check a list of cell dicts against the matrix's template.

    Returns {(row, column, aspect): {"mark", "source", "remarks"}}; raises InvalidInput with the
    errors per position in the list (`{"3": {"mark": [...]}}`) when anything is wrong.
    """
    if not isinstance(cells, list) or not cells:
        raise InvalidInput(_("Send a non-empty list of cells."), errors={"cells": [_("Send a non-empty list.")]})
    specs = specs if specs is not None else layout(matrix.template)
    allowed = {spec.key for spec in specs}
    rows = {spec.row.code for spec in specs}
    cleaned, errors = {}, {}
    for index, cell in enumerate(cells):
        problems = {}
        if not isinstance(cell, dict):
            errors[str(index)] = {"cell": [_("Each cell must be an object.")]}
            continue
        row, column, aspect = cell.get("row"), cell.get("column"), cell.get("aspect") or Aspect.FRAMEWORK
        if not isinstance(row, str) or row not in rows:
            problems["row"] = [_("Unknown row %(row)s in this template.") % {"row": row}]
        elif not isinstance(column, str) or not isinstance(aspect, str) or (row, column, aspect) not in allowed:
            problems["column"] = [
                _("Row %(row)s has no %(column)s/%(aspect)s cell.") % {"row": row, "column": column, "aspect": aspect}
            ]
        mark = cell.get("mark") or ""
        if mark not in Mark.values:
            problems["mark"] = [_("A mark is one of X, ?, NA or blank, not %(mark)r.") % {"mark": mark}]
        source = _clean_text(cell.get("source"), "source", problems)
        remarks = _clean_text(cell.get("remarks"), "remarks", problems)
        if mark == Mark.YES and not source:
            problems.setdefault("source", []).append(_("A mark of X needs its legal source (law and article)."))
        if mark == Mark.NOT_APPLICABLE and not remarks:
            problems.setdefault("remarks", []).append(_("NA needs a reason in the remarks."))
        unknown = set(cell) - {"row", "column", "aspect", "mark", "source", "remarks", "derived_from"}
        if unknown:
            problems["cell"] = [_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}]
        if not problems and (row, column, aspect) in cleaned:
            problems["row"] = [_("This cell appears twice in the request.")]
        if problems:
            errors[str(index)] = problems
        else:
            cleaned[(row, column, aspect)] = {"mark": mark, "source": source, "remarks": remarks}
    if errors:
        raise InvalidInput(
            _("%(n)s of %(total)s cells are not valid; nothing was saved.") % {"n": len(errors), "total": len(cells)},
            errors={"cells": errors},
        )
    return cleaned


class StaleVersion(DomainError):
    """The version changed after the client read it (the revision it names is no longer current)."""

    status = 412
    code = "stale-version"
    default_message = gettext_lazy(
        "This version was changed since you read it; nothing was saved. Read it again and apply your changes to it."
    )


class CellConflict(DomainError):
    """Cells that someone else changed after they were shown, and that this save would set otherwise.

    `conflicts`: one dict per cell, in the order sent: `row`, `column`, `aspect`, `yours` and `saved`
    (each `{"mark", "source", "remarks"}`), and who saved it and when (`by`, `at`, None if unknown).
    """

    code = "conflict"
    default_message = gettext_lazy(
        "Someone else saved other values in cells you changed since you opened the page; nothing was saved."
    )

    def __init__(self, message=None, *, conflicts):
        super().__init__(message)
        self.conflicts = conflicts


def _normal_text(value) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def cell_token(mark, source, remarks) -> str:
    """A short digest of a cell's values, as stored (blank for a cell with no row).

    A form carries the token of each value it shows; on save, `update_cells(shown=...)` compares it
    with the value stored now. Line breaks and surrounding spaces are compared as the services save them.
    """
    text = "\x1f".join((mark or "", _normal_text(source), _normal_text(remarks)))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _values_token(values: dict) -> str:
    return cell_token(values["mark"], values["source"], values["remarks"])


@transaction.atomic
def update_cells(matrix: Matrix, cells: list[dict], *, acting_user, shown=None, revision=None) -> int:
    """Upsert cells of an editable version, all or nothing. Returns the number of cells changed.

    Only the cells in `cells` are written; the others stay as they are stored. Two optional checks
    against lost updates run under the version's row lock, so two concurrent saves cannot both pass:

    - `revision` (an int, or several): the revisions the client's change is based on (the API's
      `If-Match`). StaleVersion (412) and nothing saved when the version's revision is none of them.
    - `shown` ({(row, column, aspect): cell_token(...)}): the value of each cell when the form was
      shown. A cell that was changed by someone else since then, and that this save sets to yet
      another value, is a conflict: CellConflict (409) with both values, nothing saved. A cell set
      to the value now stored is no conflict (and no change).
    """
    matrix = Matrix.objects.select_for_update().select_related("state", "regime", "template__regime").get(pk=matrix.pk)
    _require_edit(acting_user, matrix)
    if revision is not None:
        accepted = {revision} if isinstance(revision, int) else set(revision)
        if matrix.revision not in accepted:
            raise StaleVersion()
    specs = layout(matrix.template)
    cleaned = validate_cells(matrix, cells, specs)
    row_by_code = {spec.row.code: spec.row for spec in specs}
    existing = {(c.row.code, c.column, c.aspect): c for c in matrix.cells.select_related("row", "updated_by")}
    if shown:
        conflicts = _conflicts(cleaned, existing, shown)
        if conflicts:
            raise CellConflict(conflicts=conflicts)
    now = timezone.now()
    events, to_create, to_update, to_delete = [], [], [], []
    for key, values in cleaned.items():
        cell = existing.get(key)
        before = {f: getattr(cell, f) for f in CELL_FIELDS} if cell else dict.fromkeys(CELL_FIELDS, "")
        if before == values:
            continue
        if cell is None:
            cell = Cell(matrix=matrix, row=row_by_code[key[0]], column=key[1], aspect=key[2])
            to_create.append(cell)
        elif not any(values.values()):
            to_delete.append(cell.pk)
        else:
            to_update.append(cell)
        for field, value in values.items():
            setattr(cell, field, value)
        if cell.derived_from_regime:
            cell.overridden = True
        cell.updated_by = acting_user
        cell.updated_at = now  # bulk_update does not apply auto_now
        events.append(_cell_event(matrix, key, before, values, acting_user))
    Cell.objects.bulk_create(to_create)
    Cell.objects.bulk_update(to_update, [*CELL_FIELDS, "overridden", "updated_by", "updated_at"])
    Cell.objects.filter(pk__in=to_delete).delete()
    AuditEvent.objects.bulk_create(events)
    if events:
        Matrix.objects.filter(pk=matrix.pk).update(updated_at=now, revision=F("revision") + 1)
        if not matrix.regime.is_1540:
            _propagate_to_1540(matrix, acting_user)
    return len(events)


def _conflicts(cleaned: dict, existing: dict, shown: dict) -> list[dict]:
    """The cells of `cleaned` stored otherwise than shown, and set to a third value (see update_cells)."""
    conflicts = []
    for key, values in cleaned.items():
        if key not in shown:
            continue
        cell = existing.get(key)
        saved = {f: getattr(cell, f) for f in CELL_FIELDS} if cell else dict.fromkeys(CELL_FIELDS, "")
        stored_token = _values_token(saved)
        if shown[key] == stored_token or _values_token(values) == stored_token:
            continue
        by = None
        if cell is not None and cell.updated_by is not None:
            by = cell.updated_by.get_full_name() or cell.updated_by.get_username()
        elif cell is not None and cell.derived_from_regime and not cell.overridden:
            by = _("the %(regime)s report") % {"regime": cell.derived_from_regime}
        conflicts.append(
            {
                "row": key[0],
                "column": key[1],
                "aspect": key[2],
                "yours": dict(values),
                "saved": saved,
                "by": by,
                "at": cell.updated_at if cell is not None else None,
            }
        )
    return conflicts


def _cell_event(matrix, key, before, after, actor):
    from portal.audit.context import get_correlation_id

    return AuditEvent(
        actor=actor if actor and actor.is_authenticated else None,
        actor_label=actor.get_username() if actor and actor.is_authenticated else "system",
        verb="matrix.cell.update",
        object_type=Matrix._meta.label_lower,
        object_id=str(matrix.pk),
        object_repr=f"{matrix} {key[0]} {key[1]}/{key[2]}"[:200],
        before={"row": key[0], "column": key[1], "aspect": key[2], **before},
        after={"row": key[0], "column": key[1], "aspect": key[2], **after},
        correlation_id=get_correlation_id(),
    )


# ---------------------------------------------------------------------------------------------
# Report once: checklist items fill the mapped 1540 cells


def _propagate_to_1540(checklist_matrix: Matrix, acting_user):
    regime_1540 = Regime.objects.get(code="1540")
    target = (
        Matrix.objects.filter(state_id=checklist_matrix.state_id, regime=regime_1540)
        .open()
        .order_by("-version")
        .first()
    )
    if target is None:
        # No open 1540 version: start one, which derives everything on creation.
        start_draft(checklist_matrix.state, regime_1540, acting_user=acting_user)
    elif target.is_editable:
        rederive(target)
    # A 1540 version under review is left alone; it is re-derived when it is edited again.


def _latest_checklist_cells(state_id):
    """The cells of the State's latest version of each checklist regime, with their mappings."""
    latest = {}
    for matrix in Matrix.objects.filter(state_id=state_id).exclude(regime__code="1540").select_related("regime"):
        if matrix.regime_id not in latest or matrix.version > latest[matrix.regime_id].version:
            latest[matrix.regime_id] = matrix
    return (
        Cell.objects.filter(matrix__in=latest.values())
        .exclude(mark="")
        .select_related("row", "matrix__regime")
        .order_by("row__code")
    )


def derived_values(state_id) -> dict:
    """What the State's checklists say of each mapped 1540 cell: {(row, column, aspect): values}."""
    cells = list(_latest_checklist_cells(state_id))
    mappings = {}
    for mapping in Mapping.objects.filter(source_id__in=[c.row_id for c in cells]):
        mappings.setdefault(mapping.source_id, []).append(mapping)
    desired = {}
    for cell in cells:
        regime = cell.matrix.regime.code
        for mapping in mappings.get(cell.row_id, []):
            key = (mapping.target_code, mapping.column, mapping.aspect)
            current = desired.get(key)
            if current is None or MARK_STRENGTH[cell.mark] > MARK_STRENGTH[current["mark"]]:
                desired[key] = {
                    "mark": cell.mark,
                    "source": cell.source,
                    "remarks": cell.remarks,
                    "derived_from_regime": regime,
                    "derived_from_row": cell.row.code,
                }
    return desired


def rederive(matrix: Matrix) -> int:
    """Bring a 1540 version's derived cells in line with the State's checklists. Overrides stay."""
    if not matrix.is_editable:
        return 0
    desired = derived_values(matrix.state_id)
    specs = {spec.key: spec for spec in layout(matrix.template)}
    existing = {(c.row.code, c.column, c.aspect): c for c in matrix.cells.select_related("row")}
    to_create, to_update, to_delete = [], [], []
    fields = [*CELL_FIELDS, "derived_from_regime", "derived_from_row"]
    for key, values in desired.items():
        if key not in specs:
            continue
        cell = existing.get(key)
        if cell is None:
            to_create.append(Cell(matrix=matrix, row=specs[key].row, column=key[1], aspect=key[2], **values))
        elif cell.derived_from_regime and not cell.overridden and any(getattr(cell, f) != values[f] for f in fields):
            for f in fields:
                setattr(cell, f, values[f])
            to_update.append(cell)
        # A value the State typed itself, or an override, is never replaced.
    for key, cell in existing.items():
        if key not in desired and cell.derived_from_regime and not cell.overridden:
            to_delete.append(cell.pk)
    Cell.objects.bulk_create(to_create)
    Cell.objects.bulk_update(to_update, fields)
    Cell.objects.filter(pk__in=to_delete).delete()
    changed = len(to_create) + len(to_update) + len(to_delete)
    if changed:
        Matrix.objects.filter(pk=matrix.pk).update(revision=F("revision") + 1)
        record(
            "matrix.derive",
            matrix,
            actor=None,
            after={"created": len(to_create), "updated": len(to_update), "removed": len(to_delete)},
        )
    return changed


# ---------------------------------------------------------------------------------------------
# Lifecycle


# One complete sentence per lifecycle action, keyed by its audit verb (an inserted verb cannot be translated).
TRANSITION_REFUSALS = {
    "matrix.submit": gettext_lazy("Cannot submit a version that is %(status)s."),
    "matrix.start_review": gettext_lazy("Cannot start reviewing a version that is %(status)s."),
    "matrix.request_changes": gettext_lazy("Cannot request changes to a version that is %(status)s."),
    "matrix.approve": gettext_lazy("Cannot approve a version that is %(status)s."),
    "matrix.unpublish": gettext_lazy("Cannot unpublish a version that is %(status)s."),
    "matrix.publish": gettext_lazy("Cannot publish a version that is %(status)s."),
}


def _transition(matrix, *, from_statuses, to_status, acting_user, verb, **fields):
    """Compare-and-swap on the status: exactly one concurrent caller wins."""
    now = timezone.now()
    updated = Matrix.objects.filter(pk=matrix.pk, status__in=from_statuses).update(
        status=to_status, updated_at=now, revision=F("revision") + 1, **fields
    )
    if updated != 1:
        current = Matrix.objects.filter(pk=matrix.pk).values_list("status", flat=True).first()
        if current == S.PUBLISHED:
            raise PublishedImmutable()
        raise InvalidTransition(TRANSITION_REFUSALS[verb] % {"status": S(current).label if current else _("gone")})
    before = {"status": matrix.status}
    matrix.refresh_from_db()
    record(verb, matrix, actor=acting_user, before=before, after={"status": matrix.status})
    return matrix


SUBMITTABLE = (S.DRAFT, S.CHANGES_REQUESTED)
REVIEWABLE = (S.SUBMITTED, S.IN_REVIEW)


def _status_refusal(matrix, allowed, message) -> DomainError | None:
    if matrix.is_published:
        return PublishedImmutable()
    if matrix.status not in allowed:
        return InvalidTransition(message % {"v": matrix.version, "status": matrix.get_status_display()})
    return None


# Why an action would be refused, asked before acting (the confirmation pages say it up front). The
# services below apply the same rules; their compare-and-swap on the status stays the judge when two
# people act at once.


def submit_refusal(user, matrix: Matrix) -> DomainError | None:
    if not (is_official_of(user, matrix.state_id) or (is_reviewer(user) and matrix.prepared_by_expert)):
        return NotAllowed(_("Only the State's officials submit its matrix."))
    message = _("Version %(v)s is %(status)s: only a draft, or a version sent back for changes, is submitted.")
    return _status_refusal(matrix, SUBMITTABLE, message)


def approve_refusal(user, matrix: Matrix) -> DomainError | None:
    if not is_reviewer(user):
        return NotAllowed(_("Only the Committee's experts review matrices."))
    return _status_refusal(matrix, REVIEWABLE, _("Cannot approve a version that is %(status)s."))


def consent_refusal(user, matrix: Matrix) -> DomainError | None:
    if not is_official_of(user, matrix.state_id):
        return NotAllowed(_("Only the State's officials give or withdraw consent to publish."))
    return None


def _raise_if_forbidden(refusal):
    if isinstance(refusal, NotAllowed):
        raise refusal


@transaction.atomic
def submit(matrix: Matrix, *, acting_user) -> Matrix:
    _raise_if_forbidden(submit_refusal(acting_user, matrix))
    return _transition(
        matrix,
        from_statuses=SUBMITTABLE,
        to_status=S.SUBMITTED,
        acting_user=acting_user,
        verb="matrix.submit",
        submitted_at=timezone.now(),
    )


def _require_reviewer(user):
    if not is_reviewer(user):
        raise NotAllowed(_("Only the Committee's experts review matrices."))


@transaction.atomic
def start_review(matrix: Matrix, *, acting_user) -> Matrix:
    _require_reviewer(acting_user)
    return _transition(
        matrix,
        from_statuses=[S.SUBMITTED],
        to_status=S.IN_REVIEW,
        acting_user=acting_user,
        verb="matrix.start_review",
        review_started_at=timezone.now(),
    )


@transaction.atomic
def request_changes(matrix: Matrix, *, acting_user, comment: str = "") -> Matrix:
    """Send the version back to the State; `comment` is a note for the whole version, beside the cell comments."""
    _require_reviewer(acting_user)
    errors = {}
    note = _clean_text(comment, "comment", errors)
    if errors:
        raise InvalidInput(_("The note was not saved."), errors=errors)
    matrix = _transition(
        matrix,
        from_statuses=[S.SUBMITTED, S.IN_REVIEW],
        to_status=S.CHANGES_REQUESTED,
        acting_user=acting_user,
        verb="matrix.request_changes",
        review_note=note,
    )
    if matrix.regime.is_1540:
        rederive(matrix)
    # What the experts saw when they sent it back (after report-once derivation, as the State finds
    # it): the next review shows what the State changed since.
    ReviewRound.objects.create(
        matrix=matrix,
        requested_by=acting_user,
        requested_at=timezone.now(),
        note=note,
        cells={
            ReviewRound.cell_key(key): [cell.mark, cell.source, cell.remarks]
            for key, cell in cell_values(matrix).items()
        },
    )
    return matrix


@transaction.atomic
def approve(matrix: Matrix, *, acting_user) -> Matrix:
    _raise_if_forbidden(approve_refusal(acting_user, matrix))
    now = timezone.now()
    matrix = _transition(
        matrix,
        from_statuses=REVIEWABLE,
        to_status=S.APPROVED,
        acting_user=acting_user,
        verb="matrix.approve",
        approved_at=now,
        approved_by=acting_user,
    )
    if matrix.consent_given_at:
        matrix = _publish(matrix, acting_user)
    return matrix


@transaction.atomic
def set_consent(matrix: Matrix, *, consent: bool, acting_user) -> Matrix:
    """The State agrees to publication (published at once if approved), or withdraws its consent."""
    _raise_if_forbidden(consent_refusal(acting_user, matrix))
    matrix = Matrix.objects.select_for_update().get(pk=matrix.pk)
    if consent:
        if matrix.is_published:
            return matrix
        Matrix.objects.filter(pk=matrix.pk).update(consent_given_at=timezone.now(), revision=F("revision") + 1)
        record("matrix.consent", matrix, actor=acting_user, after={"consent": True})
        matrix.refresh_from_db()
        if matrix.status == S.APPROVED:
            matrix = _publish(matrix, acting_user)
        return matrix
    if matrix.is_published:
        matrix = _transition(
            matrix,
            from_statuses=[S.PUBLISHED],
            to_status=S.APPROVED,
            acting_user=acting_user,
            verb="matrix.unpublish",
            published_at=None,
            consent_given_at=None,
        )
    else:
        Matrix.objects.filter(pk=matrix.pk).update(consent_given_at=None, revision=F("revision") + 1)
        record("matrix.consent", matrix, actor=acting_user, after={"consent": False})
        matrix.refresh_from_db()
    return matrix


def _publish(matrix, acting_user):
    # Cached pages of published versions are keyed by (version id, published_at): nothing to purge.
    return _transition(
        matrix,
        from_statuses=[S.APPROVED],
        to_status=S.PUBLISHED,
        acting_user=acting_user,
        verb="matrix.publish",
        published_at=timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# Comments


@transaction.atomic
def comments_for(user, matrix: Matrix):
    """The review dialogue on a version: for the State's officials and the reviewers only, published or not."""
    if not (is_reviewer(user) or is_official_of(user, matrix.state_id)):
        raise NotAllowed(_("Review comments are for the State's officials and the Committee's experts."))
    return Comment.objects.filter(matrix=matrix).select_related("author", "resolved_by")


def _require_dialogue(user, matrix, refusal):
    """The review dialogue on an unpublished version: the experts and the State's officials."""
    reviewer = is_reviewer(user)
    if not (reviewer or is_official_of(user, matrix.state_id)):
        raise NotAllowed(refusal)
    if matrix.is_published:
        raise PublishedImmutable()
    return reviewer


def _cell_errors(matrix, row, column, aspect) -> dict:
    if (row, column, aspect) in {spec.key for spec in layout(matrix.template)}:
        return {}
    return {
        "row": [
            _("This matrix has no cell %(row)s %(column)s/%(aspect)s.")
            % {"row": row, "column": column, "aspect": aspect}
        ]
    }


@transaction.atomic
def add_comment(
    matrix: Matrix, *, row: str, column: str, aspect: str, body: str, acting_user, language=None
) -> Comment:
    """A comment on one cell. On a resolved thread it opens the thread again (it is itself unresolved).
    Its language is the one given, else the writer's interface language."""
    reviewer = _require_dialogue(
        acting_user, matrix, _("Only the Committee's experts and the State's officials comment on a matrix.")
    )
    errors = {}
    body = _clean_text(body, "body", errors)
    if not body and "body" not in errors:
        errors["body"] = [_("Write a comment.")]
    errors.update(_cell_errors(matrix, row, column, aspect))
    language = check_language(language, errors)
    if errors:
        raise InvalidInput(_("The comment was not saved."), errors=errors)
    comment = Comment.objects.create(
        matrix=matrix, row_code=row, column=column, aspect=aspect, author=acting_user, body=body, language=language
    )
    record(
        "matrix.comment",
        matrix,
        actor=acting_user,
        after={"row": row, "column": column, "aspect": aspect, "body": body, "language": language},
    )
    if reviewer and matrix.status == S.SUBMITTED:
        start_review(matrix, acting_user=acting_user)
    return comment


def _thread(matrix, row, column, aspect):
    return Comment.objects.filter(matrix=matrix, row_code=row, column=column, aspect=aspect)


@transaction.atomic
def resolve_thread(matrix: Matrix, row: str, column: str, aspect: str, acting_user) -> int:
    """Mark the open comments on one cell resolved; how many were. Resolving a resolved thread changes
    nothing (0, no audit event): two people resolving at once both see it resolved."""
    _require_dialogue(
        acting_user, matrix, _("Only the Committee's experts and the State's officials resolve review comments.")
    )
    errors = _cell_errors(matrix, row, column, aspect)
    thread = _thread(matrix, row, column, aspect)
    if not errors and not thread.exists():
        errors["row"] = [_("There is no comment on this cell to resolve.")]
    if errors:
        raise InvalidInput(_("The thread was not resolved."), errors=errors)
    resolved = thread.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=acting_user)
    if resolved:
        record(
            "matrix.thread_resolve",
            matrix,
            actor=acting_user,
            after={"row": row, "column": column, "aspect": aspect, "comments": resolved},
        )
    return resolved


@transaction.atomic
def reopen_thread(matrix: Matrix, row: str, column: str, aspect: str, acting_user) -> int:
    """Open a resolved thread again (its comments unresolved); how many comments were resolved. An open
    thread is left as it is (0, no audit event)."""
    _require_dialogue(
        acting_user, matrix, _("Only the Committee's experts and the State's officials reopen review comments.")
    )
    errors = _cell_errors(matrix, row, column, aspect)
    if errors:
        raise InvalidInput(_("The thread was not reopened."), errors=errors)
    thread = _thread(matrix, row, column, aspect)
    if thread.filter(resolved_at__isnull=True).exists():
        return 0
    reopened = thread.exclude(resolved_at__isnull=True).update(resolved_at=None, resolved_by=None)
    if reopened:
        record(
            "matrix.thread_reopen",
            matrix,
            actor=acting_user,
            after={"row": row, "column": column, "aspect": aspect, "comments": reopened},
        )
    return reopened


# ---------------------------------------------------------------------------------------------
# Reading: gaps and diff


def cell_values(matrix: Matrix) -> dict:
    """{(row, column, aspect): cell} for the stored cells of a version. One query."""
    return {(c.row.code, c.column, c.aspect): c for c in matrix.cells.select_related("row")}


def gaps(matrix: Matrix, specs=None, values=None) -> list[CellSpec]:
    """Applicable cells with no information or a `?`: what the State could ask help for."""
    specs = specs if specs is not None else layout(matrix.template)
    values = values if values is not None else cell_values(matrix)
    return [
        spec
        for spec in specs
        if (values.get(spec.key).mark if spec.key in values else "") in (Mark.BLANK, Mark.PARTIAL)
    ]


def diff(a: Matrix, b: Matrix) -> list[dict]:
    """Cells that differ between two versions (any two: States or versions), by row code."""
    left, right = cell_values(a), cell_values(b)
    changes = []
    for key in sorted(set(left) | set(right)):
        before = {f: getattr(left[key], f) if key in left else "" for f in CELL_FIELDS}
        after = {f: getattr(right[key], f) if key in right else "" for f in CELL_FIELDS}
        if before != after:
            changes.append({"row": key[0], "column": key[1], "aspect": key[2], "before": before, "after": after})
    return changes


def latest_visible_versions(state, user) -> list[Matrix]:
    """The latest version per regime of `state` that `user` may see. One query."""
    latest = {}
    for matrix in (
        Matrix.objects.visible_to(user)
        .filter(state=state)
        .select_related("regime", "template__regime")
        .order_by("regime__order", "-version")
    ):
        latest.setdefault(matrix.regime_id, matrix)
    return list(latest.values())


def state_gaps(state, user) -> dict:
    """A State's gaps in the latest version of each regime that `user` may see, with counts per section."""
    matrices = latest_visible_versions(state, user)
    stored = {
        (matrix_id, row, column, aspect): mark
        for matrix_id, row, column, aspect, mark in Cell.objects.filter(matrix__in=matrices).values_list(
            "matrix_id", "row__code", "column", "aspect", "mark"
        )
    }
    found, sections = [], {}
    for matrix in matrices:
        for spec in layout(matrix.template):
            mark = stored.get((matrix.pk, *spec.key), "")
            if mark not in (Mark.BLANK, Mark.PARTIAL):
                continue
            section = spec.row.section
            found.append(
                {
                    "matrix": matrix.pk,
                    "regime": matrix.regime.code,
                    "version": matrix.version,
                    "section": section.code,
                    "row": spec.row.code,
                    "label": spec.row.label,
                    "column": spec.column,
                    "aspect": spec.aspect,
                    "mark": mark,
                }
            )
            entry = sections.setdefault(
                (matrix.regime.code, section.code),
                {"regime": matrix.regime.code, "section": section.code, "label": section.label, "count": 0},
            )
            entry["count"] += 1
    return {"state": state.iso3, "total": len(found), "sections": list(sections.values()), "gaps": found}


# ---------------------------------------------------------------------------------------------
# The national report document (a State's reports, and the one a version cites: matrices/reports.py)


def check_report_document(document) -> list[str]:
    """What is wrong with an uploaded national report: extension, content and size. Empty when fine."""
    return document_errors(
        document,
        extensions=(".pdf", ".doc", ".docx"),
        wrong_type=_("Upload the report as a PDF or Word file (.pdf, .doc or .docx)."),
    )
