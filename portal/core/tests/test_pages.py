"""The one way pages check access and answer refusals, across the apps and every role:
the decorators of portal/accounts/decorators.py and DomainErrorPagesMiddleware."""

from html import unescape

import pytest
from django.test import Client

from matrices.tests.helpers import draft

pytestmark = pytest.mark.django_db

# Each area of pages, the role that may open it, and the reason the others are given.
EXPERTS = "These pages are for the Committee's experts."
AREAS = {
    "/review/": (EXPERTS, {"expert", "admin"}),
    "/assistance/expert/": (EXPERTS, {"expert", "admin"}),
    "/assistance/requests/": ("These pages are for State officials.", {"official"}),
    "/assistance/provider/": ("These pages are for the staff of assistance providers.", {"provider"}),
    "/workspace/": (
        "The workspace is for State officials and the Committee's experts.",
        {"official", "expert", "admin"},
    ),
}


@pytest.fixture
def clients(state_a_official, expert, provider_chemical, admin_user):
    users = {"official": state_a_official, "expert": expert, "provider": provider_chemical, "admin": admin_user}
    logged_in = {}
    for role, user in users.items():
        logged_in[role] = Client()
        logged_in[role].force_login(user)
    return logged_in


@pytest.mark.parametrize("url", AREAS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, reference, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", AREAS)
@pytest.mark.parametrize("role", ["official", "expert", "provider", "admin"])
def test_each_role_opens_its_pages_and_is_told_why_not_elsewhere(clients, url, role):
    reason, allowed = AREAS[url]

    response = clients[role].get(url)

    if role in allowed:
        # The page, or where it sends this role (an expert's workspace starts at the review queue).
        assert response.status_code == 200 or not response["Location"].startswith("/accounts/"), (url, role)
    else:
        assert response.status_code == 403, (url, role)
        page = unescape(response.content.decode())
        assert "Not allowed" in page
        assert reason in page


def test_what_a_user_may_not_see_is_a_404_page_that_names_nothing(client, state_b, state_b_official, state_a_official):
    other = draft(state_b, state_b_official)
    client.force_login(state_a_official)

    response = client.get(f"/workspace/{other.pk}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert f"No matrix version {other.pk} that you may see." in page
    assert state_b.name not in page
    assert "<code>not-found</code>" in page


def test_a_refusal_links_back_to_the_page_it_came_from_but_never_to_another_site(client, state_a_official):
    client.force_login(state_a_official)
    back = "http://testserver/workspace/"

    ours = client.get("/workspace/999999/", HTTP_REFERER=back).content.decode()
    theirs = client.get("/workspace/999999/", HTTP_REFERER="https://evil.example/phish").content.decode()

    assert f'href="{back}">Go back</a>' in ours
    assert "evil.example" not in theirs
    assert "Go back" not in theirs


def test_an_invalid_page_number_is_a_400_page_with_its_code(clients):
    response = clients["expert"].get("/review/?page=abc")

    assert response.status_code == 400
    page = response.content.decode()
    assert "The page number must be a whole number." in page
    assert "<code>invalid-parameter</code>" in page
