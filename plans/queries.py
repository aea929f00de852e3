"""What the public pages, the Committee experts' pages and the State page read of action plans.

The public sees published versions only, whoever asks (`Plan.objects.published()`), never a draft, a
version shared with the Committee or a comment; an item's assistance request is linked only when the
State has published the request too. Every function here runs a constant number of queries.
"""

from types import SimpleNamespace

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.models import AssistanceRequest
from matrices import selectors as matrix_selectors
from plans import services
from plans.models import Plan, PlanComment, PlanItem
from portal.accounts.roles import is_official_of, is_reviewer
from portal.core.exceptions import InvalidInput, NotFound
from portal.core.languages import language_name
from portal.core.templatetags.portal_tags import day
from states.models import State

P = Plan.Status
ITEM_TONES = {
    PlanItem.Status.PLANNED: "light",
    PlanItem.Status.UNDER_WAY: "info",
    PlanItem.Status.DONE: "success",
    PlanItem.Status.STALLED: "warning",
}
DELIVERED = ("delivered", "closed")
FIELD_LABELS = {
    "measure": gettext_lazy("measure"),
    "cells": gettext_lazy("matrix cells"),
    "lead_agency": gettext_lazy("lead agency"),
    "target_date": gettext_lazy("target date"),
    "status": gettext_lazy("status"),
    "assistance_needed": gettext_lazy("assistance needed"),
    "request_id": gettext_lazy("assistance request"),
}


# ---------------------------------------------------------------------------------------------
# Items as pages show them


def _items_prefetch():
    return Prefetch("items", queryset=PlanItem.objects.select_related("request").order_by("order", "id"))


def _public_request_ids(items) -> set:
    """The assistance requests among `items`' that the public may see (published with consent)."""
    ids = {item.request_id for item in items if item.request_id}
    if not ids:
        return set()
    return set(AssistanceRequest.objects.visible_to(None).filter(pk__in=ids).values_list("pk", flat=True))


def describe_items(items, *, today=None, public=True) -> list[PlanItem]:
    """Each item with its status badge, whether it is overdue or waiting for assistance, the matrix
    cells it addresses as labels, and the link to its request the reader may follow (the public
    page of a published request; for experts the expert page). Two queries for any number of items."""
    today = today or timezone.localdate()
    items = list(items)
    keys = {(c["row"], c["column"], c["aspect"]) for item in items for c in item.cells}
    labels = matrix_selectors.cell_labels(keys) if keys else {}
    visible = _public_request_ids(items) if public else {item.request_id for item in items if item.request_id}
    for item in items:
        item.tone = ITEM_TONES.get(item.status, "light")
        item.overdue = bool(item.target_date and item.target_date < today and item.status != PlanItem.Status.DONE)
        item.waiting = services.waiting_for_assistance(item)
        item.cell_labels = [labels[(c["row"], c["column"], c["aspect"])] for c in item.cells]
        item.request_shown = item.request_id if item.request_id in visible else None
    return items


# ---------------------------------------------------------------------------------------------
# The public pages


def state_coded(iso3) -> State:
    state = State.objects.filter(iso3=iso3.upper()).first()
    if state is None:
        raise NotFound(_("There is no State with the code %(code)s.") % {"code": iso3})
    return state


def published_versions(state) -> list[Plan]:
    return list(
        Plan.objects.published()
        .filter(state=state)
        .order_by("-version")
        .only("id", "state_id", "version", "published_at", "period_start", "period_end", "title")
    )


def _published(state, version):
    plans = Plan.objects.published().filter(state=state).prefetch_related(_items_prefetch()).order_by("-version")
    return plans.filter(version=version).first() if version is not None else plans.first()


def public_plan(iso3, version=None) -> dict:
    """A published version of a State's plan (its latest without `version`) with its items, progress and
    the list of published versions; NotFound when there is none (drafts and shared versions included)."""
    state = state_coded(iso3)
    plan = _published(state, version)
    if plan is None:
        if version is None:
            raise NotFound(
                _("%(state)s has not published a national implementation action plan.") % {"state": state.name}
            )
        raise NotFound(
            _("%(state)s has published no version %(v)s of its action plan.") % {"state": state.name, "v": version}
        )
    plan.state = state
    plan.language_name = language_name(plan.language)
    items = describe_items(plan.items.all())
    versions = published_versions(state)
    return {
        "state": state,
        "plan": plan,
        "items": items,
        "progress": services.progress(items),
        "versions": versions,
        "latest": versions[0] if versions else None,
        "previous": next((v for v in versions if v.version < plan.version), None),
    }


def _version_number(value, name) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise InvalidInput(
            _("Give two version numbers: ?from=1&to=2."),
            errors={name: [_("A version number is a whole number from 1.")]},
            code="invalid-parameter",
        )
    return number


