"""What the assistance pages read: the querysets of their lists and the data each page shows, for
every audience (the State's officials, providers' staff, the Committee's experts, the public).

Reads only: every change goes through `assistance.services`. The pages parse their input, call a
selector or a service, and render. Each selector runs a constant number of queries whatever the
number of requests, needs, cells or matches. The matrices app is read here (its rows' labels, the
State's gaps), never from the views.
"""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance import metrics, services
from assistance.forms import cell_value, suggest_area, suggest_columns
from assistance.models import (
    AssistanceArea,
    AssistanceRequest,
    AssistanceType,
    Column,
    Match,
    NeedCell,
    Offer,
    Provider,
)
from matrices.models import Aspect, Cell, CellColumn, Matrix, Row
from matrices.services import state_gaps
from portal.core.collation import translated
from portal.core.exceptions import NotVisible
from portal.core.languages import language_name
from portal.core.templatetags.portal_tags import duration

R = AssistanceRequest.Status
WAITING = [R.SUBMITTED, R.ROUTED, R.UNMATCHED]
# The matches with their provider and offer in one query (the pages name the offer of each match).
DETAIL_PREFETCH = ("needs__cells", Prefetch("matches", queryset=Match.objects.select_related("provider", "offer")),
                   "progress__provider", "preferred_providers", "approached_providers")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# A request: its template, its needs and the matrix cells they address


def request_template(request_obj) -> dict:
    """A request's template as the services (and the API's JSON) take it."""
    return {
        "area": request_obj.area.code if request_obj.area_id else "",
        "columns": list(request_obj.columns),
        "assistance_type": request_obj.assistance_type,
        "title": request_obj.title,
        "beneficiary_agencies": request_obj.beneficiary_agencies,
        "timeline": request_obj.timeline,
        "language": request_obj.language,
        "contact_person": request_obj.contact_person,
        "consent_to_publish": request_obj.consent_to_publish,
        "preferred_providers": [p.slug for p in request_obj.preferred_providers.all()],
        "approached_providers": [p.slug for p in request_obj.approached_providers.all()],
        "from_offer": request_obj.from_offer_id,
        "needs": [
            {
                "description": need.description,
                "cells": [
                    {"matrix": c.matrix_id, "row": c.row_code, "column": c.column, "aspect": c.aspect}
                    for c in need.cells.all()
                ],
            }
            for need in request_obj.needs.all()
        ],
    }


def column_labels(columns) -> list[str]:
    names = dict(Column.choices)
    return [names.get(c, c) for c in columns]


def needs_with_cells(request_obj) -> list:
    """The request's needs, each cell with its row label and its current mark in that matrix version.

    Three queries whatever the number of needs and cells."""
    needs = list(
        request_obj.needs.prefetch_related(
            Prefetch(
                "cells",
                queryset=NeedCell.objects.select_related("matrix__regime").order_by("row_code", "column", "aspect"),
            )
        )
    )
    cells = [cell for need in needs for cell in need.cells.all()]
    if not cells:
        return needs
    codes = {cell.row_code for cell in cells}
    labels = {
        (template_id, code): label
        for template_id, code, label in Row.objects.filter(
            template_id__in={cell.matrix.template_id for cell in cells}, code__in=codes
        ).values_list("template_id", "code", "label")
    }
    marks = {
        (matrix_id, code, column, aspect): mark
        for matrix_id, code, column, aspect, mark in Cell.objects.filter(
            matrix_id__in={cell.matrix_id for cell in cells}, row__code__in=codes
        ).values_list("matrix_id", "row__code", "column", "aspect", "mark")
    }
    columns, aspects = dict(CellColumn.choices), dict(Aspect.choices)
    for cell in cells:
        cell.row_label = labels.get((cell.matrix.template_id, cell.row_code), "")
        cell.column_label = columns.get(cell.column, cell.column)
        cell.aspect_label = aspects.get(cell.aspect, cell.aspect)
        cell.mark = marks.get((cell.matrix_id, cell.row_code, cell.column, cell.aspect), "")
    return needs


