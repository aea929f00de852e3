"""Everything that changes a national implementation action plan. Pages, the API and the demo data call
these functions; each write is atomic and audited.

A State's officials draft a version, share it with the Committee (`submit`), take it back to revise
it (`reopen`) and publish it by consenting (`consent`). A published version never changes: the next
one starts as a draft copied from it (`create`), whose items keep their keys so that two versions can
be compared item by item. The Committee's experts comment on shared versions.
"""

import os

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.models import MAX_TEXT, Plan, PlanComment, PlanItem
from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.services import record, snapshot
from portal.core import uploads
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed, NotVisible
from portal.core.languages import LANGUAGES
from portal.core.text import date_errors, text_errors
from portal.core.usertext import check as check_language
from portal.core.usertext import writer_language

P = Plan.Status

PLAN_FIELDS = ["status", "title", "summary", "period_start", "period_end", "language", "document_name"]
ITEM_FIELDS = ["measure", "cells", "lead_agency", "target_date", "status", "assistance_needed", "request"]
MAX_ITEMS = 200
MAX_CELLS = 60


# ---------------------------------------------------------------------------------------------
# Reading


def get_visible(user, pk) -> Plan:
    plan = Plan.objects.visible_to(user).select_related("state").filter(pk=pk).first()
    if plan is None:
        raise NotVisible(_("No action plan %(id)s that you may see.") % {"id": pk})
    return plan


def latest_published(state) -> Plan | None:
    return Plan.objects.published().filter(state=state).order_by("-version").first()


def progress(items, today=None) -> dict:
    """Items done against planned, those overdue and those waiting for assistance (items with their
    requests loaded)."""
    today = today or timezone.localdate()
    items = list(items)
    by_status = dict.fromkeys(PlanItem.Status.values, 0)
    for item in items:
        by_status[item.status] += 1
    overdue = [i for i in items if i.target_date and i.target_date < today and i.status != PlanItem.Status.DONE]
    waiting = [i for i in items if waiting_for_assistance(i)]
    total = len(items)
    return {
        "total": total,
        "by_status": by_status,
        "done": by_status[PlanItem.Status.DONE],
        "percent_done": round(100 * by_status[PlanItem.Status.DONE] / total) if total else 0,
        "overdue": overdue,
        "waiting_for_assistance": waiting,
    }


def waiting_for_assistance(item) -> bool:
    """Assistance is needed and has not been delivered yet (no request, or one still open)."""
    if not item.assistance_needed or item.status == PlanItem.Status.DONE:
        return False
    request = item.request
    return request is None or request.status not in ("delivered", "closed")


# ---------------------------------------------------------------------------------------------
# Validation, shared by the pages and the API


def _date(value, errors, name):
    day, problems = date_errors(value)
    if problems:
        errors[name] = problems
    return day


def _text(data, name, errors, *, required=False, max_length=MAX_TEXT):
    value, problems = text_errors(data.get(name, ""), max_length=max_length, required=required)
    if problems:
        errors[name] = problems
    return value


def clean_plan(data: dict) -> dict:
    """A plan version's own fields (not its items); raises InvalidInput with every problem."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the plan as an object."))
    errors = {}
    cleaned = {
        "title": _text(data, "title", errors, max_length=200),
        "summary": _text(data, "summary", errors, required=True),
        "period_start": _date(data.get("period_start"), errors, "period_start"),
        "period_end": _date(data.get("period_end"), errors, "period_end"),
        "language": writer_language(data.get("language")),
    }
    if cleaned["language"] not in LANGUAGES:
        errors["language"] = [_("Unknown language %(l)s.") % {"l": cleaned["language"]}]
    if cleaned["period_start"] and cleaned["period_end"] and cleaned["period_end"] < cleaned["period_start"]:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if errors:
        raise InvalidInput(_("The plan was not saved; nothing was changed."), errors=errors)
    return cleaned


def cell_keys() -> set:
    """Every (row, column, aspect) of the current matrix templates: what a plan item may point at."""
    from matrices.selectors import current_cell_keys

    return current_cell_keys()


def clean_item(data: dict) -> dict:
    """An item's fields; raises InvalidInput with every problem."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the item as an object."))
    errors = {}
    cleaned = {
        "measure": _text(data, "measure", errors, required=True),
        "lead_agency": _text(data, "lead_agency", errors, max_length=200),
        "target_date": _date(data.get("target_date"), errors, "target_date"),
        "status": data.get("status") or PlanItem.Status.PLANNED,
        "assistance_needed": data.get("assistance_needed", False),
    }
    if cleaned["status"] not in PlanItem.Status.values:
        errors["status"] = [_("Choose one of %(s)s.") % {"s": ", ".join(PlanItem.Status.values)}]
    if not isinstance(cleaned["assistance_needed"], bool):
        errors["assistance_needed"] = [_("Must be true or false.")]
    cells = data.get("cells") or []
    cleaned["cells"] = []
    if not isinstance(cells, list) or len(cells) > MAX_CELLS:
        errors["cells"] = [_("Give a list of at most %(n)s matrix cells.") % {"n": MAX_CELLS}]
    else:
        known = cell_keys() if cells else set()
        for cell in cells:
            key = (
                (cell.get("row"), cell.get("column"), cell.get("aspect") or "framework")
                if isinstance(cell, dict)
                else None
            )
            if key is None or not all(isinstance(part, str) for part in key):
                errors["cells"] = [_("Each cell is an object with a row, a column and an aspect.")]
                break
            if key not in known:
                errors["cells"] = [_("No matrix has the cell %(k)s.") % {"k": " ".join(key)}]
                break
            cell_dict = {"row": key[0], "column": key[1], "aspect": key[2]}
            if cell_dict not in cleaned["cells"]:
                cleaned["cells"].append(cell_dict)
    if errors:
        raise InvalidInput(_("The item was not saved; nothing was changed."), errors=errors)
    return cleaned