def _day(value) -> str:
    """A date as every page shows it: 4 Jul 2024 (portal_tags' `day`)."""
    return day(value) if value else "—"


def _shown(item, name) -> str:
    """An item's field as the comparison shows it (the item described by `describe_items`)."""
    if name == "cells":
        return "; ".join(f"{c.row_label} ({c.row}) · {c.column} · {c.aspect_label}" for c in item.cell_labels) or "—"
    if name == "status":
        return str(item.get_status_display())
    if name == "target_date":
        return _day(item.target_date)
    if name == "assistance_needed":
        return _("yes") if item.assistance_needed else _("no")
    if name == "request_id":
        return _("linked to a request") if item.request_id else _("none")
    return getattr(item, name) or "—"


def _plan_field(plan, name) -> str:
    value = getattr(plan, name)
    return _day(value) if name.startswith("period") else value or "—"


def public_diff(iso3, params) -> dict:
    """Two published versions compared item by item (`services.diff`): 400 for a missing or bad
    version number, 404 for a version that is not published."""
    state = state_coded(iso3)
    old_number = _version_number(params.get("from"), "from")
    new_number = _version_number(params.get("to"), "to")
    if old_number == new_number:
        raise InvalidInput(_("Choose two different versions to compare."), code="invalid-parameter")
    plans = {
        plan.version: plan
        for plan in Plan.objects.published()
        .filter(state=state, version__in=[old_number, new_number])
        .prefetch_related(_items_prefetch())
    }
    for number in (old_number, new_number):
        if number not in plans:
            raise NotFound(
                _("%(state)s has published no version %(v)s of its action plan.") % {"state": state.name, "v": number}
            )
    old, new = plans[old_number], plans[new_number]
    old.state = new.state = state
    rows = services.diff(old, new)
    describe_items([row["old"] for row in rows if row["old"]] + [row["new"] for row in rows if row["new"]])
    for row in rows:
        row["changes"] = [
            SimpleNamespace(
                field=name,
                label=FIELD_LABELS.get(name, name),
                old=_shown(row["old"], name),
                new=_shown(row["new"], name),
            )
            for name in row["fields"]
        ]
    counts = {kind: sum(1 for row in rows if row["change"] == kind) for kind in ("added", "removed", "changed", "same")}
    return {
        "state": state,
        "old": old,
        "new": new,
        "rows": rows,
        "counts": counts,
        "plan_changes": [
            SimpleNamespace(field=name, label=label, old=_plan_field(old, name), new=_plan_field(new, name))
            for name, label in (
                ("title", _("title")),
                ("summary", _("summary")),
                ("period_start", _("period from")),
                ("period_end", _("period until")),
            )  # fmt: skip
            if getattr(old, name) != getattr(new, name)
        ],
        "versions": published_versions(state),
    }


# ---------------------------------------------------------------------------------------------
# The State page


def state_page_section(request, state) -> dict:
    """The plan part of a State's page (`templates/plans/_state_plan.html`): the latest published
    version with its progress counted in the same query, for everyone; for the State's own officials
    also the version they are working on. One query (two for the State's officials)."""
    today = timezone.localdate()
    open_status = [s for s in PlanItem.Status.values if s != PlanItem.Status.DONE]
    not_delivered = [s for s in AssistanceRequest.Status.values if s not in DELIVERED]
    under_way = Q(items__status__in=open_status)
    plan = (
        Plan.objects.published()
        .filter(state=state)
        .order_by("-version")
        .annotate(
            item_total=Count("items"),
            item_done=Count("items", filter=Q(items__status=PlanItem.Status.DONE)),
            item_overdue=Count("items", filter=under_way & Q(items__target_date__lt=today)),
            item_waiting=Count(
                "items",
                filter=under_way
                & Q(items__assistance_needed=True)
                & (Q(items__request__isnull=True) | Q(items__request__status__in=not_delivered)),
            ),
        )
        .defer("summary")
        .first()
    )
    context = {"plan_latest": plan, "plan_progress": None, "plan_open": None}
    if plan is not None:
        plan.state = state
        context["plan_progress"] = {
            "total": plan.item_total,
            "done": plan.item_done,
            "percent_done": round(100 * plan.item_done / plan.item_total) if plan.item_total else 0,
            "overdue": plan.item_overdue,
            "waiting_for_assistance": plan.item_waiting,
        }
    user = getattr(request, "user", None)
    # The State's officials see their open version; the Committee's experts a version shared for review.
    open_statuses = [P.DRAFT, P.SUBMITTED] if is_official_of(user, state.pk) else [P.SUBMITTED]
    if user is not None and (is_official_of(user, state.pk) or is_reviewer(user)):
        context["plan_open"] = (
            Plan.objects.filter(state=state, status__in=open_statuses)
            .order_by("-version")
            .only("id", "state_id", "version", "status")
            .first()
        )
    return context