def cell_details(keys, matrices) -> dict:
    """{(matrix id, row code): row label, section and regime} for the cells `keys`, in two queries.

    `matrices` is the queryset of versions the labels may come from (the viewer's visible ones)."""
    matrix_ids = {key[0] for key in keys}
    codes = {key[1] for key in keys}
    if not matrix_ids:
        return {}
    versions = {
        m["pk"]: m for m in matrices.filter(pk__in=matrix_ids).values("pk", "template_id", "regime__code", "version")
    }
    rows = {
        (r["template_id"], r["code"]): r
        for r in Row.objects.filter(template_id__in={m["template_id"] for m in versions.values()}, code__in=codes)
        .values("template_id", "code", "label", "section__code", section_label=translated("section__label"))
    }  # fmt: skip
    details = {}
    for matrix_id, code in {(key[0], key[1]) for key in keys}:
        version = versions.get(matrix_id)
        row = version and rows.get((version["template_id"], code))
        if row:
            details[(matrix_id, code)] = {
                "label": row["label"],
                "section": row["section__code"],
                "section_label": row["section_label"],
                "regime": version["regime__code"],
                "version": version["version"],
            }
    return details


def described_needs(request_obj) -> list:
    """The request's (prefetched) needs, each with `cell_list`: its cells with their row's label,
    section and regime, from the matrices of the request's State."""
    needs = list(request_obj.needs.all())
    details = cell_details(
        [(c.matrix_id, c.row_code) for need in needs for c in need.cells.all()],
        Matrix.objects.filter(state_id=request_obj.state_id),
    )
    for need in needs:
        need.cell_list = [{"cell": c, **details.get((c.matrix_id, c.row_code), {})} for c in need.cells.all()]
    return needs


# ---------------------------------------------------------------------------------------------
# The State official's pages


def next_step(obj) -> str:
    """What the State does next with a request (or what it is waiting for)."""
    match obj.status:
        case R.DRAFT:
            return _("Complete the template and submit it.")
        case R.SUBMITTED:
            return _("Being routed to matching providers.")
        case R.ROUTED:
            return _("Waiting for one of the matched providers to claim it.")
        case R.UNMATCHED:
            return _("No provider fits yet: the Committee's experts are looking for one.")
        case R.CLAIMED:
            return _("%(provider)s is working on it.") % {"provider": obj.claimed_by.name if obj.claimed_by else ""}
        case R.DELIVERED:
            return _("Give your feedback on the assistance delivered.")
        case R.CLOSED:
            return _("Closed after your feedback.")
        case _:
            return _("Withdrawn.")


def state_requests(user) -> dict:
    """The official's State's requests, newest first, each with its next step; counts by status."""
    requests = list(
        AssistanceRequest.objects.visible_to(user)
        .filter(state_id=user.state_id)
        .select_related("area", "claimed_by")
        .annotate(match_count=Count("matches"))
        .order_by("-created_at", "-id")
    )
    counts = {}
    for obj in requests:
        obj.next_step = next_step(obj)
        counts[obj.status] = counts.get(obj.status, 0) + 1
    summary = [(status, counts[status]) for status in R.values if status in counts]
    return {"requests": requests, "summary": summary}


def official_request(obj) -> dict:
    """The official's page of one request (prefetched with DETAIL_PREFETCH): needs, matches, timeline."""
    matches = list(obj.matches.all())
    for match in matches:
        match.is_lead = match.provider_id == obj.claimed_by_id
    timeline = [
        (_("Created"), obj.created_at),
        (_("Submitted"), obj.submitted_at),
        (_("Routed to providers"), obj.routed_at),
        (_("Claimed by a provider"), obj.claimed_at),
        (_("Delivered"), obj.delivered_at),
        (_("Closed after feedback"), obj.closed_at),
    ]
    if obj.escalated_at:
        timeline.append((_("Escalated: routed wider"), obj.escalated_at))
    if obj.withdrawn_at:
        timeline.append((_("Withdrawn"), obj.withdrawn_at))
    return {
        "obj": obj,
        "next_step": next_step(obj),
        "needs": described_needs(obj),
        "matches": matches,
        "supporting": [m for m in matches if m.supporting_since],
        "progress": list(obj.progress.all()),
        "timeline": timeline,
        "can_edit": obj.status == R.DRAFT,
        "can_withdraw": obj.status in services.WITHDRAWABLE,
        "conversations": conversations(obj, [m.provider for m in matches], can_ask=True),
    }


def gaps_of(user) -> list[dict]:
    """The gaps of the official's State, each with its section's label (what a need can point at)."""
    data = state_gaps(user.state, user)
    labels = {(s["regime"], s["section"]): s["label"] for s in data["sections"]}
    for gap in data["gaps"]:
        gap["section_label"] = labels.get((gap["regime"], gap["section"]), gap["section"])
    return data["gaps"]