# ---------------------------------------------------------------------------------------------
# Who may do what


# One complete sentence per action (translators cannot agree an inserted verb with its sentence).
NOT_OFFICIAL = {
    "draft": gettext_lazy("Only the State's officials draft its action plan."),
    "change": gettext_lazy("Only the State's officials change its action plan."),
    "share": gettext_lazy("Only the State's officials share its action plan."),
    "revise": gettext_lazy("Only the State's officials revise its action plan."),
    "request": gettext_lazy("Only the State's officials ask for assistance for its action plan."),
}
NOT_DRAFT = {
    "change": gettext_lazy("Only a draft can be changed; version %(v)s is %(s)s."),
    "share": gettext_lazy("Only a draft can be shared; version %(v)s is %(s)s."),
}


def _require_official(user, state_id, action):
    if not is_official_of(user, state_id):
        raise NotAllowed(str(NOT_OFFICIAL[action]))


def _require_draft(plan, action):
    if plan.status != P.DRAFT:
        raise InvalidTransition(NOT_DRAFT[action] % {"v": plan.version, "s": plan.get_status_display()})


def _locked(plan) -> Plan:
    return Plan.objects.select_for_update().select_related("state").get(pk=plan.pk)


# ---------------------------------------------------------------------------------------------
# Versions


