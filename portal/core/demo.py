"""Demo data for `make run` and for trying the portal: one login per role."""

from django.conf import settings

from assistance.models import Provider
from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from states.models import State

# username, role, State ISO3, provider slug
DEMO_USERS = [
    ("official-jam", Role.STATE_OFFICIAL, "JAM", None),
    ("official-ken", Role.STATE_OFFICIAL, "KEN", None),
    ("expert", Role.EXPERT, None, None),
    ("provider-opcw", Role.PROVIDER, None, "opcw"),
    ("provider-iaea", Role.PROVIDER, None, "iaea"),
    ("admin", Role.ADMIN, None, None),
]


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
    return list(User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).select_related("state", "provider"))