def _key(cell):
    return (cell["matrix"], cell["row"], cell["column"], cell["aspect"])


def template_choices(user, extra_cells=()) -> dict:
    """What the template form offers: the areas, the providers, the State's gaps, and `extra_cells`
    (cells chosen already that are not gaps) described from the State's matrices the user may see."""
    gaps = gaps_of(user)
    gap_keys = {_key(g) for g in gaps}
    extra = [c for c in extra_cells if _key(c) not in gap_keys]
    details = cell_details(
        [(c["matrix"], c["row"]) for c in extra], Matrix.objects.visible_to(user).filter(state=user.state_id)
    )
    return {
        "areas": list(AssistanceArea.objects.order_by("label")),
        "providers": list(Provider.objects.order_by("name")),
        "gaps": gaps,
        "extra_cells": [{**c, **details.get((c["matrix"], c["row"]), {})} for c in extra],
    }


def prefilled_template(user, cells) -> dict:
    """The form's initial values for a request started from cells of the gap list: need 1 points at
    them; the weapon columns and the area are suggested from them."""
    gaps = {_key(g): g for g in gaps_of(user)}
    described = [{**cell, **gaps.get(_key(cell), {})} for cell in cells]
    return {
        "need-0-cells": [cell_value(*_key(c)) for c in cells],
        "columns": suggest_columns(cells),
        "area": suggest_area(described, set(AssistanceArea.objects.values_list("code", flat=True))),
    }


# ---------------------------------------------------------------------------------------------
# The provider's pages


def routed_to(user):
    """The requests routed to the user's organisation, among those the user may see."""
    return AssistanceRequest.objects.visible_to(user).filter(
        pk__in=Match.objects.filter(provider_id=user.provider_id).values("request_id")
    )


def inbox_rows(queryset, provider_id):
    """The inbox's rows: newest submission first, each with the organisation's own match."""
    return (
        queryset.select_related("state__region", "area", "claimed_by")
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=Match.objects.filter(provider_id=provider_id).select_related("provider", "offer"),
                to_attr="own_matches",
            )
        )
        .order_by(F("submitted_at").desc(nulls_last=True), "-id")
    )


def describe_inbox_page(page):
    """Each row of a page of the inbox with `own_match` and its columns' labels."""
    for item in page.object_list:
        item.own_match = item.own_matches[0] if item.own_matches else None
        item.column_labels = column_labels(item.columns)
    return page


def provider_request(obj, provider_id) -> dict:
    """The provider's page of one request: its needs, the organisation's match, what it may do."""
    matches = list(obj.matches.select_related("provider", "offer"))
    own = next((m for m in matches if m.provider_id == provider_id), None)
    lead = obj.status == R.CLAIMED and obj.claimed_by_id == provider_id
    supporting = bool(own and own.supporting_since)
    return {
        "req": obj,
        "columns": column_labels(obj.columns),
        "own_match": own,
        "supporters": [m for m in matches if m.supporting_since],
        "needs": needs_with_cells(obj),
        "active_providers": [
            item for item in _active_providers(obj) if not (own and item["slug"] == own.provider.slug)
        ],
        "progress": list(obj.progress.select_related("provider", "author")),
        "lead": lead,
        "delivered_by_us": obj.claimed_by_id == provider_id,
        "supporting": supporting,
        "can_claim": obj.status == R.ROUTED,
        "can_join": obj.status == R.CLAIMED and not lead and not supporting,
        "can_report": obj.status == R.CLAIMED and (lead or supporting),
        "conversations": conversations(obj, [own.provider] if own else []),
    }


def _active_providers(obj):
    return services.active_providers_in_state(obj.state_id, exclude_request=obj.pk)


# ---------------------------------------------------------------------------------------------
# The experts' pages

SHOWN_MATCHES = 3  # per request in the list; the request's page has them all

# The quick tabs of the list: which requests each shows, and in which order.
TABS = {
    "all": {
        "label": gettext_lazy("All submitted"),
        "filter": ~Q(status=R.DRAFT),
        "order": [F("submitted_at").desc(nulls_last=True), "-id"],
    },
    "unmatched": {
        "label": gettext_lazy("Unmatched"),
        "filter": Q(status=R.UNMATCHED),
        "order": [F("submitted_at").asc(nulls_last=True), "id"],
    },
    "escalated": {
        "label": gettext_lazy("Escalated, not claimed"),
        "filter": Q(escalated_at__isnull=False, status__in=WAITING),
        "order": [F("escalated_at").asc(), "id"],
    },
    "waiting": {
        "label": gettext_lazy("Waiting longest"),
        "filter": Q(status__in=WAITING),
        "order": [F("submitted_at").asc(nulls_last=True), "id"],
    },
}


