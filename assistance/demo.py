"""Demo assistance for `seed_demo`: offers and requests in every status of the lifecycle, with plausible
timestamps, written through the assistance services by the demo officials, provider staff and the
Committee's expert (so the history and the turnaround figures look like real use); the timestamps
are then moved into the past.

The offers: the two demo providers with a login (OPCW, IAEA) confirm their reference offer by
editing it (a stated capacity) and add a more specific one; the Committee adds a few on behalf of
providers without a login (unconfirmed); one offer is withdrawn and one has expired, so the
pages show what is hidden from the public. One request is started from an offer ("request this"),
and the State and its providers talk on several requests. Every invented text says "demo data".
"""

import random
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assistance import conversation, offers, services
from assistance.models import AssistanceRequest, Message, Offer, Provider, RoutingJob
from matrices.services import state_gaps
from portal.accounts.models import Role, User

SEED = 1540
DEMO = "demo data"
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
    talk = random.Random(SEED + 1)  # conversations draw apart, so the requests stay as they were
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
                _drive(request, ending, official, staff, rng, talk)
            _backdate(request, now, rng, talk)
        made[AssistanceRequest.objects.get(pk=request.pk).status] += 1
    request = _request_from_offer(officials, staff, now, talk)
    if request is not None:
        made[request.status] += 1
    return made


def _drive(request, ending, official, staff, rng, talk):
    _submit_and_route(request, official)
    if ending in ("routed", "claimed", "delivered", "closed") and request.status == "routed" and talk.random() < 0.6:
        _converse(request, official, staff, talk)
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


def _submit_and_route(request, official):
    services.submit(request, acting_user=official)
    for job in RoutingJob.objects.filter(request=request, status=RoutingJob.Status.PENDING):
        services.route(job.pk)  # what the worker does; the task sent at commit finds the job done
    request.refresh_from_db()


def _backdate(request, now, rng, talk):
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
    if "routed_at" in changes:
        # The conversation happens between the routing and the claim (or over the next two weeks).
        end = changes.get("claimed_at") or min(changes["routed_at"] + timedelta(days=14), now)
        changes |= _backdate_messages(request, changes["routed_at"], end, talk)
    AssistanceRequest.objects.filter(pk=request.pk).update(**changes)


# The request a demo State starts from an offer ("request this"): recent, routed, with a conversation.
FROM_OFFER = {
    "title": "Penal provisions of the chemical weapons bill",
    "need": "Drafting of the offences, penalties and jurisdiction clauses of the chemical weapons bill (OP2)",
}


def _request_from_offer(officials, staff, now, rng):
    """Jamaica (or the first demo State) asks for the OPCW's help desk offer, pre-filled from it."""
    offer = (
        Offer.objects.current()
        .filter(provider__slug="opcw", title=OWN_OFFERS["opcw"][1]["title"])
        .select_related("provider")
        .first()
    )
    if offer is None or offer.provider_id not in staff:
        return None
    official = next((u for u in officials.values() if u.state.iso3 == "JAM"), None) or next(iter(officials.values()))
    state = official.state
    with transaction.atomic():
        data = offers.prefill_request(offer) | {
            "title": FROM_OFFER["title"],
            "needs": [{"description": FROM_OFFER["need"], "cells": _cells_for(state, official, "CW", rng)}],
            "beneficiary_agencies": "Ministry of Justice; Office of the Chief Parliamentary Counsel",
            "timeline": "before the bill goes to Parliament",
            "language": "en",
            "contact_person": f"Focal point, {state.name} ({DEMO})",
            "consent_to_publish": True,
        }
        request = services.create(state, data, acting_user=official)
        _submit_and_route(request, official)
        if request.status == "routed" and request.matches.filter(provider=offer.provider).exists():
            _converse(request, official, staff, rng, providers=[offer.provider])
        submitted = now - timedelta(days=rng.uniform(5, 9))
        changes = {"created_at": submitted - timedelta(hours=rng.uniform(2, 30)), "submitted_at": submitted}
        if request.routed_at:
            changes["routed_at"] = submitted + timedelta(seconds=rng.uniform(0.3, 4))
            changes |= _backdate_messages(request, changes["routed_at"], now - timedelta(hours=6), rng)
        AssistanceRequest.objects.filter(pk=request.pk).update(**changes)
    request.refresh_from_db()
    return request


# ---------------------------------------------------------------------------------------------
# Offers

