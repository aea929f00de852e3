"""What the action plans' pages read: the data each page shows. Reads only: every change goes through
`plans.services`. Each selector runs a constant number of queries whatever the number of versions,
items, cells or comments. The matrices and the assistance apps are read here (row labels, the State's
gaps), never from the views."""

from django.db.models import Prefetch
from django.urls import NoReverseMatch
from django.utils import timezone

from assistance import selectors as assistance_selectors
from matrices import selectors as matrix_selectors
from plans import queries, services
from plans.models import Plan, PlanComment, PlanItem
from portal.core.languages import language_name
from portal.core.usertext import writer_language

P = Plan.Status
# One colour per status, as the other status badges: being written (secondary), with the Committee
# (info), public (success). The items' colours are `plans.queries.ITEM_TONES`, as on the public page.
PLAN_TONES = {P.DRAFT: "secondary", P.SUBMITTED: "info", P.PUBLISHED: "success"}
ITEMS_WITH_REQUESTS = Prefetch("items", queryset=PlanItem.objects.select_related("request"))


def badge(status, label, tones) -> dict:
    """The context of `includes/status_badge.html` for a plan's or an item's status."""
    return {"status": status, "label": label, "tone": tones.get(status, "secondary")}


def public_url(plan) -> str:
    """Where the public reads a version once it is published."""
    try:
        return plan.get_absolute_url()
    except NoReverseMatch:
        return f"/states/{plan.state.iso3}/plan/v{plan.version}/"


# ---------------------------------------------------------------------------------------------
# The State's versions


def state_versions(user) -> dict:
    """Every version of the official's State, newest first, each with its progress; the open one
    (a draft or a version shared with the Committee), if any. Three queries."""
    versions = list(
        Plan.objects.visible_to(user)
        .filter(state_id=user.state_id)
        .select_related("state")
        .prefetch_related(ITEMS_WITH_REQUESTS)
        .order_by("-version")
    )
    today = timezone.localdate()
    for plan in versions:
        plan.badge = badge(plan.status, plan.get_status_display(), PLAN_TONES)
        plan.progress = services.progress(plan.items.all(), today)
    open_version = next((p for p in versions if p.status in (P.DRAFT, P.SUBMITTED)), None)
    return {
        "versions": versions,
        "open_version": open_version,
        "latest_published": next((p for p in versions if p.status == P.PUBLISHED), None),
    }


def new_version_initial(state) -> dict:
    """A new version's fields start as the latest published version's."""
    base = services.latest_published(state)
    if base is None:
        return {"language": writer_language()}
    return {
        "title": base.title,
        "summary": base.summary,
        "period_start": base.period_start.isoformat() if base.period_start else "",
        "period_end": base.period_end.isoformat() if base.period_end else "",
        "language": base.language,
    }


# ---------------------------------------------------------------------------------------------
# Matrix cells


def cell_key(cell) -> tuple:
    return (cell["row"], cell["column"], cell["aspect"])


def cell_choices(user, chosen=()) -> dict:
    """What the item form offers: the gaps of the official's State (from the assistance selectors: the
    same list as the request form), and the `chosen` cells ({"row", "column", "aspect"}) that are not
    gaps now, with their row's label (shown apart; the services check them)."""
    gaps = assistance_selectors.gaps_of(user)
    gap_keys = {cell_key(g) for g in gaps}
    extra = [c for c in chosen if cell_key(c) not in gap_keys]
    labels = matrix_selectors.cell_labels(cell_key(c) for c in extra)
    # The item's cells have no matrix: 0 stands for "not one of the gaps" in the form's values.
    return {
        "gaps": gaps,
        "extra_cells": [
            {
                "matrix": 0,
                "row": c["row"],
                "column": c["column"],
                "aspect": c["aspect"],
                "label": labels[cell_key(c)].row_label,
            }
            for c in extra
        ],
    }


# ---------------------------------------------------------------------------------------------
# One version: the editor (and its read-only view for the Committee's experts)


def editor(plan, user) -> dict:
    """One version with its items (each with its cells described, its request, whether it is overdue
    or waiting for assistance, and the Committee's comments on it), the comments on the whole plan,
    and the progress. Four queries."""
    items = queries.describe_items(plan.items.select_related("request").order_by("order", "id"), public=False)
    comments = list(PlanComment.objects.filter(plan=plan).select_related("author").order_by("created_at", "id"))
    by_item = {}
    for note in comments:
        by_item.setdefault(note.item_id, []).append(note)
    for item in items:
        item.comment_list = by_item.get(item.pk, [])
    plan.language_name = language_name(plan.language)
    official = user.is_official_of(plan.state_id)
    return {
        "plan": plan,
        "badge": badge(plan.status, plan.get_status_display(), PLAN_TONES),
        "items": items,
        "plan_comments": by_item.get(None, []),
        "progress": services.progress(items),
        "official": official,
        "can_edit": official and plan.status == P.DRAFT,
        "can_reopen": official and plan.status == P.SUBMITTED,
        "can_publish": official and plan.status == P.SUBMITTED,
        "public_url": public_url(plan),
        "max_items": services.MAX_ITEMS,
    }


def publish_summary(plan) -> dict:
    """What the public will see once the State consents: the version's fields and its items as the
    public page shows them. Two queries."""
    plan.language_name = language_name(plan.language)
    items = queries.describe_items(plan.items.select_related("request").order_by("order", "id"))
    return {"items": items, "progress": services.progress(items), "public_url": public_url(plan)}


def own_item(plan, item_pk) -> PlanItem | None:
    """An item of the version, or None."""
    return plan.items.filter(pk=item_pk).select_related("request").first()