@transaction.atomic
def create(state, data: dict, *, acting_user) -> Plan:
    """A new draft version of `state`'s plan, copied from its latest published version when there is one."""
    _require_official(acting_user, state.pk, "draft")
    open_version = Plan.objects.filter(state=state, status__in=[P.DRAFT, P.SUBMITTED]).first()
    if open_version is not None:
        raise InvalidTransition(
            _("Version %(v)s of the plan is still %(s)s: finish it before starting another.")
            % {"v": open_version.version, "s": open_version.get_status_display()}
        )
    base = latest_published(state)
    if base is not None and isinstance(data, dict):
        # The next version starts from the published one: what the data does not give is carried over.
        carried = {name: getattr(base, name) for name in ("title", "summary", "period_start", "period_end", "language")}
        data = {**carried, **{name: value for name, value in data.items() if value not in (None, "")}}
    cleaned = clean_plan(data)
    # The State's row is locked so that two officials starting a version at once get 1 and 2, not 1 twice.
    type(state).objects.select_for_update().filter(pk=state.pk).first()
    latest = Plan.objects.filter(state=state).aggregate(v=Max("version"))["v"] or 0
    plan = Plan.objects.create(state=state, version=latest + 1, based_on=base, created_by=acting_user, **cleaned)
    if base is not None:
        PlanItem.objects.bulk_create(
            PlanItem(
                plan=plan, key=item.key, order=item.order, measure=item.measure, cells=item.cells,
                lead_agency=item.lead_agency, target_date=item.target_date, status=item.status,
                assistance_needed=item.assistance_needed, request_id=item.request_id,
            )
            for item in base.items.all()
        )  # fmt: skip
    record("plan.create", plan, actor=acting_user, after=snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def update(plan: Plan, changes: dict, *, acting_user) -> Plan:
    """Change a draft's own fields; `changes` are merged over its current values."""
    _require_official(acting_user, plan.state_id, "change")
    plan = _locked(plan)
    _require_draft(plan, "change")
    if not isinstance(changes, dict):
        raise InvalidInput(_("Send the changes as an object."))
    before = snapshot(plan, PLAN_FIELDS)
    current = {name: getattr(plan, name) for name in ("title", "summary", "period_start", "period_end", "language")}
    cleaned = clean_plan({**current, **changes})
    for name, value in cleaned.items():
        setattr(plan, name, value)
    plan.save()
    record("plan.update", plan, actor=acting_user, before=before, after=snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def submit(plan: Plan, *, acting_user) -> Plan:
    """Share a draft with the Committee: it needs its summary and at least one item or a document."""
    _require_official(acting_user, plan.state_id, "share")
    plan = _locked(plan)
    _require_draft(plan, "share")
    if not plan.items.exists() and not plan.document:
        raise InvalidInput(
            _("The plan has no item and no document yet: add its measures or upload it first."),
            errors={"items": [_("Add at least one item, or upload the plan as a document.")]},
        )
    plan.status, plan.submitted_at = P.SUBMITTED, timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    record("plan.submit", plan, actor=acting_user, before={"status": P.DRAFT}, after={"status": plan.status})
    _notify(plan, "submitted")
    return plan


@transaction.atomic
def reopen(plan: Plan, *, acting_user) -> Plan:
    """Take a shared version back to draft, to revise it after the Committee's comments."""
    _require_official(acting_user, plan.state_id, "revise")
    plan = _locked(plan)
    if plan.status != P.SUBMITTED:
        raise InvalidTransition(_("Only a version shared with the Committee can be taken back to draft."))
    plan.status = P.DRAFT
    plan.save(update_fields=["status", "updated_at"])
    record("plan.reopen", plan, actor=acting_user, before={"status": P.SUBMITTED}, after={"status": P.DRAFT})
    return plan


def consent_refusal(user, plan: Plan):
    if not is_official_of(user, plan.state_id):
        return NotAllowed(_("Only the State's officials consent to publishing its action plan."))
    if plan.status != P.SUBMITTED:
        return InvalidTransition(
            _("Only a version shared with the Committee can be published; version %(v)s is %(s)s.")
            % {"v": plan.version, "s": plan.get_status_display()}
        )
    return None


@transaction.atomic
def consent(plan: Plan, *, acting_user) -> Plan:
    """The State consents to publishing a shared version: it is published at once and never changes."""
    plan = _locked(plan)
    refusal = consent_refusal(acting_user, plan)
    if refusal:
        raise refusal
    now = timezone.now()
    plan.status, plan.published_at, plan.consent_given_by = P.PUBLISHED, now, acting_user
    plan.save(update_fields=["status", "published_at", "consent_given_by", "updated_at"])
    record("plan.publish", plan, actor=acting_user, before={"status": P.SUBMITTED}, after={"status": plan.status})
    _notify(plan, "published")
    return plan


PLAN_DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".odt")


@transaction.atomic
def attach_document(plan: Plan, *, document, acting_user) -> Plan:
    """Upload the plan as a document (Word, PDF, OpenDocument) to a draft."""
    _require_official(acting_user, plan.state_id, "change")
    plan = _locked(plan)
    _require_draft(plan, "change")
    if document is None:
        raise InvalidInput(_("The document was not attached."), errors={"document": [_("Choose the file to upload.")]})
    problems = uploads.document_errors(
        document,
        extensions=PLAN_DOCUMENT_EXTENSIONS,
        wrong_type=_("Upload the plan as a PDF, Word or OpenDocument file (.pdf, .doc, .docx or .odt)."),
    )
    if problems:
        raise InvalidInput(_("The document was not attached."), errors={"document": problems})
    before = {"document": plan.document.name}
    extension = os.path.splitext(document.name)[1].lower()
    plan.document_name = os.path.basename(document.name)[:200]
    # The stored name is ours, never the uploader's.
    plan.document.save(f"{plan.state.iso3}-plan-v{plan.version}{extension}", document, save=False)
    plan.save(update_fields=["document", "document_name", "updated_at"])
    record("plan.attach_document", plan, actor=acting_user, before=before, after={"document": plan.document.name})
    return plan


# ---------------------------------------------------------------------------------------------
# Items


@transaction.atomic
def add_item(plan: Plan, data: dict, *, acting_user) -> PlanItem:
    _require_official(acting_user, plan.state_id, "change")
    plan = _locked(plan)
    _require_draft(plan, "change")
    cleaned = clean_item(data)
    count = plan.items.count()
    if count >= MAX_ITEMS:
        raise InvalidInput(_("A plan has at most %(n)s items.") % {"n": MAX_ITEMS})
    item = PlanItem.objects.create(plan=plan, order=count, **cleaned)
    record("plan.add_item", plan, actor=acting_user, after={"item": item.pk, **snapshot(item, ITEM_FIELDS)})
    return item


@transaction.atomic
def update_item(item: PlanItem, changes: dict, *, acting_user) -> PlanItem:
    plan = item.plan
    _require_official(acting_user, plan.state_id, "change")
    plan = _locked(plan)
    _require_draft(plan, "change")
    if not isinstance(changes, dict):
        raise InvalidInput(_("Send the changes as an object."))
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, ITEM_FIELDS)
    current = {name: getattr(item, name) for name in ("measure", "cells", "lead_agency", "target_date", "status")}
    current["assistance_needed"] = item.assistance_needed
    for name, value in clean_item({**current, **changes}).items():
        setattr(item, name, value)
    item.save()
    record("plan.update_item", plan, actor=acting_user, before={"item": item.pk, **before},
           after={"item": item.pk, **snapshot(item, ITEM_FIELDS)})  # fmt: skip
    return item