# ---------------------------------------------------------------------------------------------
# The Committee experts' pages


REVIEW_TABS = {
    "states": {"label": gettext_lazy("States with plans")},
    "waiting": {"label": gettext_lazy("Items waiting for assistance")},
}


def _current_version():
    """The newest version of a plan's State that was shared with the Committee or published."""
    return Subquery(
        Plan.objects.filter(state=OuterRef("plan__state"), status__in=[P.SUBMITTED, P.PUBLISHED])
        .order_by("-version")
        .values("version")[:1]
    )


def waiting_items():
    """Items needing assistance that has not been delivered, in each State's current version (the newest
    shared or published): across States, the State's name then the target date first."""
    return (
        PlanItem.objects.filter(plan__status__in=[P.SUBMITTED, P.PUBLISHED], assistance_needed=True)
        .exclude(status=PlanItem.Status.DONE)
        .filter(Q(request__isnull=True) | ~Q(request__status__in=DELIVERED))
        .annotate(current=_current_version())
        .filter(plan__version=F("current"))
        .select_related("plan__state", "request")
        .order_by("plan__state__name", "target_date", "order", "id")
    )


def states_with_plans():
    """Every State with a plan version shared with the Committee or published, by name."""
    return (
        State.objects.filter(plans__status__in=[P.SUBMITTED, P.PUBLISHED])
        .annotate(plan_versions=Count("plans", filter=Q(plans__status__in=[P.SUBMITTED, P.PUBLISHED])))
        .annotate(latest_version=Max("plans__version", filter=Q(plans__status=P.PUBLISHED)))
        .order_by("name")
    )


def review_counts(known=None) -> dict:
    """How many rows each tab of the experts' list has (those in `known` already counted)."""
    counts = dict(known or {})
    if "states" not in counts:
        counts["states"] = states_with_plans().count()
    if "waiting" not in counts:
        counts["waiting"] = waiting_items().count()
    return counts


def describe_states(states, today=None) -> list[State]:
    """A page of `states_with_plans` with, for each, its latest published version (date, period end,
    progress) and the version waiting for the Committee's review (days waiting). Two queries."""
    today = today or timezone.localdate()
    states = list(states)
    plans = (
        Plan.objects.filter(state__in=states, status__in=[P.SUBMITTED, P.PUBLISHED])
        .prefetch_related(
            Prefetch("items", queryset=PlanItem.objects.select_related("request").order_by("order", "id"))
        )
        .order_by("state_id", "-version")
        .defer("summary")
    )
    by_state = {}
    for plan in plans:
        by_state.setdefault(plan.state_id, []).append(plan)
    for state in states:
        versions = by_state.get(state.pk, [])
        state.plan_published = next((p for p in versions if p.status == P.PUBLISHED), None)
        state.plan_waiting = next((p for p in versions if p.status == P.SUBMITTED), None)
        if state.plan_published:
            state.plan_progress = services.progress(state.plan_published.items.all(), today=today)
            end = state.plan_published.period_end
            state.plan_expired = bool(end and end < today)
        else:
            state.plan_progress, state.plan_expired = None, False
        if state.plan_waiting and state.plan_waiting.submitted_at:
            state.days_waiting = (today - timezone.localdate(state.plan_waiting.submitted_at)).days
        else:
            state.days_waiting = None
    return states


def describe_waiting(items, today=None) -> list[PlanItem]:
    today = today or timezone.localdate()
    items = list(items)
    for item in items:
        item.overdue = bool(item.target_date and item.target_date < today)
    return items


def review_page(plan) -> dict:
    """A version as the Committee's experts review it: its items, its comments (on the whole plan and per
    item), its progress. Four queries."""
    items = describe_items(plan.items.select_related("request").order_by("order", "id"), public=False)
    comments = list(PlanComment.objects.filter(plan=plan).select_related("author").order_by("created_at", "id"))
    by_item = {}
    for note in comments:
        by_item.setdefault(note.item_id, []).append(note)
    for item in items:
        item.comment_list = by_item.get(item.pk, [])
    plan.language_name = language_name(plan.language)
    return {
        "plan": plan,
        "items": items,
        "plan_comments": by_item.get(None, []),
        "comment_count": len(comments),
        "progress": services.progress(items),
        "commentable": plan.status == P.SUBMITTED,
    }


def item_of(plan, pk) -> PlanItem | None:
    """An item of `plan` by its id (None when it is not one of the plan's)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return PlanItem.objects.filter(plan=plan, pk=pk).first()
