"""Everything that changes an assistance request: the only code that moves its status.

Web forms, API actions and Celery tasks call these functions. Each write is atomic and audited;
status changes are compare-and-swap UPDATEs on the request row, so exactly one concurrent caller
wins (a claim above all).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from assistance import routing
from assistance.models import (
    MAX_TEXT,
    AssistanceArea,
    AssistanceRequest,
    AssistanceType,
    Column,
    Match,
    Need,
    NeedCell,
    Offer,
    ProgressReport,
    Provider,
    RoutingJob,
)
from assistance.reasons import reason
from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.services import record, snapshot
from portal.core.exceptions import DomainError, InvalidInput, InvalidTransition, NotAllowed, NotVisible
from portal.core.languages import LANGUAGES
from portal.core.text import text_errors
from portal.core.usertext import check as check_language
from portal.core.usertext import writer_language

logger = logging.getLogger(__name__)
R = AssistanceRequest.Status

MAX_NEEDS = 20
REQUEST_FIELDS = [
    "status", "area", "columns", "assistance_type", "title", "beneficiary_agencies", "timeline", "language",
    "contact_person", "consent_to_publish", "claimed_by", "from_offer",
]  # fmt: skip


class AlreadyClaimed(DomainError):
    code = "already-claimed"
    default_message = "Another provider has already claimed this request."


# ---------------------------------------------------------------------------------------------
# Who may do what


def is_party(user, request: AssistanceRequest) -> bool:
    """The State's officials, the experts and the providers it was routed to: they see all of a request;
    anyone else sees what the public page shows. Reads the request's matches (prefetch them)."""
    if not (user and user.is_authenticated):
        return False
    if is_reviewer(user) or is_official_of(user, request.state_id):
        return True
    return bool(user.is_provider_staff and user.provider_id) and any(
        match.provider_id == user.provider_id for match in request.matches.all()
    )


def provider_of(user):
    """The provider organisation of a provider-staff user, else NotAllowed."""
    if not (user and user.is_authenticated and user.is_provider_staff and user.provider_id):
        raise NotAllowed(_("Only provider staff may do this."))
    return user.provider


def get_visible(user, pk, queryset=None) -> AssistanceRequest:
    queryset = (queryset if queryset is not None else AssistanceRequest.objects).visible_to(user)
    request = queryset.select_related("state__region", "area", "claimed_by").filter(pk=pk).first()
    if request is None:
        raise NotVisible(_("No assistance request %(id)s that you may see.") % {"id": pk})
    return request


# ---------------------------------------------------------------------------------------------
# The template: validation shared by the web form and the API


def _text(data, name, errors, *, required=False, max_length=MAX_TEXT):
    value, problems = text_errors(data.get(name, ""), max_length=max_length, required=required)
    if problems:
        errors[name] = problems
    return value


def missing_for_submission(*, area, columns, assistance_type, has_needs) -> dict:
    """What a draft still lacks to be submitted: {field: [message]}; empty when it is specific enough."""
    errors = {}
    if not area:
        errors["area"] = [_("Choose the subject area: one request per area.")]
    if not columns:
        errors["columns"] = [_("Choose the weapon columns the request is about.")]
    if not assistance_type:
        errors["assistance_type"] = [_("Choose the type of assistance.")]
    if not has_needs:
        errors["needs"] = [_("Describe at least one specific need: a vague request cannot be routed.")]
    return errors


