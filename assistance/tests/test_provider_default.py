"""A provider's lists show by default what is routed to them: the requests routed to their
organisation that await a claim, and those it leads or supports (`scope=routed`); `scope=all`
shows every request they may see. The API list and the provider's inbox agree."""

import pytest
from django.urls import reverse

from assistance import services
from assistance.tests.helpers import routed_request
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/assistance/requests/"
API_QUERIES = 11  # token and its user; count and page; the prefetches of a page (needs, cells, matches, plan items...)


@pytest.fixture(autouse=True)
def _every_fitting_provider_is_matched(settings):
    settings.ASSISTANCE_MAX_MATCHES = 20


@pytest.fixture
def world(state_a, state_a_official, state_b, state_b_official, provider_chemical, provider_nuclear):
    """Requests seen from the OPCW: one awaiting its claim, one it leads, one it supports, one the
    IAEA leads alone (routed to the OPCW too), one delivered by the OPCW, and one published request
    never routed to the OPCW."""
    shared = {"columns": ["NW", "CW"]}
    awaiting = routed_request(state_a, state_a_official, title="Awaiting a claim", **shared)
    leads = routed_request(state_a, state_a_official, title="The OPCW leads", **shared)
    services.claim(leads, acting_user=provider_chemical)
    supports = routed_request(state_a, state_a_official, title="The OPCW supports", **shared)
    services.claim(supports, acting_user=provider_nuclear)
    services.join(supports, acting_user=provider_chemical)
    taken = routed_request(state_a, state_a_official, title="Taken by the IAEA", **shared)
    services.claim(taken, acting_user=provider_nuclear)
    done = routed_request(state_b, state_b_official, title="Delivered by the OPCW", **shared)
    services.claim(done, acting_user=provider_chemical)
    services.deliver(done, summary="Done.", acting_user=provider_chemical)
    elsewhere = routed_request(
        state_b, state_b_official, title="Nuclear only", columns=["NW"], area="PHYSICAL_PROTECTION",
        assistance_type="training",
    )  # fmt: skip
    assert not elsewhere.matches.filter(provider__slug="opcw").exists() and elsewhere.consent_to_publish
    return {
        "awaiting": awaiting, "leads": leads, "supports": supports, "taken": taken, "done": done,
        "elsewhere": elsewhere,
    }  # fmt: skip


def api_ids(client, query=""):
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def pks(*objs):
    return {obj.pk for obj in objs}


def test_the_api_lists_a_provider_what_is_routed_to_it_by_default(world, token_client, provider_chemical):
    client = token_client(provider_chemical)
    routed = pks(world["awaiting"], world["leads"], world["supports"], world["done"])
    assert api_ids(client) == routed
    assert api_ids(client, "?scope=routed") == routed
    # Everything the OPCW may see: also the request the IAEA took and the published one never routed to it.
    assert api_ids(client, "?scope=all") == routed | pks(world["taken"], world["elsewhere"])
    # The other filters narrow the default.
    assert api_ids(client, "?status=routed") == pks(world["awaiting"])
    assert api_ids(client, "?scope=all&status=claimed") == pks(world["leads"], world["supports"], world["taken"])


def test_the_same_request_is_awaiting_for_one_provider_and_theirs_for_the_other(world, token_client, provider_nuclear):
    client = token_client(provider_nuclear)
    # The IAEA: the request awaiting a claim is routed to it too; it leads two; the nuclear one awaits it.
    assert api_ids(client) == pks(world["awaiting"], world["supports"], world["taken"], world["elsewhere"])


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("public", ["awaiting", "leads", "supports", "taken", "done", "elsewhere"]),
        ("state_b_official", ["awaiting", "leads", "supports", "taken", "done", "elsewhere"]),
        ("expert", ["awaiting", "leads", "supports", "taken", "done", "elsewhere"]),
        ("admin_user", ["awaiting", "leads", "supports", "taken", "done", "elsewhere"]),
    ],
)
def test_everyone_else_sees_every_request_they_may_see_as_before(
    request, world, api_client, token_client, persona, expected
):
    client = api_client if persona == "public" else token_client(request.getfixturevalue(persona))
    assert api_ids(client) == pks(*(world[name] for name in expected))
    assert api_ids(client, "?scope=all") == api_ids(client)
    # They have no organisation: nothing is routed to them.
    assert api_ids(client, "?scope=routed") == set()


def test_an_unknown_scope_is_a_400(world, token_client, provider_chemical):
    response = token_client(provider_chemical).get(f"{URL}?scope=mine")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "scope" in response.json()["detail"]


def test_the_api_list_runs_a_constant_number_of_queries_for_a_provider(
    world, token_client, provider_chemical, state_a, state_a_official, django_assert_num_queries
):
    client = token_client(provider_chemical)
    client.get(URL)  # the token's first use is recorded once
    with django_assert_num_queries(API_QUERIES):
        assert len(client.get(URL).json()["results"]) == 4
    for n in range(6):
        req = routed_request(state_a, state_a_official, title=f"More {n}", columns=["NW", "CW"])
        if n % 2:
            services.claim(req, acting_user=provider_chemical)
    with django_assert_num_queries(API_QUERIES):
        assert len(client.get(URL).json()["results"]) == 10


# ---------------------------------------------------------------------------------------------
# The inbox


def inbox(user, **params):
    response = logged_in(user).get(reverse("assistance:provider_inbox"), params)
    assert response.status_code == 200
    return response, {item.pk for item in response.context["page"].object_list}


def test_the_inbox_shows_by_default_what_awaits_a_claim_and_the_organisations_work(world, provider_chemical):
    response, shown = inbox(provider_chemical)
    assert shown == pks(world["awaiting"], world["leads"], world["supports"], world["done"])
    html = response.content.decode()
    assert ('<a class="nav-link active" aria-current="page" href="?scope=routed">To claim, and your work</a>') in html
    assert '<input type="hidden" name="scope" value="routed"' in html  # the filters keep the tab
    assert "Taken by the IAEA" not in html

    # Every request routed to the organisation on request (never the ones not routed to it), the
    # other filters kept by the tabs.
    response, shown = inbox(provider_chemical, scope="all", column="CW")
    assert shown == pks(world["awaiting"], world["leads"], world["supports"], world["done"], world["taken"])
    html = response.content.decode()
    assert "claimed by International Atomic Energy Agency" in html
    assert 'href="?scope=routed&amp;column=CW">To claim, and your work' in html
    assert '<a class="nav-link active" aria-current="page" href="?scope=all&amp;column=CW">' in html


def test_an_unknown_inbox_scope_is_a_400_next_to_the_field(world, provider_chemical):
    response = logged_in(provider_chemical).get(reverse("assistance:provider_inbox"), {"scope": "mine"})
    assert response.status_code == 400
    assert response.context["form"].errors["scope"]