class Counted:
    """Rows whose number is known already (counted with the tabs): a paginator asks no second COUNT."""

    def __init__(self, queryset, count: int):
        self.queryset, self.number = queryset, count
        self.ordered = queryset.ordered

    def count(self):
        return self.number

    def __len__(self):
        return self.number

    def __getitem__(self, key):
        return self.queryset[key]


def expert_rows(filtered, tab_key) -> tuple[Counted, dict]:
    """The filtered requests of one tab, in its order, and how many requests each tab has (one query)."""
    counts = filtered.aggregate(**{key: Count("id", filter=info["filter"]) for key, info in TABS.items()})
    tab = TABS[tab_key]
    rows = (
        filtered.filter(tab["filter"])
        .select_related("state__region", "area", "claimed_by")
        .prefetch_related(Prefetch("matches", queryset=Match.objects.select_related("provider", "offer")))
        .order_by(*tab["order"])
    )
    return Counted(rows, counts[tab_key]), counts


def describe_expert_page(page):
    """Each row of a page of the list with the days it has waited and its first matches."""
    now = timezone.now()
    for item in page.object_list:
        item.days_waiting = (now - item.submitted_at).days if item.submitted_at and item.status in WAITING else None
        matches = list(item.matches.all())
        item.shown_matches, item.more_matches = matches[:SHOWN_MATCHES], len(matches) - SHOWN_MATCHES
    return page


def expert_request(obj) -> dict:
    """The expert's page of one request: every match, the needs, progress, who is active in the State."""
    matches = list(obj.matches.select_related("provider", "offer"))
    return {
        "req": obj,
        "columns": column_labels(obj.columns),
        "matches": matches,
        "conversations": conversations(obj, [m.provider for m in matches]),
        "needs": needs_with_cells(obj),
        "progress": list(obj.progress.select_related("provider", "author")),
        "active_providers": _active_providers(obj),
        "can_route": obj.status in (R.SUBMITTED, R.ROUTED, R.UNMATCHED),
    }


STAGE_LABELS = {
    "time_to_route": gettext_lazy("Time to route"),
    "time_to_claim": gettext_lazy("Time to claim"),
    "time_to_deliver": gettext_lazy("Time to deliver"),
}
BREAKDOWNS = {
    "by_provider": gettext_lazy("By provider (lead)"),
    "by_area": gettext_lazy("By area of assistance"),
    "by_region": gettext_lazy("By UN regional group"),
    "by_regime": gettext_lazy("By regime"),
}
PERIODS = [(30, gettext_lazy("Last 30 days")), (90, gettext_lazy("Last 90 days")), (365, gettext_lazy("Last year"))]


def turnaround_periods(query) -> list[dict]:
    """The quick periods of the dashboard: the query string `query` with `since` set, `until` dropped."""
    today = timezone.localdate()
    periods = []
    for days, label in PERIODS:
        query = query.copy()
        query.pop("until", None)
        query["since"] = (today - timedelta(days=days)).isoformat()
        periods.append({"label": label, "query": query.urlencode()})
    return periods


def _by_status(figures) -> dict:
    """The counts by status in the lifecycle's order."""
    return {s: figures["by_status"][s] for s in R.values if s in figures["by_status"]}


def turnaround(filters: dict) -> dict:
    """The dashboard's figures (cached when nothing is filtered) as its tables and charts show them."""
    figures = metrics.turnaround(**filters) if filters else metrics.cached_figures()
    statuses = dict(R.choices)
    return {
        "figures": figures,
        "filtered": bool(filters),
        "status_counts": [(statuses[s], n) for s, n in _by_status(figures).items()],
        "stages": [(label, figures[key]) for key, label in STAGE_LABELS.items()],
        "stage_labels": list(STAGE_LABELS.values()),
        "breakdowns": [
            {"key": key, "title": title, "groups": [_with_stages(g) for g in figures[key]]}
            for key, title in BREAKDOWNS.items()
        ],
        "waiting": [
            {
                **item,
                "status_label": statuses.get(item["status"], item["status"]),
                "waiting_days": round(item["waiting_hours"] / 24, 1),
            }
            for item in figures["waiting_longest"]
        ],
        "charts": chart_data(figures),
    }