def clean_template(state, data: dict, *, user, submitting=False) -> dict:
    """Check the assistance template filled by a State; returns cleaned values or raises InvalidInput.

    `data` is what a form or a JSON client sends: codes for the area, slugs for providers, needs
    with the matrix cells they address (`{"matrix": id, "row", "column", "aspect"}`). A draft may
    leave the area, columns, type and needs open; `submitting` reports what is missing as well, so
    a form submitted at once shows every problem together.
    """
    from matrices.models import Matrix
    from matrices.services import layout

    if not isinstance(data, dict):
        raise InvalidInput(_("Send the request as an object."))
    errors = {}
    cleaned = {
        "title": _text(data, "title", errors, required=True, max_length=200),
        "beneficiary_agencies": _text(data, "beneficiary_agencies", errors),
        "timeline": _text(data, "timeline", errors, max_length=200),
        "contact_person": _text(data, "contact_person", errors, max_length=200),
        "consent_to_publish": data.get("consent_to_publish", False),
    }
    if not isinstance(cleaned["consent_to_publish"], bool):
        errors["consent_to_publish"] = [_("Must be true or false.")]
    # A draft may leave the area, the columns and the type open; services.submit requires them.
    area_code = data.get("area") or None
    cleaned["area"] = None
    if area_code is not None:
        if isinstance(area_code, str):
            cleaned["area"] = AssistanceArea.objects.filter(code=area_code).first()
        if cleaned["area"] is None:
            errors["area"] = [_("Unknown area of assistance: %(code)s.") % {"code": area_code}]
    columns = data.get("columns") or []
    if not isinstance(columns, list) or not all(c in Column.values for c in columns):
        errors["columns"] = [_("Choose one or more of NW, CW, BW, MD.")]
    else:
        cleaned["columns"] = [c for c in Column.values if c in columns]
    assistance_type = data.get("assistance_type") or ""
    if assistance_type and assistance_type not in AssistanceType.values:
        errors["assistance_type"] = [
            _("Unknown type of assistance %(given)s: choose one of %(t)s.")
            % {"given": assistance_type, "t": ", ".join(AssistanceType.values)}
        ]
    cleaned["assistance_type"] = assistance_type
    # The language the request is written in (and the State works in): given, else the writer's interface one.
    language = writer_language(data.get("language"))
    if language not in LANGUAGES:
        errors["language"] = [_("Unknown language %(l)s.") % {"l": language}]
    cleaned["language"] = language
    for name in ("preferred_providers", "approached_providers"):
        slugs = data.get(name) or []
        if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
            errors[name] = [_("Give a list of provider slugs.")]
            continue
        providers = list(Provider.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {p.slug for p in providers})
        if unknown:
            errors[name] = [_("Unknown provider(s): %(s)s.") % {"s": ", ".join(unknown)}]
        cleaned[name] = providers

    from_offer = data.get("from_offer")
    cleaned["from_offer"] = None
    if from_offer is not None:
        if type(from_offer) is int:
            # A withdrawn offer stays the request's origin; routing prefers it only while it is current.
            published = Offer.objects.exclude(status=Offer.Status.DRAFT)
            cleaned["from_offer"] = published.filter(pk=from_offer).first()
        if cleaned["from_offer"] is None:
            errors["from_offer"] = [_("No published offer %(id)s.") % {"id": from_offer}]

    needs = data.get("needs") or []
    need_errors, cleaned_needs = {}, []
    if not isinstance(needs, list) or len(needs) > MAX_NEEDS:
        errors["needs"] = [_("Give a list of at most %(n)s needs.") % {"n": MAX_NEEDS}]
        needs = []
    matrix_ids = {
        cell.get("matrix")
        for need in needs
        if isinstance(need, dict) and isinstance(need.get("cells"), list)
        for cell in need["cells"]
        if isinstance(cell, dict) and type(cell.get("matrix")) is int
    }
    matrices = {
        m.pk: m
        for m in Matrix.objects.visible_to(user)
        .filter(state=state, pk__in=[m for m in matrix_ids if 0 < m < 2**63])
        .select_related("template__regime")
    }
    layouts = {pk: {spec.key for spec in layout(m.template)} for pk, m in matrices.items()}
    for index, need in enumerate(needs):
        problems = {}
        if not isinstance(need, dict):
            need_errors[str(index)] = {"need": [_("Each need must be an object.")]}
            continue
        description = _text(need, "description", problems, required=True)
        cells = need.get("cells") or []
        cleaned_cells = []
        if not isinstance(cells, list):
            problems["cells"] = [_("Give a list of matrix cells.")]
            cells = []
        for cell in cells:
            key = (
                (cell.get("row"), cell.get("column"), cell.get("aspect") or "framework")
                if isinstance(cell, dict)
                else None
            )
            matrix_id = cell.get("matrix") if isinstance(cell, dict) else None
            if key is None or not all(isinstance(part, str) for part in key):
                problems["cells"] = [_("Each cell is an object with a matrix, a row, a column and an aspect.")]
            elif type(matrix_id) is not int or matrix_id not in matrices:
                problems["cells"] = [_("Matrix %(m)s is not one of your State's versions.") % {"m": matrix_id}]
            elif key not in layouts[matrix_id]:
                problems["cells"] = [
                    _("Matrix %(m)s has no cell %(k)s.") % {"m": matrix_id, "k": " ".join(map(str, key))}
                ]
            else:
                cleaned_cells.append((matrix_id, *key))
        if problems:
            need_errors[str(index)] = problems
        else:
            cleaned_needs.append({"description": description, "cells": sorted(set(cleaned_cells))})
    if need_errors:
        errors["needs"] = need_errors
    cleaned["needs"] = cleaned_needs
    if submitting:
        missing = missing_for_submission(
            area=cleaned["area"], columns=cleaned.get("columns"), assistance_type=cleaned["assistance_type"],
            has_needs=bool(cleaned_needs),
        )  # fmt: skip
        errors = {**missing, **errors}  # a field's own error says more than "missing"
    if errors:
        raise InvalidInput(_("The request is not complete or not valid; nothing was saved."), errors=errors)
    return cleaned


