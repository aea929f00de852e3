"""Demo action plans for `seed_demo`: a dozen States' national implementation action plans, written through
the plans services by each State's official and the Committee's expert, then dated in the past.

A year of plan progress shows: several States published a first version about a year ago and a second one
recently, in which measures moved from planned to under way or done; some measures are overdue, some wait
for assistance, and one (Jamaica's chemical weapons bill) asked for assistance that a provider delivered.
A couple of States have a version shared with the Committee and waiting for review, with the expert's
comments; one is still drafting its first. Every invented text says "demo data".
"""

import random
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assistance import services as assistance_services
from assistance.demo import provider_staff
from assistance.models import AssistanceRequest, RoutingJob
from matrices.services import cached_layouts, state_gaps
from plans import services
from plans.models import Plan, PlanComment
from portal.accounts.models import Role, User
from states.models import State

SEED = 1540
DEMO = "demo data"
PLAN_STATES = 12
# The demo officials' States come first, then States with demo matrices and delivered assistance.
PINNED = ("JAM", "KEN")
LEFT_OUT = {"PRK", "IRN", "ISR", "SYR"}


def cells(*keys):
    return [{"row": row, "column": column, "aspect": aspect} for row, column, aspect in keys]


# What a State plans to do: (key, measure, cells, lead agency, needs assistance).
MEASURES = [
    (
        "cw-bill",
        "Adopt the chemical weapons bill: offences, penalties and jurisdiction over nationals abroad",
        cells(
            ("OP2.MANUFACTURE", "CW", "framework"),
            ("OP2.POSSESS", "CW", "framework"),
            ("OP2.USE", "CW", "framework"),
            ("OP2.TERRORISM", "CW", "framework"),
        ),
        "Ministry of Justice",
        True,
    ),
    (
        "control-list",
        "Adopt a national control list covering the CWC schedules, the NSG and the MTCR lists",
        cells(("OP3cd.CONTROL_LISTS", "CW", "framework"), ("OP3cd.CONTROL_LISTS", "NW", "framework")),
        "Ministry of Trade",
        False,
    ),
    (
        "end-user",
        "Introduce end-user certificates and a catch-all clause in the export licensing regulations",
        cells(("OP3cd.END_USER", "CW", "framework"), ("OP3cd.CATCH_ALL", "NW", "framework")),
        "Ministry of Trade",
        False,
    ),
    (
        "portal-monitors",
        "Install radiation portal monitors at the main seaport and train customs officers to use them",
        cells(("OP3cd.BORDER_TECH", "NW", "enforcement"), ("OP3cd.BORDER_CONTROL", "NW", "enforcement")),
        "Customs Administration",
        True,
    ),
    (
        "sources",
        "Regulations on the physical protection of radioactive sources in hospitals and industry",
        cells(("OP3ab.PHYS_PROTECTION", "NW", "framework"), ("OP3ab.SEC_USE", "NW", "framework")),
        "Radiation Protection Authority",
        True,
    ),
    (
        "biosecurity",
        "Biosafety and biosecurity regulations for laboratories holding dangerous pathogens",
        cells(
            ("OP3ab.SEC_STORAGE", "BW", "framework"),
            ("OP3ab.ACC_STORAGE", "BW", "framework"),
            ("OP3ab.PERSONNEL_RELIABILITY", "BW", "framework"),
        ),
        "Ministry of Health",
        False,
    ),
    (
        "financing",
        "Criminalise the financing of proliferation and extend the financial intelligence unit's mandate",
        cells(
            ("OP2.FINANCE", "CW", "framework"),
            ("OP2.FINANCE", "NW", "framework"),
            ("OP2.FINANCE", "BW", "framework"),
            ("OP3cd.FINANCING", "NW", "framework"),
        ),
        "Financial Intelligence Unit",
        False,
    ),
    (
        "interagency",
        "Set up a national interagency committee on resolution 1540 with a designated point of contact",
        cells(("OP3cd.INTERAGENCY_REVIEW", "NW", "framework"), ("OP3cd.INTERAGENCY_REVIEW", "CW", "framework")),
        "Ministry of Foreign Affairs",
        False,
    ),
    (
        "transit",
        "Extend export controls to transit and transshipment in the free trade zone",
        cells(("OP3cd.TRANSIT", "CW", "framework"), ("OP3cd.TRANSSHIPMENT", "NW", "framework")),
        "Customs Administration",
        False,
    ),
    (
        "prosecutors",
        "Train prosecutors and police on investigating chemical, biological and nuclear offences",
        cells(("OP2.TERRORISM", "CW", "enforcement"), ("OP2.TERRORISM", "BW", "enforcement")),
        "Office of the Director of Public Prosecutions",
        True,
    ),
]
# How each State's plan story goes: the versions and where they end.
STORIES = {
    "JAM": "two published",  # with the chemical weapons bill assisted and delivered
    "KEN": "published, then shared",
}
OTHER_STORIES = [
    "two published",
    "two published",
    "two published",
    "two published",
    "published once",
    "published once",
    "published once",
    "shared",
    "draft",
    "two published, then drafting",
]
COMMENTS = [
    "The target date for the control list looks tight given the consultation with industry; is it realistic?",
    "Consider linking the end-user item to the licensing cells of OP3(c) and (d) as well.",
    "The Committee welcomes the interagency committee; who will be the national point of contact?",
    "Assistance for the portal monitors could be requested through the portal: several providers offer it.",
]


