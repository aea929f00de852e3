import pytest

from assistance.models import Provider
from assistance.tests.helpers import client_for
from portal.testing.factories import UserFactory


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
        "anonymous": client_for(None),
        "official_a": client_for(state_a_official),
        "official_b": client_for(state_b_official),
        "expert": client_for(expert),
        "opcw": client_for(provider_chemical),
        "iaea": client_for(provider_nuclear),
        "admin": client_for(admin_user),
    }
