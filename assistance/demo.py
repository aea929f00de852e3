"""Demo assistance requests for `seed_demo`: every status of the lifecycle, with plausible timestamps,
written through the assistance services by the demo officials and provider staff (so the history
and the turnaround figures look like real use); the timestamps are then moved into the past."""

import random
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assistance import services
from assistance.models import AssistanceRequest, Provider, RoutingJob
from matrices.services import state_gaps
from portal.accounts.models import Role, User

SEED = 1540
# What a State asks for, by weapon column: (area, type, title, need).
NEEDS = {
    "CW": [
        (
            "LEGISLATION",
            "legislative_drafting",
            "Penal provisions for chemical weapons offences",
            "Review of the draft chemical weapons bill against the CWC and resolution 1540 (OP2)",
        ),
        (
            "EXPORT_CONTROL",
            "training",
            "Licensing of scheduled chemicals",
            "Training of licensing officers on the CWC schedules and end-user checks",
        ),
        (
            "ENFORCEMENT",
            "workshop",
            "Investigating chemical weapons offences",
            "Workshop for prosecutors and police on chemical weapons offences",
        ),
    ],
    "NW": [
        (
            "PHYSICAL_PROTECTION",
            "expert_advice",
            "Physical protection of radioactive sources",
            "Advice on a physical protection regime for category 1-3 sources in hospitals",
        ),
        (
            "DETECTION_EQUIPMENT",
            "equipment",
            "Radiation detection at the main seaport",
            "Radiation portal monitors and training of customs staff at the main seaport",
        ),
        (
            "LEGISLATION",
            "legislative_drafting",
            "A comprehensive nuclear law",
            "Drafting of a nuclear safety and security law covering the IAEA guidance",
        ),
    ],
    "BW": [
        (
            "BIOSAFETY_BIOSECURITY",
            "training",
            "Biosecurity in veterinary laboratories",
            "Training on biorisk management for the national veterinary laboratory",
        ),
        (
            "LEGISLATION",
            "legislative_drafting",
            "Implementing the BWC in national law",
            "Gap analysis of national law against the BWC and resolution 1540 OP2",
        ),
    ],
    "MD": [
        (
            "EXPORT_CONTROL",
            "workshop",
            "Control list for missile technology",
            "Workshop on adopting a control list covering means of delivery",
        ),
    ],
}
# Where each request's story ends, and how many of each.
ENDINGS = ["closed"] * 6 + ["delivered"] * 3 + ["claimed"] * 5 + ["routed"] * 5 + ["withdrawn"] * 2 + ["draft"] * 3
UNMATCHED = 2  # requests in an area nobody offers (financing controls): they wait for an expert


def provider_staff() -> dict:
    """A staff user per provider: the demo logins where they exist, else `staff-<slug>` without a password."""
    staff = {u.provider_id: u for u in User.objects.filter(role=Role.PROVIDER).order_by("username")}
    for provider in Provider.objects.exclude(pk__in=staff):
        user = User(username=f"staff-{provider.slug}", email=f"staff-{provider.slug}@example.org",
                    role=Role.PROVIDER, provider=provider)  # fmt: skip
        user.set_unusable_password()
        user.save()
        staff[provider.pk] = user
    return staff


def _cells_for(state, official, column, rng):
    """Up to three gap cells of the State's 1540 matrix in that column, for a need to point at."""
    gaps = [g for g in state_gaps(state, official)["gaps"] if g["regime"] == "1540" and g["column"] == column]
    picked = rng.sample(gaps, min(3, len(gaps)))
    return [{"matrix": g["matrix"], "row": g["row"], "column": g["column"], "aspect": g["aspect"]} for g in picked]


def seed_requests(officials: dict) -> Counter:
    """Requests for the demo States (officials: {state id: user}); skipped if any request exists."""
    if AssistanceRequest.objects.exists() or not officials:
        return Counter()
    rng = random.Random(SEED)
    staff = provider_staff()
    states = sorted({u.state for u in officials.values()}, key=lambda s: s.iso3)
    endings = ENDINGS + ["unmatched"] * UNMATCHED
    now = timezone.now()
    made = Counter()
    for number, ending in enumerate(endings):
        state = states[number % len(states)]
        official = officials[state.pk]
        column = rng.choice(["CW", "CW", "NW", "NW", "BW", "MD"])
        area, kind, title, need = rng.choice(NEEDS[column])
        if ending == "unmatched":
            area, kind, title = "FINANCING_CONTROLS", "expert_advice", "Controls on financing of proliferation"
            need = "Advice on controls of funds and financial services related to exports (OP3(d))"
        with transaction.atomic():
            request = services.create(
                state,
                {
                    "area": area, "columns": [column], "assistance_type": kind, "title": title,
                    "needs": [{"description": need, "cells": _cells_for(state, official, column, rng)}],
                    "beneficiary_agencies": "Customs; Ministry of Justice; National Authority",
                    "timeline": rng.choice(["within 6 months", "2027", "before the next 1540 review"]),
                    "language": rng.choice(["en", "en", "fr", "es"]),
                    "contact_person": f"Focal point, {state.name} (demo data)",
                    "consent_to_publish": rng.random() < 0.7,
                },
                acting_user=official,
            )  # fmt: skip
            if ending != "draft":
                _drive(request, ending, official, staff, rng)
            _backdate(request, now, rng)
        made[AssistanceRequest.objects.get(pk=request.pk).status] += 1
    return made


def _drive(request, ending, official, staff, rng):
    services.submit(request, acting_user=official)
    for job in RoutingJob.objects.filter(request=request, status=RoutingJob.Status.PENDING):
        services.route(job.pk)  # what the worker does; the task sent at commit finds the job done
    request.refresh_from_db()
    if ending in ("withdrawn",):
        services.withdraw(request, acting_user=official)
    if ending not in ("claimed", "delivered", "closed") or request.status != "routed":
        return
    lead = staff[request.matches.order_by("-score").first().provider_id]
    services.claim(request, acting_user=lead)
    request.refresh_from_db()
    services.report_progress(request, note="Scoping mission held with the national authority.", acting_user=lead)
    if ending in ("delivered", "closed"):
        services.deliver(request, summary="Delivered as requested; report shared with the State.",
                                 acting_user=lead)  # fmt: skip
        request.refresh_from_db()
    if ending == "closed":
        services.give_feedback(request, rating=rng.choice([3, 4, 4, 5, 5]), comment="Timely and specific.",
                               acting_user=official)  # fmt: skip


def _backdate(request, now, rng):
    """Move the stamped transitions into the past, in order, with realistic gaps between them."""
    request.refresh_from_db()
    start = now - timedelta(days=rng.uniform(10, 700))
    changes = {"created_at": start - timedelta(days=rng.uniform(0, 20))}
    moment = start
    steps = [
        ("submitted_at", timedelta(0)),
        ("routed_at", timedelta(seconds=rng.uniform(0.3, 4))),
        ("claimed_at", timedelta(hours=rng.uniform(4, 24 * 21))),
        ("delivered_at", timedelta(days=rng.uniform(20, 150))),
        ("closed_at", timedelta(days=rng.uniform(1, 30))),
        ("withdrawn_at", timedelta(days=rng.uniform(1, 60))),
    ]
    for field, gap in steps:
        if getattr(request, field) is not None:
            moment = min(moment + gap, now)
            changes[field] = moment
    AssistanceRequest.objects.filter(pk=request.pk).update(**changes)