DEMO_NOTE = f"({DEMO}: invented for trying the portal)"
# What a demo provider adds to its reference offer's public description when it states a capacity.
EDIT_NOTE = f"({DEMO}: the capacity and contact are invented for trying the portal)"
# What each demo provider with a login changes in its reference offer (the provider's edit confirms
# it), and the more specific offer it adds.
OWN_OFFERS = {
    "opcw": (
        {"capacity": 12, "capacity_period": "year", "contact": f"Legislation Help Desk, OPCW ({DEMO})"},
        {
            "title": "Legislation Help Desk: drafting CWC penal provisions",
            "description": (
                "Review of draft penal provisions for chemical weapons offences against the CWC "
                "(Article VII) and resolution 1540 (OP2): prohibitions, jurisdiction over nationals "
                "abroad, penalties; written comments, then a video call with the drafters."
            ),
            "areas": ["LEGISLATION"],
            "columns": ["CW"],
            "assistance_types": ["legislative_drafting"],
            "languages": ["en", "fr", "es"],
            "mandate": "CWC",
            "capacity": 6,
            "capacity_period": "year",
            "contact": f"Legislation Help Desk, OPCW ({DEMO})",
        },
    ),
    "iaea": (
        {"capacity": 8, "capacity_period": "quarter", "contact": f"Division of Nuclear Security, IAEA ({DEMO})"},
        {
            "title": "INSServ-style advisory mission on physical protection",
            "description": (
                "A week-long advisory mission reviewing the physical protection of nuclear material and "
                "radioactive sources (hospitals, industry, storage), with a report and recommendations "
                "following the IAEA Nuclear Security Series."
            ),
            "areas": ["PHYSICAL_PROTECTION"],
            "columns": ["NW"],
            "assistance_types": ["expert_advice"],
            "languages": ["en", "fr", "es", "ru"],
            "mandate": "NPT",
            "capacity": 2,
            "capacity_period": "quarter",
            "contact": f"Division of Nuclear Security, IAEA ({DEMO})",
        },
    ),
}
# Offers the Committee's expert records on behalf of providers without a login: unconfirmed.
COMMITTEE_OFFERS = [
    {
        "provider": "vertic",
        "title": "Legislation survey and gap analysis for the BWC and the CWC",
        "description": "A survey of national legislation against the BWC and the CWC, with a gap table "
        "and drafting suggestions, as described to the Committee by the programme.",
        "areas": ["LEGISLATION"],
        "columns": ["BW", "CW"],
        "assistance_types": ["legislative_drafting", "expert_advice"],
        "languages": ["en", "fr", "es"],
    },
    {
        "provider": "unoda",
        "title": "Regional centre workshops on 1540 national action plans (Latin America and the Caribbean)",
        "description": "National workshops that draft or update a voluntary 1540 national implementation "
        "action plan with all the agencies concerned.",
        "areas": ["ACTION_PLAN"],
        "columns": ["NW", "CW", "BW", "MD"],
        "assistance_types": ["workshop"],
        "languages": ["en", "es"],
        "mandate": "1540",
        "eligibility": {"regions": ["GRULAC"]},
    },
    {
        "provider": "au-1540",
        "title": "Peer exchange on national 1540 reports among African Union member States",
        "description": "Two-day peer exchanges in which member States present their national report and "
        "matrix and review each other's.",
        "areas": ["REPORTING"],
        "columns": ["NW", "CW", "BW", "MD"],
        "assistance_types": ["workshop"],
        "languages": ["en", "fr", "ar", "pt"],
        "eligibility": {"organizations": ["AU"]},
    },
]
# Shown to the provider and the Committee only: an offer that has ended, and one withdrawn.
EXPIRED_OFFER = {
    "provider": "wco",
    "title": "Strategic trade control enforcement course for Caribbean customs",
    "description": "A one-week course for customs officers of CARICOM member States on targeting and "
    "inspecting strategic goods.",
    "areas": ["BORDER_CONTROL", "EXPORT_CONTROL"],
    "columns": ["NW", "CW", "BW", "MD"],
    "assistance_types": ["training"],
    "languages": ["en"],
    "eligibility": {"organizations": ["CARICOM"]},
}
WITHDRAWN_OFFER = {
    "title": "Regional training course on the security of radioactive sources",
    "description": "A two-week regional course for regulators and operators; cancelled for lack of a host.",
    "areas": ["TRAINING", "PHYSICAL_PROTECTION"],
    "columns": ["NW"],
    "assistance_types": ["training"],
    "languages": ["en", "fr"],
    "mandate": "NPT",
    "capacity": 1,
    "capacity_period": "year",
}


def _demo_text(data: dict) -> dict:
    return {**data, "description": f"{data['description']} {DEMO_NOTE}"}