def _save_template(request, cleaned):
    for name in ("title", "beneficiary_agencies", "timeline", "contact_person", "consent_to_publish", "area",
                 "columns", "assistance_type", "language", "from_offer"):  # fmt: skip
        setattr(request, name, cleaned[name])
    request.save()
    request.preferred_providers.set(cleaned["preferred_providers"])
    request.approached_providers.set(cleaned["approached_providers"])
    request.needs.all().delete()
    for order, need in enumerate(cleaned["needs"]):
        saved = Need.objects.create(request=request, description=need["description"], order=order)
        NeedCell.objects.bulk_create(
            NeedCell(need=saved, matrix_id=m, row_code=r, column=c, aspect=a) for m, r, c, a in need["cells"]
        )


@transaction.atomic
def create(state, data: dict, *, acting_user, submitting=False) -> AssistanceRequest:
    """A new draft request of `state`, by one of its officials (`submitting`: see clean_template)."""
    if not is_official_of(acting_user, state.pk):
        raise NotAllowed(_("Only the State's officials ask for assistance on its behalf."))
    cleaned = clean_template(state, data, user=acting_user, submitting=submitting)
    request = AssistanceRequest(state=state, created_by=acting_user)
    _save_template(request, cleaned)
    record("request.create", request, actor=acting_user, after=snapshot(request, REQUEST_FIELDS))
    return request


@transaction.atomic
def update(request: AssistanceRequest, data: dict, *, acting_user, submitting=False) -> AssistanceRequest:
    if not is_official_of(acting_user, request.state_id):
        raise NotAllowed(_("Only the State's officials change its requests."))
    request = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != R.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be changed; this request is %(s)s.") % {"s": request.get_status_display()}
        )
    before = snapshot(request, REQUEST_FIELDS)
    _save_template(request, clean_template(request.state, data, user=acting_user, submitting=submitting))
    record("request.update", request, actor=acting_user, before=before, after=snapshot(request, REQUEST_FIELDS))
    return request


# ---------------------------------------------------------------------------------------------
# Status changes


def _cas(request, *, from_statuses, verb, acting_user, extra_filter=None, **changes):
    """Move the request's status with one conditional UPDATE; returns the fresh row or None."""
    queryset = AssistanceRequest.objects.filter(pk=request.pk, status__in=from_statuses)
    if extra_filter is not None:
        queryset = queryset.filter(extra_filter)
    if queryset.update(**changes) != 1:
        return None
    before = {"status": request.status}
    request.refresh_from_db()
    record(verb, request, actor=acting_user, before=before, after=snapshot(request, ["status", "claimed_by"]))
    return request


WITHDRAWABLE = (R.DRAFT, R.SUBMITTED, R.ROUTED, R.UNMATCHED, R.CLAIMED)


# One complete sentence per action (translators cannot agree an inserted verb with its sentence).
REFUSALS = {
    "submit": gettext_lazy("Cannot submit a request that is %(status)s."),
    "withdraw": gettext_lazy("Cannot withdraw a request that is %(status)s."),
    "release": gettext_lazy("Cannot release a request that is %(status)s."),
    "report": gettext_lazy("Cannot report progress on a request that is %(status)s."),
    "deliver": gettext_lazy("Cannot deliver a request that is %(status)s."),
    "feedback": gettext_lazy("Cannot give feedback on a request that is %(status)s."),
    "reroute": gettext_lazy("Cannot re-route a request that is %(status)s."),
    "assign": gettext_lazy("Cannot assign a provider to a request that is %(status)s."),
}


def _refusal(status, action) -> InvalidTransition:
    return InvalidTransition(
        REFUSALS[action] % {"status": R(status).label if status else _("gone")}, code="invalid-transition"
    )


# Why an action would be refused, asked before acting (the confirmation pages say it up front). The
# services apply the same rules; their compare-and-swap on the status stays the judge when two people
# act at once.