def _with_stages(group):
    return {**group, "stages": [group[key] for key in STAGE_LABELS]}


def chart_data(figures) -> dict:
    """What static/js/turnaround.js draws: one entry per canvas, labels already translated."""
    statuses = dict(R.choices)
    by_status = _by_status(figures)
    charts = {
        "by_status": {
            "type": "bar",
            "labels": [str(statuses[s]) for s in by_status],
            "datasets": [{"label": str(_("Requests")), "data": list(by_status.values())}],
            "unit": str(_("requests")),
        },
        "stages": {
            "type": "bar",
            "labels": [str(label) for label in STAGE_LABELS.values()],
            "datasets": [
                {"label": str(_("Median (hours)")), "data": [figures[s]["median_hours"] for s in STAGE_LABELS]},
                {"label": str(_("90th percentile (hours)")), "data": [figures[s]["p90_hours"] for s in STAGE_LABELS]},
            ],
            "unit": str(_("hours")),
        },
    }
    for key in BREAKDOWNS:
        groups = figures[key]
        charts[key] = {
            "type": "bar",
            # Many groups, or long names (providers, areas), read better as horizontal bars.
            "horizontal": len(groups) > 6 or any(len(group["label"]) > 30 for group in groups),
            "labels": [group["label"] for group in groups],
            "datasets": [
                {
                    "label": str(_("%(stage)s, median (hours)") % {"stage": label}),
                    "data": [group[stage]["median_hours"] for group in groups],
                }
                for stage, label in STAGE_LABELS.items()
            ],
            "unit": str(_("hours")),
        }
    return charts


# ---------------------------------------------------------------------------------------------
# The public pages: what an anonymous visitor may see, whoever asks

PUBLIC_STAGE_LABELS = {
    "time_to_route": gettext_lazy("Time to route (submitted to routed)"),
    "time_to_claim": gettext_lazy("Time to claim (routed to claimed)"),
    "time_to_deliver": gettext_lazy("Time to deliver (claimed to delivered)"),
}


def published_requests():
    """The requests published with their States' consent, newest submission first."""
    return (
        AssistanceRequest.objects.visible_to(AnonymousUser())
        .select_related("state__region", "area", "claimed_by")
        .order_by("-submitted_at", "-id")
    )


def public_figures(statuses) -> dict:
    """The aggregate figures of the public page: time per stage, requests by status, area and region.

    Durations are formatted as the `|duration` filter does (the page's tests read them so)."""
    figures = metrics.cached_figures()
    by_status = figures.get("by_status", {})
    total = sum(by_status.values()) or 1
    return {
        "figures": figures,
        "stages": [
            {
                "label": label,
                "count": figures[name]["count"],
                "median": duration(figures[name]["median_hours"]),
                "p90": duration(figures[name]["p90_hours"]),
            }
            for name, label in PUBLIC_STAGE_LABELS.items()
        ],
        "by_status": [
            {
                "label": status.label,
                "count": by_status[status.value],
                "percent": round(100 * by_status[status.value] / total),
                "status": status.value,
            }
            for status in statuses
            if by_status.get(status.value)
        ],
        "by_area": [_stage_row(group["label"], group) for group in figures.get("by_area", [])],
        "by_region": [_stage_row(group["label"], group) for group in figures.get("by_region", [])],
    }


def _stage_row(label, group):
    """A row of the figures by area or region: its requests and each stage's median (`|duration`)."""
    return {
        "label": label,
        "requests": group.get("requests", group.get("count")),
        **{name: duration(group[name]["median_hours"]) for name in PUBLIC_STAGE_LABELS},
    }


def _public_matches():
    """The matches with their offer, and whether it is current today (its public page is linked)."""
    current = Offer.objects.current().filter(pk=OuterRef("offer_id"))
    return Match.objects.select_related("provider", "offer").annotate(offer_current=Exists(current))


