import pytest

from assistance.models import Provider
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in


@pytest.fixture
def api_clients(
    api_client, token_client, state_a_official, state_b_official, expert, provider_chemical, provider_nuclear
):
    """An API client per persona: the public, officials of States A and B, an expert, staff of the
    OPCW, the IAEA and the WHO with a token each, and the OPCW with a read-only token."""
    who = UserFactory(username="who-staff", role="provider", provider=Provider.objects.get(slug="who"))
    return {
        "public": api_client,
        "official_a": token_client(state_a_official),
        "official_b": token_client(state_b_official),
        "expert": token_client(expert),
        "opcw": token_client(provider_chemical),
        "iaea": token_client(provider_nuclear),
        "who": token_client(who),
        "read_only_opcw": token_client(provider_chemical, read_only=True),
    }


@pytest.fixture
def page_clients(state_a_official, state_b_official, expert, provider_chemical, provider_nuclear, admin_user):
    """A logged-in browser session per persona, and an anonymous one."""
    return {
        "anonymous": logged_in(None),
        "official_a": logged_in(state_a_official),
        "official_b": logged_in(state_b_official),
        "expert": logged_in(expert),
        "opcw": logged_in(provider_chemical),
        "iaea": logged_in(provider_nuclear),
        "admin": logged_in(admin_user),
    }