def seed_offers() -> Counter:
    """The demo offers, written through the offer services; skipped once any offer has been
    confirmed or written by a person (the demo's, or real ones)."""
    from portal.accounts.models import Role, User

    if Offer.objects.exclude(source="reference").exists() or Offer.objects.filter(confirmed=True).exists():
        return Counter()
    experts = User.objects.filter(role=Role.EXPERT, is_active=True)
    expert = experts.filter(username="expert").first() or experts.order_by("username").first()
    logins = {
        u.provider.slug: u
        for u in User.objects.filter(role=Role.PROVIDER, provider__slug__in=OWN_OFFERS, is_active=True)
        .select_related("provider")
        .order_by("-username")
        if u.has_usable_password()
    }
    if expert is None:
        return Counter()
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    made = Counter()
    with transaction.atomic():
        for slug, (changes, specific) in OWN_OFFERS.items():
            staff = logins.get(slug)
            initial = Offer.objects.filter(provider__slug=slug, source="reference").first()
            if staff is None or initial is None:
                continue
            offers.update(initial, {**changes, "description": f"{initial.description} {EDIT_NOTE}"}, acting_user=staff)
            own = offers.create(_demo_text(specific), acting_user=staff)
            # Both were there before the oldest demo request; the edit that confirmed the first is recent.
            _offer_dates(initial, now, rng, created_days=(760, 800), updated_days=(20, 90))
            _offer_dates(own, now, rng, created_days=(730, 750))
            made["confirmed by the provider"] += 2
        if "iaea" in logins:
            cancelled = offers.create(_demo_text(WITHDRAWN_OFFER), acting_user=logins["iaea"])
            offers.withdraw(cancelled, acting_user=logins["iaea"])
            _offer_dates(cancelled, now, rng, created_days=(120, 200), withdrawn_days=(10, 40))
            made["withdrawn"] += 1
        for data in COMMITTEE_OFFERS:
            offer = offers.create(_demo_text(data), acting_user=expert)
            _offer_dates(offer, now, rng, created_days=(30, 150))
            made["added by the Committee"] += 1
        expired = offers.create(
            _demo_text(
                {**EXPIRED_OFFER, "valid_from": today - timedelta(days=330), "valid_until": today - timedelta(days=45)}
            ),
            acting_user=expert,
        )
        _offer_dates(expired, now, rng, created_days=(340, 360))
        made["expired"] += 1
    return made


def _offer_dates(offer, now, rng, *, created_days, updated_days=None, withdrawn_days=None):
    """Move an offer's stamps into the past (services stamp "now")."""
    created = now - timedelta(days=rng.uniform(*created_days))
    changes = {"created_at": created, "updated_at": created}
    if updated_days:
        changes["updated_at"] = max(created, now - timedelta(days=rng.uniform(*updated_days)))
    if withdrawn_days:
        changes["withdrawn_at"] = changes["updated_at"] = max(
            created, now - timedelta(days=rng.uniform(*withdrawn_days))
        )
    Offer.objects.filter(pk=offer.pk).update(**changes)


# ---------------------------------------------------------------------------------------------
# Conversations

# The State's question, the provider's answer, and sometimes the State's reply.
EXCHANGES = [
    (
        "Could your experts review our draft before a scoping visit, or do you need the whole legislative "
        "package first?",
        "Please send the draft with its implementing regulations; a first written analysis follows within "
        "three weeks, and a visit can then focus on the open points.",
        "Thank you: the focal point will send the documents this week.",
    ),
    (
        "Our national authority could host the activity in the first quarter. Which dates would suit your experts?",
        "Two weeks in March would suit us. Could you send a list of participants by agency a month before?",
        "",
    ),
    (
        "Is a remote briefing possible first, for the agencies listed in the request?",
        "Yes: we propose a one-hour call with the focal point and the agencies next week, then a mission plan.",
        "Agreed; we will confirm the time by e-mail.",
    ),
    (
        "Can part of the training be given in French?",
        "Yes, with interpretation for the plenary sessions; the course material exists in English and French.",
        "",
    ),
]


def _converse(request, official, staff, rng, *, providers=None):
    """The State asks its matched providers (the best one, sometimes two) a question; they answer."""
    matches = list(request.matches.select_related("provider").order_by("-score", "provider__name"))
    if providers is None:
        providers = [m.provider for m in matches[: 1 if rng.random() < 0.6 else 2]]
    for provider in providers:
        question, answer, reply = rng.choice(EXCHANGES)
        conversation.post(request, provider, body=f"{question} ({DEMO})", acting_user=official)
        conversation.post(request, provider, body=f"{answer} ({DEMO})", acting_user=staff[provider.pk])
        if reply:
            conversation.post(request, provider, body=f"{reply} ({DEMO})", acting_user=official)


def _backdate_messages(request, begin, end, rng) -> dict:
    """Spread the request's messages between `begin` and `end`, in order; returns the request's
    first-response stamp to set (the first provider message), if any. Marking them notified keeps
    the demo from e-mailing anyone."""
    messages = list(Message.objects.filter(request=request).order_by("created_at", "id"))
    if not messages:
        return {}
    span = max(end - begin, timedelta(minutes=len(messages) * 10))
    moments = sorted(begin + span * rng.uniform(0.05, 0.95) for _ in messages)
    first_response = None
    for message, moment in zip(messages, moments, strict=True):
        Message.objects.filter(pk=message.pk).update(
            created_at=moment, notified_at=moment + timedelta(minutes=rng.uniform(1, 5))
        )
        if message.side == Message.Side.PROVIDER and first_response is None:
            first_response = moment
    return {"first_response_at": first_response} if first_response else {}