def public_request(pk) -> dict:
    """A published request for its public page: the template and its needs, never the contact person.

    NotVisible (404) for a request that is not published."""
    obj = services.get_visible(
        AnonymousUser(),
        pk,
        AssistanceRequest.objects.prefetch_related("needs__cells", Prefetch("matches", _public_matches())),
    )
    matches = list(obj.matches.all())
    return {
        "obj": obj,
        "needs": described_needs(obj),
        "supporting": [m.provider for m in matches if m.supporting_since],
        "matched": [m.provider for m in matches],
        "timeline": [
            (_("Submitted"), obj.submitted_at),
            (_("Routed to providers"), obj.routed_at),
            (_("Claimed by a provider"), obj.claimed_at),
            (_("Delivered"), obj.delivered_at),
            (_("Closed"), obj.closed_at),
            *([(_("Withdrawn"), obj.withdrawn_at)] if obj.withdrawn_at else []),
        ],
    }


# ---------------------------------------------------------------------------------------------
# Confirmation pages: what withdrawing or delivering a request will do, before it is done


def _providers_involved(obj) -> list:
    """The providers the request was routed to, lead first, then supporting, then by score. One query."""
    matches = list(obj.matches.select_related("provider"))
    for match in matches:
        match.is_lead = match.provider_id == obj.claimed_by_id
        match.is_supporting = bool(match.supporting_since)
    return sorted(matches, key=lambda m: (not m.is_lead, not m.is_supporting, -m.score, m.provider.name))


def withdraw_summary(obj) -> dict:
    """What withdrawing a request ends: its needs with their matrix cells, and the providers it was
    routed to (lead and supporting first), who see it withdrawn. A fixed number of queries."""
    providers = _providers_involved(obj)
    return {
        "needs": needs_with_cells(obj),
        "providers": providers,
        "lead": next((m for m in providers if m.is_lead), None),
        "next_step": next_step(obj),
    }


def _hours_since(moment, now):
    """How long ago `moment` was, for people (`5.2 h`, `3.1 days`); None when it is unknown."""
    return duration((now - moment).total_seconds() / 3600) if moment else None


def deliver_summary(obj, provider_id) -> dict:
    """What marking a request delivered closes: its needs, the other providers supporting it, the
    progress reports, and how long it has been worked on. A fixed number of queries."""
    providers = _providers_involved(obj)
    now = timezone.now()
    return {
        "needs": needs_with_cells(obj),
        "columns": column_labels(obj.columns),
        "supporters": [m for m in providers if m.is_supporting and m.provider_id != provider_id],
        "progress_count": obj.progress.count(),
        "since_claimed": _hours_since(obj.claimed_at, now),
        "since_submitted": _hours_since(obj.submitted_at, now),
    }


# ---------------------------------------------------------------------------------------------
# Assistance offers: the public list and page, a provider's public page, the offers' management

OFFER_PREFETCH = ("areas", "eligible_regions", "eligible_organizations", "eligible_states")


def offer_rows(queryset):
    """Offers with what a row shows: the provider, the areas and the eligibility (a fixed number of queries)."""
    return (
        queryset.select_related("provider").prefetch_related(*OFFER_PREFETCH).order_by("provider__name", "title", "id")
    )


def public_offers():
    """The current published offers of the providers that receive requests: the same for everyone."""
    return Offer.objects.current()


def managed_offers(user):
    """The offers a user manages: their organisation's in every status, or all of them for the Committee."""
    if user.is_reviewer:
        return Offer.objects.all()
    return Offer.objects.filter(provider_id=user.provider_id)


def eligibility_words(offer) -> str:
    """Who may receive an offer, in words: "all States", "members of CARICOM", ... (prefetched)."""
    regions = [r.name for r in offer.eligible_regions.all()]
    organizations = [o.code for o in offer.eligible_organizations.all()]
    states = [s.name for s in offer.eligible_states.all()]
    excluded = sorted(offer.excluded_organizations)
    if not (regions or organizations or states):
        if excluded:
            return _("all States but the members of %(names)s") % {"names": ", ".join(excluded)}
        return _("all States")
    parts = []
    if regions:
        parts.append(_("States of the UN regional groups %(names)s") % {"names": ", ".join(regions)})
    if organizations:
        parts.append(_("members of %(names)s") % {"names": ", ".join(organizations)})
    if states:
        parts.append(", ".join(states))
    return "; ".join(parts)