def withdraw_refusal(user, request: AssistanceRequest) -> DomainError | None:
    if not is_official_of(user, request.state_id):
        return NotAllowed(_("Only the State's officials withdraw its requests."))
    return None if request.status in WITHDRAWABLE else _refusal(request.status, "withdraw")


def deliver_refusal(user, request: AssistanceRequest) -> DomainError | None:
    if request.status != R.CLAIMED:
        return _refusal(request.status, "deliver")
    if request.claimed_by_id != getattr(user, "provider_id", None):
        return NotAllowed(_("Only the provider that claimed the request marks it delivered."))
    return None


def _refuse(request, action):
    current = AssistanceRequest.objects.filter(pk=request.pk).values_list("status", flat=True).first()
    raise _refusal(current, action)


@transaction.atomic
def submit(request: AssistanceRequest, *, acting_user) -> AssistanceRequest:
    """Submit the completed template: a pending routing job is written in the same transaction."""
    if not is_official_of(acting_user, request.state_id):
        raise NotAllowed(_("Only the State's officials submit its requests."))
    errors = missing_for_submission(
        area=request.area_id, columns=request.columns, assistance_type=request.assistance_type,
        has_needs=request.needs.exists(),
    )  # fmt: skip
    if errors:
        raise InvalidInput(_("The request is not specific enough to submit."), errors=errors)
    now = timezone.now()
    submitted = _cas(
        request, from_statuses=[R.DRAFT], verb="request.submit", acting_user=acting_user,
        status=R.SUBMITTED, submitted_at=now,
    )  # fmt: skip
    if submitted is None:
        _refuse(request, "submit")
    job = RoutingJob.objects.create(request=request)
    enqueue_routing(job)
    return request


def enqueue_routing(job: RoutingJob) -> None:
    """Ask a worker to route `job` once the transaction commits; the beat sweeper covers a lost message."""
    from portal.core.tasks import enqueue

    RoutingJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    enqueue("assistance.route_request", job.pk)


@transaction.atomic
def withdraw(request: AssistanceRequest, *, acting_user) -> AssistanceRequest:
    refusal = withdraw_refusal(acting_user, request)
    if isinstance(refusal, NotAllowed):
        raise refusal
    done = _cas(
        request, from_statuses=WITHDRAWABLE, verb="request.withdraw",
        acting_user=acting_user, withdrawn_at=timezone.now(),  status=R.WITHDRAWN,
    )  # fmt: skip
    if done is None:
        _refuse(request, "withdraw")
    return done


def route(job_id: int) -> str:
    """Route the request of a pending job, exactly once: the job row is locked and re-checked.

    Everything happens in one transaction: a worker killed half-way leaves the job pending, and the
    sweeper sends it again. A second run for the same job does nothing.
    """
    with transaction.atomic():
        job = (
            RoutingJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=RoutingJob.Status.PENDING)
            .first()
        )
        if job is None:
            return "skipped"
        request = (
            AssistanceRequest.objects.select_for_update(of=("self",))  # not the joined State and area rows
            .select_related("state", "area")
            .prefetch_related("preferred_providers")
            .get(pk=job.request_id)
        )
        _fault_injection_pause()
        outcome = "ignored"
        new_matches = []
        if request.status in (R.SUBMITTED, R.UNMATCHED) or (job.widen and request.status == R.ROUTED):
            candidates = candidates_for(request, widen=job.widen)
            existing = set(request.matches.order_by().values_list("provider_id", flat=True))
            new_matches = [
                Match(request=request, provider=c.provider, offer=c.offer, score=c.score, reasons=c.reasons)
                for c in candidates
                if c.provider.pk not in existing
            ]
            Match.objects.bulk_create(new_matches)
            now = timezone.now()
            if candidates or existing:
                changes = {"status": R.ROUTED}
                if request.routed_at is None:
                    changes["routed_at"] = now
                AssistanceRequest.objects.filter(pk=request.pk).update(**changes)
                outcome = "routed"
            else:
                AssistanceRequest.objects.filter(pk=request.pk).update(status=R.UNMATCHED)
                outcome = "unmatched"
            record(
                f"request.{outcome}",
                request,
                actor=None,
                before={"status": request.status},
                after={
                    "status": outcome,
                    "matches": [[c.provider.slug, c.offer.pk, c.score, c.reasons] for c in candidates],
                },
            )
        # The attempt is counted here, in the same transaction: a run that does not commit leaves no trace.
        RoutingJob.objects.filter(pk=job.pk).update(
            status=RoutingJob.Status.DONE, finished_at=timezone.now(), attempts=F("attempts") + 1
        )
        match_ids = [m.pk for m in new_matches]
        if match_ids:
            transaction.on_commit(lambda: _notify_matches(match_ids))
        if outcome == "unmatched":
            transaction.on_commit(lambda: _alert_experts(request.pk, "unmatched"))
    return outcome