def pick_states(rng) -> list[State]:
    """Jamaica and Kenya, then States with demo matrices (those with delivered assistance first), then
    others drawn at random: a dozen in all."""
    chosen = list(State.objects.filter(iso3__in=PINNED).order_by("iso3"))
    delivered = set(
        AssistanceRequest.objects.filter(status__in=["delivered", "closed"]).values_list("state_id", flat=True)
    )
    with_matrices = list(
        State.objects.filter(matrices__regime__code="1540").exclude(iso3__in=[*PINNED, *LEFT_OUT]).distinct()
    )
    with_matrices.sort(key=lambda s: (s.pk not in delivered, s.iso3))
    chosen += with_matrices[: PLAN_STATES - len(chosen)]
    if len(chosen) < PLAN_STATES:
        rest = list(State.objects.exclude(pk__in=[s.pk for s in chosen]).exclude(iso3__in=LEFT_OUT).order_by("iso3"))
        chosen += rng.sample(rest, PLAN_STATES - len(chosen))
    return chosen


def seed_plans(officials_for) -> Counter:
    """The demo plans (`officials_for(states) -> {state id: official}`); skipped if any plan exists.
    Returns the versions made, by status."""
    expert = User.objects.filter(username="expert", role=Role.EXPERT).first()
    if Plan.objects.exists() or expert is None:
        return Counter()
    rng = random.Random(SEED)
    states = pick_states(rng)
    officials = officials_for(states)
    others = iter(OTHER_STORIES)
    now = timezone.now()
    made = Counter()
    with cached_layouts():  # the templates do not change while seeding
        for state in states:
            story = STORIES.get(state.iso3) or next(others, "published once")
            with transaction.atomic():
                for plan in StateStory(state, officials[state.pk], expert, rng, now).tell(story):
                    made[plan.status] += 1
    return made