@transaction.atomic
def delete_item(item: PlanItem, *, acting_user) -> None:
    plan = item.plan
    _require_official(acting_user, plan.state_id, "change")
    plan = _locked(plan)
    _require_draft(plan, "change")
    before = snapshot(item, ITEM_FIELDS)
    record("plan.delete_item", plan, actor=acting_user, before={"item": item.pk, **before})
    item.delete()


@transaction.atomic
def start_request(item: PlanItem, *, acting_user):
    """An item that needs assistance starts a draft assistance request, pre-filled from it (its measure,
    the weapon columns and area suggested from its cells, the gaps among them as the need's cells),
    and linked to it both ways. Once started, the same request is returned."""
    from assistance import selectors as assistance_selectors
    from assistance import services as assistance_services

    plan = item.plan
    _require_official(acting_user, plan.state_id, "request")
    # The link is part of the item: a shared or published version is not changed (the next draft is).
    _require_draft(_locked(plan), "change")
    item = PlanItem.objects.select_for_update(of=("self",)).select_related("plan__state", "request").get(pk=item.pk)
    if item.request is not None and item.request.status != "withdrawn":
        return item.request
    data = assistance_selectors.template_from_cells(
        acting_user, item.cells, title=item.measure.splitlines()[0][:200], need=item.measure
    )
    request = assistance_services.create(plan.state, data, acting_user=acting_user)
    before = {"request": item.request_id, "assistance_needed": item.assistance_needed}
    item.request, item.assistance_needed = request, True
    item.save(update_fields=["request", "assistance_needed"])
    record("plan.link_request", plan, actor=acting_user, before={"item": item.pk, **before},
           after={"item": item.pk, "request": request.pk, "assistance_needed": True})  # fmt: skip
    return request


# ---------------------------------------------------------------------------------------------
# Comments


@transaction.atomic
def comment(plan: Plan, *, body, item=None, acting_user, language=None) -> PlanComment:
    """The Committee's experts comment on a shared version (or one of its items); the State answers. The
    comment is in `language` (by default the writer's interface language)."""
    if not (is_reviewer(acting_user) or is_official_of(acting_user, plan.state_id)):
        raise NotAllowed(_("The Committee's experts and the State's officials comment on its plan."))
    plan = _locked(plan)
    if plan.status != P.SUBMITTED:
        raise InvalidTransition(_("Comments are written on a version shared with the Committee."))
    if item is not None and item.plan_id != plan.pk:
        raise InvalidInput(_("That item is not part of this version."))
    errors = {}
    body = _text({"body": body}, "body", errors, required=True)
    language = check_language(language, errors)
    if errors:
        raise InvalidInput(_("The comment was not saved."), errors=errors)
    note = PlanComment.objects.create(plan=plan, item=item, author=acting_user, body=body, language=language)
    record("plan.comment", plan, actor=acting_user, after={"comment": note.pk, "item": item and item.pk})
    return note


# ---------------------------------------------------------------------------------------------
# Comparing versions


def diff(old: Plan, new: Plan) -> list[dict]:
    """The items of two versions paired by key: added, removed, changed (with the fields that
    changed) or unchanged, in the newer version's order."""
    fields = ["measure", "cells", "lead_agency", "target_date", "status", "assistance_needed", "request_id"]
    old_items = {i.key: i for i in old.items.all()}
    rows = []
    for item in new.items.all():
        before = old_items.pop(item.key, None)
        if before is None:
            rows.append({"change": "added", "old": None, "new": item, "fields": []})
            continue
        changed = [f for f in fields if getattr(before, f) != getattr(item, f)]
        rows.append({"change": "changed" if changed else "same", "old": before, "new": item, "fields": changed})
    rows.extend({"change": "removed", "old": item, "new": None, "fields": []} for item in old_items.values())
    return rows


def _notify(plan, event):
    from portal.core.tasks import enqueue

    enqueue("plans.notify", plan.pk, event)