def _fault_injection_pause():
    """Lets the reliability tests kill a worker in the middle of routing (0 in production)."""
    seconds = settings.ASSISTANCE_ROUTING_PAUSE_SECONDS
    if seconds:
        import time

        time.sleep(seconds)


def offer_profiles(offers=None) -> list[routing.OfferProfile]:
    """Current offers (or the given queryset) with their areas and eligibility read as id pairs, and
    who may receive each in words (for the reasons and the "why not" page): one query per relation."""
    from states.models import RegionalOrganization

    queryset = Offer.objects.current() if offers is None else offers
    offers = list(queryset.select_related("provider").order_by("pk"))
    ids = [o.pk for o in offers]
    links, names = {}, {}
    for relation, column, name in (
        ("areas", "assistancearea_id", None),
        ("eligible_regions", "regionalgroup_id", "regionalgroup__name"),
        ("eligible_organizations", "regionalorganization_id", "regionalorganization__code"),
        ("eligible_states", "state_id", "state__iso3"),
    ):
        through = getattr(Offer, relation).through.objects.filter(offer_id__in=ids).order_by()
        for offer_id, target, label in through.values_list("offer_id", column, name or column):
            links.setdefault((relation, offer_id), set()).add(target)
            names.setdefault((relation, offer_id), []).append(label)
    excluded_codes = {code for offer in offers for code in offer.excluded_organizations}
    org_ids = dict(RegionalOrganization.objects.filter(code__in=excluded_codes).values_list("code", "pk"))
    profiles = []
    for offer in offers:
        offer.eligibility_parts = _eligibility_parts(offer.pk, names)
        if offer.excluded_organizations:
            offer.exclusion_names = ", ".join(sorted(offer.excluded_organizations))
        profiles.append(
            routing.OfferProfile(
                offer,
                area_ids=frozenset(links.get(("areas", offer.pk), ())),
                region_ids=frozenset(links.get(("eligible_regions", offer.pk), ())),
                organization_ids=frozenset(links.get(("eligible_organizations", offer.pk), ())),
                state_ids=frozenset(links.get(("eligible_states", offer.pk), ())),
                excluded_organization_ids=frozenset(org_ids[c] for c in offer.excluded_organizations if c in org_ids),
            )
        )
    return profiles


def _eligibility_parts(offer_id, names) -> list:
    """Who may receive the offer, as the parts of a match's reason (assistance/reasons.py), shown as
    "members of CARICOM; the UN regional groups African, GRULAC; KEN, PER" (empty for an offer open to all)."""
    parts = []
    organizations = sorted(names.get(("eligible_organizations", offer_id), []))
    if organizations:
        parts.append(reason(gettext_noop("members of %(names)s"), names=organizations))
    regions = sorted(names.get(("eligible_regions", offer_id), []))
    if regions:
        parts.append(reason(gettext_noop("the UN regional groups %(names)s"), names=regions))
    states = sorted(names.get(("eligible_states", offer_id), []))
    if states:
        parts.append(states)  # ISO codes, the same in every language
    return parts


def applicant(state) -> routing.Applicant:
    from states.models import Membership

    orgs = Membership.objects.current().filter(state_id=state.pk).values_list("organization_id", flat=True)
    return routing.Applicant(state_id=state.pk, region_id=state.region_id, organization_ids=frozenset(orgs))


def routing_context(request, profiles) -> routing.Context:
    provider_ids = sorted({p.offer.provider_id for p in profiles})
    return routing.Context(
        preferred=frozenset(p.pk for p in request.preferred_providers.all()),
        from_offer=request.from_offer_id,
        offer_used=_offer_used([p.offer for p in profiles]),
        claim_hours=_claim_hours(provider_ids),
    )


def candidates_for(request, *, widen=False, profiles=None) -> list[routing.Candidate]:
    """The offers `request` would be routed to now (reads only; `route` stores them)."""
    wanted = set(request.columns)
    profiles = [p for p in (profiles if profiles is not None else offer_profiles()) if wanted & set(p.offer.columns)]
    return routing.rank(request, profiles, applicant(request.state), routing_context(request, profiles), widen=widen)


