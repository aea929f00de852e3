"""What the public sees of a published request: the API says exactly what the public page shows.

The State's officials, the experts and the providers a request was routed to see all of it; anyone
else (the public, other States' officials, providers it was not routed to) sees the public view.
"""

import pytest

from assistance import services
from assistance.tests.helpers import routed_request
from matrices.tests.helpers import draft, published

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistance/requests/"
CONTACT = "Ms A. Example, Ministry of Foreign Affairs"
PROGRESS = "Workshop with the drafting committee held"
FEEDBACK = "Timely and practical help with the draft bill"


@pytest.fixture
def closed(state_a, state_a_official, provider_chemical):
    """A published request of State A, routed to the OPCW among others, delivered and rated."""
    request = routed_request(
        state_a, state_a_official, preferred_providers=["opcw"], approached_providers=["vertic"], contact_person=CONTACT
    )
    services.claim(request, acting_user=provider_chemical)
    services.report_progress(request, note=PROGRESS, acting_user=provider_chemical)
    services.deliver(request, summary="Model law and a workshop", acting_user=provider_chemical)
    services.give_feedback(request, rating=5, comment=FEEDBACK, acting_user=state_a_official)
    request.refresh_from_db()
    return request


PRIVATE = {
    "contact_person": "",
    "preferred_providers": [],
    "approached_providers": [],
    "feedback_rating": None,
    "feedback_comment": "",
    "created_at": None,
    "escalated_at": None,
    "progress": [],
}


@pytest.mark.parametrize("field", sorted(PRIVATE))
def test_a_private_field_is_blank_for_the_public_and_set_for_the_parties(api_clients, closed, field):
    assert closed.escalated_at is None or field != "escalated_at"
    public = api_clients["public"].get(f"{URL}{closed.pk}/").json()
    assert public[field] == PRIVATE[field]
    for outsider in ("official_b", "iaea"):  # another State; a provider it was not routed to
        assert api_clients[outsider].get(f"{URL}{closed.pk}/").json()[field] == PRIVATE[field]
    if field == "escalated_at":
        return  # never escalated: nothing to show anyone
    for party in ("official_a", "expert", "opcw"):
        assert api_clients[party].get(f"{URL}{closed.pk}/").json()[field] != PRIVATE[field], party


def test_match_scores_and_reasons_are_for_the_parties(api_clients, closed):
    public = api_clients["public"].get(f"{URL}{closed.pk}/").json()["matches"]
    assert public and all(m["score"] is None and m["reasons"] == [] for m in public)
    assert {m["provider"] for m in public} == set(closed.matches.values_list("provider__slug", flat=True))
    listed = api_clients["public"].get(URL).json()["results"]
    assert all(m["score"] is None for r in listed for m in r["matches"])
    for party in ("official_a", "expert", "opcw"):
        matches = api_clients[party].get(f"{URL}{closed.pk}/").json()["matches"]
        assert all(m["score"] is not None and m["reasons"] for m in matches)


PUBLIC = ["title", "state", "status", "area", "columns", "assistance_type", "needs", "language", "claimed_by",
          "delivery_summary", "submitted_at", "routed_at", "claimed_at", "delivered_at", "closed_at"]  # fmt: skip


@pytest.mark.parametrize("field", PUBLIC)
def test_a_public_field_is_the_same_for_everyone(api_clients, closed, field):
    expected = api_clients["official_a"].get(f"{URL}{closed.pk}/").json()[field]
    assert expected not in (None, "", [])
    assert api_clients["public"].get(f"{URL}{closed.pk}/").json()[field] == expected


def test_the_public_page_shows_no_private_field(client, closed):
    page = client.get(f"/assistance/published/{closed.pk}/").content.decode()
    assert closed.title in page and "Model law and a workshop" in page
    for private in (CONTACT, PROGRESS, FEEDBACK, "Providers already approached", "covers CW"):
        assert private not in page


# -- Review comments ------------------------------------------------------------------------


def test_review_comments_on_a_published_matrix_are_not_public(
    api_clients, api_client, state_a, state_a_official, expert
):
    from matrices import services as matrix_services

    first = published(state_a, state_a_official, expert)
    second = draft(state_a, state_a_official)
    matrix_services.submit(second, acting_user=state_a_official)
    matrix_services.add_comment(
        second, row="OP2.MANUFACTURE", column="CW", aspect="framework", body="Which article?", acting_user=expert
    )
    matrix_services.approve(second, acting_user=expert)
    second = matrix_services.set_consent(second, consent=True, acting_user=state_a_official)
    assert second.is_published
    url = f"/api/v1/matrices/{second.pk}/comments/"
    assert api_client.get(url).status_code == 401
    assert api_clients["official_b"].get(url).status_code == 403
    assert api_clients["opcw"].get(url).status_code == 403
    assert api_clients["official_a"].get(url).json()[0]["body"] == "Which article?"
    assert api_clients["expert"].get(url).json()[0]["author"] == "expert"
    assert api_client.get(f"/api/v1/matrices/{second.pk}/").status_code == 200  # the version itself is public
    assert first.pk != second.pk