class StateStory:
    def __init__(self, state, official, expert, rng, now):
        self.state, self.official, self.expert, self.rng, self.now = state, official, expert, rng, now
        self.today = timezone.localdate()

    def tell(self, story) -> list[Plan]:
        if story == "draft":
            return [self.first_version(months_ago=1, publish=False, share=False)]
        if story == "shared":
            return [self.first_version(months_ago=2, publish=False, share=True)]
        if story == "published once":
            return [self.first_version(months_ago=self.rng.choice([4, 6, 8]))]
        first = self.first_version(months_ago=13)
        if story == "published, then shared":
            return [first, self.next_version(first, publish=False, share=True)]
        second = self.next_version(first, publish=True)
        if story == "two published, then drafting":
            return [first, second, self.next_version(second, publish=False, share=False, moved=False)]
        return [first, second]

    # -----------------------------------------------------------------------------------------

    def first_version(self, *, months_ago, publish=True, share=True) -> Plan:
        start = self.today - timedelta(days=30 * months_ago)
        plan = services.create(
            self.state,
            {
                "title": f"National action plan on resolution 1540, {start.year}–{start.year + 2}",
                "summary": (
                    f"{self.state.name}'s priorities for implementing resolution 1540 over the next two years: "
                    f"legislation, export and border controls, and the security of materials ({DEMO})."
                ),
                "period_start": start,
                "period_end": start + timedelta(days=730),
            },
            acting_user=self.official,
        )
        measures = self.rng.sample(MEASURES[1:], 5)
        if self.state.iso3 == "JAM" or self.rng.random() < 0.5:
            measures.insert(0, MEASURES[0])
        for order, (_key, measure, item_cells, agency, assistance) in enumerate(measures):
            # Target dates spread over the period: the earliest ones fall before today.
            target = start + timedelta(days=120 + 100 * order + self.rng.randint(0, 60))
            services.add_item(
                plan,
                {
                    "measure": f"{measure} ({DEMO})",
                    "cells": item_cells,
                    "lead_agency": agency,
                    "target_date": target,
                    "status": "planned",
                    "assistance_needed": assistance,
                },
                acting_user=self.official,
            )
        if self.state.iso3 == "JAM":
            self.assisted_bill(plan)
        created = self.now - timedelta(days=30 * months_ago + self.rng.uniform(10, 25))
        published_days_ago = 30 * months_ago - self.rng.randint(0, 20)
        return self.finish(plan, created, publish=publish, share=share, published_days_ago=published_days_ago)

    def next_version(self, previous, *, publish, share=True, moved=True) -> Plan:
        plan = services.create(
            self.state,
            {
                "title": previous.title,
                "summary": (
                    f"Second version of {self.state.name}'s action plan: progress over the past year and the "
                    f"measures still ahead ({DEMO})."
                ),
                "period_start": previous.period_start,
                "period_end": previous.period_end,
            },
            acting_user=self.official,
        )
        if moved:
            self.move_items(plan)
        days_ago = self.rng.randint(10, 45) if share or publish else self.rng.randint(1, 5)
        created = self.now - timedelta(days=days_ago + self.rng.uniform(10, 30))
        # A new version starts once the one it copies is out.
        created = max(created, previous.published_at + timedelta(days=self.rng.uniform(1, 4)))
        return self.finish(plan, created, publish=publish, share=share, published_days_ago=days_ago)

    def move_items(self, plan):
        """A year on: the earlier measures are done or under way, one stalls, the later ones wait."""
        items = list(plan.items.select_related("request").order_by("order"))
        for index, item in enumerate(items):
            if item.request_id and item.request.status in ("delivered", "closed"):
                status = "done"
            elif index < 2:
                status = self.rng.choice(["done", "done", "under_way"])
            elif index < 4:
                status = self.rng.choice(["under_way", "under_way", "stalled", "planned"])
            else:
                status = "planned"
            if status != item.status:
                services.update_item(item, {"status": status}, acting_user=self.official)

    def finish(self, plan, created, *, publish, share, published_days_ago) -> Plan:
        """Share, comment and publish as the story says, then move the stamps into the past."""
        if share or publish:
            services.submit(plan, acting_user=self.official)
            items = list(plan.items.order_by("order")[:2])
            for index, body in enumerate(self.rng.sample(COMMENTS, 2)):
                services.comment(
                    plan, body=f"{body} ({DEMO})", item=items[index] if index < len(items) else None,
                    acting_user=self.expert,
                )  # fmt: skip
        if publish:
            services.consent(plan, acting_user=self.official)
        published = self.now - timedelta(days=published_days_ago)
        submitted = min(published - timedelta(days=self.rng.uniform(14, 40)), self.now - timedelta(days=2))
        submitted = max(submitted, created + timedelta(days=3))
        changes = {"created_at": created, "updated_at": submitted if (share or publish) else created}
        if share or publish:
            changes["submitted_at"] = submitted
        if publish:
            changes["published_at"] = changes["updated_at"] = max(published, submitted + timedelta(days=1))
        Plan.objects.filter(pk=plan.pk).update(**changes)
        for note in PlanComment.objects.filter(plan=plan):
            at = submitted + timedelta(days=self.rng.uniform(1, 10))
            PlanComment.objects.filter(pk=note.pk).update(
                created_at=min(at, changes["updated_at"] if publish else self.now)
            )
        plan.refresh_from_db()
        return plan

    def assisted_bill(self, plan):
        """Jamaica asks for help drafting its chemical weapons bill from the plan; the provider matched to it
        claims the request and delivers it a few months before the second version."""
        item = plan.items.get(order=0)
        request = services.start_request(item, acting_user=self.official)
        gaps = [
            g for g in state_gaps(self.state, self.official)["gaps"] if g["regime"] == "1540" and g["column"] == "CW"
        ]
        need_cells = [{k: g[k] for k in ("matrix", "row", "column", "aspect")} for g in gaps[:3]]
        request = assistance_services.update(
            request,
            {
                "title": "Drafting support for the chemical weapons bill",
                "area": "LEGISLATION",
                "columns": ["CW"],
                "assistance_type": "legislative_drafting",
                "needs": [{"description": f"{item.measure}", "cells": need_cells}],
                "beneficiary_agencies": "Ministry of Justice; Office of the Chief Parliamentary Counsel",
                "timeline": "within the first year of the action plan",
                "language": "en",
                "contact_person": f"Focal point, {self.state.name} ({DEMO})",
                "consent_to_publish": True,
            },
            acting_user=self.official,
        )
        assistance_services.submit(request, acting_user=self.official)
        for job in RoutingJob.objects.filter(request=request, status=RoutingJob.Status.PENDING):
            assistance_services.route(job.pk)
        request.refresh_from_db()
        match = request.matches.order_by("-score").first()
        if request.status != "routed" or match is None:
            return
        lead = provider_staff()[match.provider_id]
        assistance_services.claim(request, acting_user=lead)
        request.refresh_from_db()
        assistance_services.deliver(
            request, summary=f"Comments on the draft bill and a drafting workshop held ({DEMO}).", acting_user=lead
        )
        submitted = self.now - timedelta(days=390)
        AssistanceRequest.objects.filter(pk=request.pk).update(
            created_at=submitted - timedelta(days=4),
            submitted_at=submitted,
            routed_at=submitted + timedelta(seconds=2),
            claimed_at=submitted + timedelta(days=9),
            delivered_at=self.now - timedelta(days=95),
        )