def describe_offers(offers) -> list:
    """Each offer (see `offer_rows`) with its labels in words, its eligibility, and whether it is current."""
    offers = list(offers)
    types, today = dict(AssistanceType.choices), timezone.localdate()
    for offer in offers:
        offer.area_labels = [a.label for a in offer.areas.all()]
        offer.column_labels = column_labels(offer.columns)
        offer.type_labels = [types.get(t, t) for t in offer.assistance_types]
        offer.language_names = [language_name(code) for code in offer.languages]
        offer.eligibility_words = eligibility_words(offer)
        offer.is_current = (
            offer.status == Offer.Status.PUBLISHED
            and offer.provider.active
            and (offer.valid_from is None or offer.valid_from <= today)
            and (offer.valid_until is None or offer.valid_until >= today)
        )
        offer.expired = bool(offer.valid_until and offer.valid_until < today)
    return offers


def offer_form_choices(*, with_providers=False) -> dict:
    """What the offer form offers: areas, UN regional groups, regional organisations, States (and the
    providers, for an offer the Committee adds)."""
    from states.models import RegionalGroup, RegionalOrganization, State

    return {
        "areas": list(AssistanceArea.objects.order_by("label")),
        "regions": list(RegionalGroup.objects.order_by("name")),
        "organizations": list(RegionalOrganization.objects.order_by("name")),
        "states": list(State.objects.order_by("name").only("iso3", "name")),
        "providers": list(Provider.objects.order_by("name")) if with_providers else None,
    }


def offer_withdraw_summary(offer) -> dict:
    """What withdrawing an offer leaves as it is: the requests matched through it, those started from it."""
    return {"matched_count": offer.matches.count(), "started_count": offer.requests.count()}


def provider_profile(slug) -> dict:
    """A provider's public page: who it is, its current offers, and how fast it claims and delivers
    the requests it leads (`metrics.turnaround`). NotVisible (404) for an unknown provider."""
    provider = Provider.objects.filter(slug=slug).first()
    if provider is None:
        raise NotVisible(_("No assistance provider %(slug)s.") % {"slug": slug})
    offers = describe_offers(offer_rows(public_offers().filter(provider=provider)))
    figures = metrics.turnaround(provider=provider)
    return {
        "provider": provider,
        "offers": offers,
        "figures": figures,
        "stages": [
            {"label": PUBLIC_STAGE_LABELS[name], "name": name, **figures[name]}
            for name in ("time_to_claim", "time_to_deliver")
        ],
    }


# ---------------------------------------------------------------------------------------------
# The conversations on a request between the State and each matched provider


def conversations(obj, providers, *, can_ask=False) -> list[dict]:
    """The conversations on request `obj` with `providers` (those the reader may read), by provider
    name: how many messages each has, when the last was sent, and its page. With `can_ask` (the State's
    officials while the request is open), a conversation with no message yet offers to ask a question.

    One query whatever the number of providers and messages."""
    from django.db.models import Max
    from django.urls import reverse

    from assistance.conversation import OPEN_STATUSES
    from assistance.models import Message

    providers = sorted(providers, key=lambda p: p.name)
    if not providers:
        return []
    stats = {
        row["provider_id"]: row
        for row in Message.objects.filter(request=obj, provider__in=providers)
        .values("provider_id")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by()
    }
    is_open = obj.status in OPEN_STATUSES
    return [
        {
            "provider": provider,
            "count": stats.get(provider.pk, {}).get("count", 0),
            "last_at": stats.get(provider.pk, {}).get("last_at"),
            "url": reverse("assistance:conversation", args=[obj.pk, provider.slug]),
            "ask": can_ask and is_open and provider.pk not in stats,
        }
        for provider in providers
    ]


# ---------------------------------------------------------------------------------------------
# A request started from elsewhere (a plan item)


def template_from_cells(user, cells, *, title, need) -> dict:
    """The template of a draft request started from `cells` ({"row", "column", "aspect"}, no matrix:
    a plan item's): one need, pointing at those of the cells that are gaps of the official's State
    now (in its latest version of each regime), with the columns and the area suggested from them."""
    gaps = state_gaps(user.state, user)["gaps"]
    wanted = {(c["row"], c["column"], c["aspect"]) for c in cells}
    matched = [g for g in gaps if (g["row"], g["column"], g["aspect"]) in wanted]
    known = set(AssistanceArea.objects.values_list("code", flat=True))
    return {
        "title": title,
        "columns": suggest_columns(cells),
        "area": suggest_area(matched or cells, known) or None,
        "needs": [
            {
                "description": need,
                "cells": [{k: g[k] for k in ("matrix", "row", "column", "aspect")} for g in matched],
            }
        ],
    }