def why_not(request: AssistanceRequest, provider: Provider, *, acting_user) -> dict:
    """For an expert: why `provider` is or is not among the request's matches, offer by offer."""
    if not is_reviewer(acting_user):
        raise NotAllowed(_("Only the Committee's experts ask why a provider was not matched."))
    if not request.area_id or not request.columns:
        raise InvalidInput(_("This request has no area or columns yet: nothing to match."))
    profiles = offer_profiles()
    own_offers = Offer.objects.filter(provider=provider).exclude(pk__in=[p.offer.pk for p in profiles])
    explanation = routing.explain(
        request, provider, profiles, applicant(request.state), routing_context(request, profiles),
        widen=request.escalated_at is not None,
    )  # fmt: skip
    # Offers that are not current (draft, withdrawn, outside their dates) are named with the reason.
    explanation["inactive_offers"] = [
        {"offer": offer, "refusal": _inactive_reason(offer)} for offer in own_offers.order_by("pk")
    ]
    if not provider.active:
        explanation["verdict"] = "inactive_provider"
    elif explanation["verdict"] == "no_offer" and explanation["inactive_offers"]:
        explanation["verdict"] = "no_current_offer"
    return explanation


def _inactive_reason(offer) -> str:
    today = timezone.localdate()
    if offer.status != Offer.Status.PUBLISHED:
        return _("the offer is %(s)s") % {"s": offer.get_status_display()}
    if offer.valid_from and offer.valid_from > today:
        return _("the offer is valid only from %(d)s") % {"d": offer.valid_from.isoformat()}
    if offer.valid_until and offer.valid_until < today:
        return _("the offer expired on %(d)s") % {"d": offer.valid_until.isoformat()}
    return _("the provider does not receive requests")


PERIOD_DAYS = {"month": 30, "quarter": 91, "year": 365}


def _offer_used(offers) -> dict:
    """{offer_id: requests claimed through the offer within its capacity period (rolling)}."""
    used = {}
    with_capacity = [o for o in offers if o.capacity is not None]
    if not with_capacity:
        return used
    since = timezone.now() - timedelta(days=max(PERIOD_DAYS[o.capacity_period] for o in with_capacity))
    rows = (
        Match.objects.filter(offer__in=with_capacity, request__claimed_at__gte=since)
        .filter(request__claimed_by_id=F("provider_id"))
        .order_by()
        .values_list("offer_id", "offer__capacity_period", "request__claimed_at")
    )
    now = timezone.now()
    for offer_id, period, claimed_at in rows:
        if claimed_at >= now - timedelta(days=PERIOD_DAYS[period]):
            used[offer_id] = used.get(offer_id, 0) + 1
    return used


def _claim_hours(provider_ids) -> dict:
    """{provider_id: [hours from routed to claimed]} over two years, for the given providers."""
    hours = {}
    since = timezone.now() - timedelta(days=730)
    claimed = AssistanceRequest.objects.filter(
        claimed_by_id__in=provider_ids, routed_at__isnull=False, claimed_at__gte=since
    )
    # The wait is computed by the database (one interval per row, not two datetimes); no ORDER BY.
    waits = claimed.order_by().values_list(
        "claimed_by_id", ExpressionWrapper(F("claimed_at") - F("routed_at"), output_field=DurationField())
    )
    for provider_id, wait in waits:
        hours.setdefault(provider_id, []).append(wait.total_seconds() / 3600)
    return hours


def _notify_matches(match_ids):
    from portal.core.tasks import enqueue

    for match_id in match_ids:
        enqueue("assistance.notify_provider", match_id)


def _alert_experts(request_id, reason):
    from portal.core.tasks import enqueue

    enqueue("assistance.alert_experts", request_id, reason)


