"""Demo data for `make run` and for trying the portal: one login per role, the matrices of a few
dozen States in every stage of reporting and review (see matrices/demo.py), and assistance offers,
requests and conversations (see assistance/demo.py).

Demo data must never be taken for real: `seed_demo` records that the database holds some
(portal/core/demo_marking.py), and from then on every page, response and export says so.
"""

import random
from collections import Counter

from django.conf import settings
from django.db import transaction

from assistance.models import Provider
from matrices import demo as matrices_demo
from matrices import services
from matrices.models import Matrix, Regime
from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.audit.services import record, snapshot
from states.models import State, TreatyStatus

# username, role, State ISO3, provider slug
DEMO_USERS = [
    ("official-jam", Role.STATE_OFFICIAL, "JAM", None),
    ("official-ken", Role.STATE_OFFICIAL, "KEN", None),
    ("expert", Role.EXPERT, None, None),
    ("provider-opcw", Role.PROVIDER, None, "opcw"),
    ("provider-iaea", Role.PROVIDER, None, "iaea"),
    ("admin", Role.ADMIN, None, None),
]
DEMO_STATES = 36
PINNED_STATES = ("JAM", "KEN")  # the States of the demo officials


def reference_missing() -> str | None:
    """What `load_reference` has not loaded yet, or None."""
    if not State.objects.exists():
        return "States"
    codes = set(Regime.objects.filter(templates__isnull=False).values_list("code", flat=True))
    if codes != set(matrices_demo.REGIME_CODES):
        return "matrix templates"
    return None


def demo_users():
    return User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).select_related("state", "provider")


def seed_users() -> list[User]:
    """Create the demo users that do not exist yet; returns all of them."""
    existing = set(User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True))
    for username, role, iso3, slug in DEMO_USERS:
        if username in existing:
            continue
        accounts.create_portal_user(
            username,
            role=role,
            password=settings.DEMO_PASSWORD,
            state=State.objects.get(iso3=iso3) if iso3 else None,
            provider=Provider.objects.get(slug=slug) if slug else None,
            email=f"{username}@example.org",
        )
    return list(demo_users())


# The demo invents legislation; it leaves out States where an invented citation could be taken for a
# statement about a live proliferation file.
LEFT_OUT = {"PRK", "IRN", "ISR", "SYR"}


def pick_states(count: int, rng: random.Random) -> list[State]:
    """`count` States spread over the five UN regional groups in proportion to their size.

    Jamaica and Kenya (the demo officials' States) come first; a couple of States that are not
    party to one of the treaties are always in, so that their matrices show it.
    """
    states = list(State.objects.select_related("region").exclude(iso3__in=LEFT_OUT).order_by("iso3"))
    by_region = {}
    for state in states:
        by_region.setdefault(state.region.name, []).append(state)
    exact = {region: count * len(members) / len(states) for region, members in by_region.items()}
    quota = {region: int(share) for region, share in exact.items()}
    for region in sorted(exact, key=lambda r: exact[r] - quota[r], reverse=True)[: count - sum(quota.values())]:
        quota[region] += 1
    by_code = {state.iso3: state for state in states}
    chosen = [by_code[code] for code in PINNED_STATES if code in by_code][:count]
    if count >= 12:
        not_party = sorted(
            set(TreatyStatus.objects.exclude(status=TreatyStatus.Status.PARTY).values_list("state__iso3", flat=True))
            - LEFT_OUT
        )
        chosen += [by_code[code] for code in rng.sample(not_party, min(2, len(not_party)))]
    others = []
    for region in sorted(by_region):
        have = sum(1 for state in chosen if state.region.name == region)
        pool = [state for state in by_region[region] if state not in chosen]
        others += rng.sample(pool, max(0, min(len(pool), quota[region] - have)))
    rest = [state for state in states if state not in chosen and state not in others]
    others += rng.sample(rest, max(0, count - len(chosen) - len(others)))
    rng.shuffle(others)
    return (chosen + others)[:count]


def state_officials(states) -> dict:
    """An official for each State, acting for it in the demo history: {state id: user}.

    The two demo logins are used for Jamaica and Kenya; any other State uses an official it
    already has, or a new `official-<iso3>` without a usable password (set one with
    `manage.py changepassword` to log in as that State). Hashing a password costs half a second,
    and thirty of them would be most of the seeding time.
    """
    officials = {}
    existing = User.objects.filter(role=Role.STATE_OFFICIAL, state__in=states, is_active=True).select_related("state")
    for user in existing.order_by("username"):
        if user.state_id not in officials or user.username == f"official-{user.state.iso3.lower()}":
            officials[user.state_id] = user
    for state in states:
        if state.pk in officials:
            continue
        username = f"official-{state.iso3.lower()}"
        if User.objects.filter(username__iexact=username).exists():
            username = f"demo-{username}"
        with transaction.atomic():
            user = User(username=username, email=f"{username}@example.org", role=Role.STATE_OFFICIAL, state=state)
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            record("user.create", user, actor=None, after=snapshot(user, accounts.USER_FIELDS))
        officials[state.pk] = user
    return officials


def seed_matrices(count: int = DEMO_STATES) -> dict:
    """The demo matrices of `count` States, written through the matrices services.

    Idempotent: a State that already has a matrix is left alone. Returns what was created.
    """
    rng = random.Random(matrices_demo.SEED)
    expert = User.objects.get(username="expert", role=Role.EXPERT)
    assigned = matrices_demo.assign_profiles(pick_states(count, rng), rng)
    done = set(Matrix.objects.filter(state__in=[s for s, _ in assigned]).values_list("state_id", flat=True))
    todo = [(state, profile) for state, profile in assigned if state.pk not in done]
    created = []
    if todo:
        officials = state_officials([state for state, _ in todo])
        ctx = matrices_demo.Context.load(expert, [state for state, _ in todo])
        with services.cached_layouts():  # the templates do not change while seeding
            for state, profile in todo:
                with transaction.atomic():
                    created += matrices_demo.seed_state(state, profile, officials[state.pk], ctx)
    statuses = Counter(Matrix.objects.filter(pk__in=[m.pk for m in created]).values_list("status", flat=True))
    return {
        "states": len(todo),
        "skipped": len(assigned) - len(todo),
        "matrices": len(created),
        "statuses": {status.label: statuses[status] for status in Matrix.Status if statuses[status]},
    }


def seed_assistance() -> Counter:
    """Demo assistance offers (none once an offer was confirmed or written by a person), then requests
    for the States that have demo matrices (none if requests exist), so that the requests are
    matched to the demo offers and one starts from an offer. Returns the requests made, by status."""
    from assistance import demo as assistance_demo
    from plans import demo as plans_demo

    assistance_demo.seed_offers()
    states = list(State.objects.filter(matrices__regime__code="1540").distinct().order_by("iso3")[:24])
    made = assistance_demo.seed_requests(state_officials(states))
    plans_demo.seed_plans(state_officials)  # a dozen States' action plans, one linked to a delivered request
    return made