def redrive_pending_jobs(*, older_than_seconds: float = 5) -> int:
    """Send again every pending job whose message may have been lost. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    jobs = list(
        RoutingJob.objects.filter(status=RoutingJob.Status.PENDING)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
        .order_by("created_at")[:500]
    )
    for job in jobs:
        with transaction.atomic():
            enqueue_routing(job)
    return len(jobs)


@transaction.atomic
def claim(request: AssistanceRequest, *, acting_user) -> AssistanceRequest:
    """The provider takes the lead. One conditional UPDATE: exactly one winner under any concurrency."""
    provider = provider_of(acting_user)
    if not Match.objects.filter(request_id=request.pk, provider=provider).exists():
        raise NotVisible(_("No assistance request %(id)s routed to your organisation.") % {"id": request.pk})
    claimed = _cas(
        request, from_statuses=[R.ROUTED], verb="request.claim", acting_user=acting_user,
        status=R.CLAIMED, claimed_by=provider, claimed_at=timezone.now(),
    )  # fmt: skip
    if claimed is not None:
        return claimed
    current = AssistanceRequest.objects.get(pk=request.pk)
    if current.status == R.CLAIMED:
        if current.claimed_by_id == provider.pk:
            return current  # a retried claim by the winner acts once
        raise AlreadyClaimed(_("Another provider has already claimed this request."))
    raise InvalidTransition(
        _("This request is %(s)s and cannot be claimed.") % {"s": current.get_status_display()}, code="not-claimable"
    )


@transaction.atomic
def release(request: AssistanceRequest, *, acting_user) -> AssistanceRequest:
    provider = provider_of(acting_user)
    released = _cas(
        request, from_statuses=[R.CLAIMED], verb="request.release", acting_user=acting_user,
        extra_filter=Q(claimed_by=provider), status=R.ROUTED, claimed_by=None, claimed_at=None,
    )  # fmt: skip
    if released is None:
        if request.status == R.CLAIMED and request.claimed_by_id != provider.pk:
            raise NotAllowed(_("Only the provider that claimed the request gives the claim back."))
        _refuse(request, "release")
    return released


@transaction.atomic
def join(request: AssistanceRequest, *, acting_user) -> Match:
    """A matched provider joins a claimed request as a supporting provider."""
    provider = provider_of(acting_user)
    match = Match.objects.select_for_update().filter(request_id=request.pk, provider=provider).first()
    if match is None:
        raise NotVisible()
    if request.status != R.CLAIMED or request.claimed_by_id == provider.pk:
        raise InvalidTransition(_("Only a request another provider leads can be joined."))
    if match.supporting_since is None:
        match.supporting_since = timezone.now()
        match.save(update_fields=["supporting_since"])
        record("request.join", request, actor=acting_user, after={"provider": provider.slug})
    return match


@transaction.atomic
def report_progress(request: AssistanceRequest, *, note: str, acting_user, language=None) -> ProgressReport:
    """A provider's note on how the assistance is going, in `language` (by default the writer's interface one)."""
    provider = provider_of(acting_user)
    lead = request.claimed_by_id == provider.pk
    supporting = Match.objects.filter(request_id=request.pk, provider=provider, supporting_since__isnull=False).exists()
    if request.status != R.CLAIMED:
        _refuse(request, "report")
    if not (lead or supporting):
        raise NotAllowed(_("Progress is reported by the provider that claimed the request and those that joined it."))
    errors = {}
    note = _text({"note": note}, "note", errors, required=True)
    language = check_language(language, errors)
    if errors:
        raise InvalidInput(_("The progress report was not saved."), errors=errors)
    report = ProgressReport.objects.create(
        request=request, provider=provider, author=acting_user, note=note, language=language
    )
    record("request.progress", request, actor=acting_user, after={"note": note})
    return report


@transaction.atomic
def deliver(request: AssistanceRequest, *, summary: str, acting_user) -> AssistanceRequest:
    provider = provider_of(acting_user)
    errors = {}
    summary = _text({"summary": summary}, "summary", errors, required=True)
    if errors:
        raise InvalidInput(_("Say what was delivered."), errors=errors)
    delivered = _cas(
        request, from_statuses=[R.CLAIMED], verb="request.deliver", acting_user=acting_user,
        extra_filter=Q(claimed_by=provider), status=R.DELIVERED, delivered_at=timezone.now(), delivery_summary=summary,
    )  # fmt: skip
    if delivered is None:
        if request.status == R.CLAIMED:
            raise NotAllowed(_("Only the provider that claimed the request marks it delivered."))
        _refuse(request, "deliver")
    return delivered


@transaction.atomic
def give_feedback(request: AssistanceRequest, *, rating, comment: str, acting_user) -> AssistanceRequest:
    if not is_official_of(acting_user, request.state_id):
        raise NotAllowed(_("Only the State's officials give feedback on its requests."))
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Rate from 1 to 5.")]
    comment = _text({"comment": comment}, "comment", errors)
    if errors:
        raise InvalidInput(_("The feedback was not saved."), errors=errors)
    closed = _cas(
        request, from_statuses=[R.DELIVERED], verb="request.feedback", acting_user=acting_user,
        status=R.CLOSED, closed_at=timezone.now(), feedback_rating=rating, feedback_comment=comment,
    )  # fmt: skip
    if closed is None:
        _refuse(request, "feedback")
    return closed


# ---------------------------------------------------------------------------------------------
# Experts


@transaction.atomic
def reroute(request: AssistanceRequest, *, acting_user, widen=True) -> RoutingJob:
    """Route again (wider by default): for unmatched, escalated or badly matched requests."""
    if not is_reviewer(acting_user):
        raise NotAllowed(_("Only the Committee's experts re-route requests."))
    if request.status not in (R.ROUTED, R.UNMATCHED, R.SUBMITTED):
        _refuse(request, "reroute")
    if request.status == R.UNMATCHED:
        AssistanceRequest.objects.filter(pk=request.pk, status=R.UNMATCHED).update(status=R.SUBMITTED)
    job = RoutingJob.objects.create(request=request, widen=widen)
    record("request.reroute", request, actor=acting_user, after={"widen": widen, "job": job.pk})
    enqueue_routing(job)
    return job


@transaction.atomic
def assign_provider(request: AssistanceRequest, provider: Provider, *, acting_user, offer=None) -> Match:
    """An expert matches a provider by hand (informal match-making), through one of its offers or none."""
    if not is_reviewer(acting_user):
        raise NotAllowed(_("Only the Committee's experts assign providers."))
    if request.status not in (R.SUBMITTED, R.ROUTED, R.UNMATCHED):
        _refuse(request, "assign")
    if offer is not None and offer.provider_id != provider.pk:
        raise InvalidInput(_("That offer is not one of %(p)s's.") % {"p": provider.name})
    if offer is not None and not Offer.objects.current().filter(pk=offer.pk).exists():
        raise InvalidInput(_("That offer is not current: assign the provider without it, or through a current one."))
    match, created = Match.objects.get_or_create(
        request=request, provider=provider,
        defaults={
            "score": 0, "reasons": [reason(gettext_noop("assigned by a Committee expert"))], "assigned_by_expert": True,
            "offer": offer,
        },
    )  # fmt: skip
    if not created and offer is not None and match.offer_id is None:
        match.offer = offer  # a provider matched without an offer now names the one the expert chose
        match.save(update_fields=["offer"])
    changes = {"status": R.ROUTED}
    if request.routed_at is None:
        changes["routed_at"] = timezone.now()
    AssistanceRequest.objects.filter(pk=request.pk).update(**changes)
    record("request.assign", request, actor=acting_user, after={"provider": provider.slug})
    if created:
        transaction.on_commit(lambda: _notify_matches([match.pk]))
    return match


def escalate_unclaimed(*, days: float | None = None) -> int:
    """Requests routed but unclaimed for too long: route wider once and alert the experts."""
    days = days if days is not None else settings.ASSISTANCE_ESCALATE_AFTER_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    count = 0
    for request in AssistanceRequest.objects.filter(status=R.ROUTED, routed_at__lt=cutoff, escalated_at__isnull=True):
        with transaction.atomic():
            if not AssistanceRequest.objects.filter(pk=request.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                continue
            job = RoutingJob.objects.create(request=request, widen=True)
            record("request.escalate", request, actor=None, after={"days": days, "job": job.pk})
            enqueue_routing(job)
            transaction.on_commit(lambda pk=request.pk: _alert_experts(pk, "escalated"))
            count += 1
    return count


def active_providers_in_state(state_id, *, exclude_request=None) -> list[dict]:
    """Which providers lead or support assistance in a State now, so efforts are not duplicated."""
    requests = AssistanceRequest.objects.filter(state_id=state_id, status__in=[R.CLAIMED, R.DELIVERED])
    if exclude_request is not None:
        requests = requests.exclude(pk=exclude_request)
    active = {}
    for request in requests.select_related("claimed_by", "area"):
        active.setdefault(request.claimed_by.slug, {"provider": request.claimed_by.name, "areas": set()})
        active[request.claimed_by.slug]["areas"].add(request.area.label)
    for match in Match.objects.filter(request__in=requests, supporting_since__isnull=False).select_related(
        "provider", "request__area"
    ):
        active.setdefault(match.provider.slug, {"provider": match.provider.name, "areas": set()})
        active[match.provider.slug]["areas"].add(match.request.area.label)
    return [
        {"slug": slug, "provider": v["provider"], "areas": sorted(v["areas"])} for slug, v in sorted(active.items())
    ]
