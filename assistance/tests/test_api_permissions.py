"""Who may call each endpoint of the assistance API on a request: every role, every action.

Personas: the public, officials of the requesting State (A) and of another State (B), a Committee
expert, the lead provider (OPCW: matched, claims), a supporting provider (IAEA: matched too), a
provider the request was not routed to (WHO) and the OPCW with a read-only token. A denied call
answers 401, 403 or 404 and changes nothing: no status, match, progress, feedback or audit event.
"""

import pytest

from assistance import services
from assistance.models import Match, Provider
from assistance.tests.helpers import draft_request, routed_request
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistance/requests/"
PERSONAS = ["public", "official_a", "official_b", "expert", "opcw", "iaea", "who", "read_only_opcw"]


def in_stage(stage, state_a, state_a_official, provider_chemical):
    """A chemical request of State A at a stage of its life, routed to the OPCW and the IAEA."""
    if stage == "draft":
        return draft_request(state_a, state_a_official, consent_to_publish=False)
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=False)
    Match.objects.create(request=request, provider=Provider.objects.get(slug="iaea"), score=1, reasons=["test"])
    assert not request.matches.filter(provider__slug="who").exists()
    if stage in ("claimed", "delivered"):
        services.claim(request, acting_user=provider_chemical)
    if stage == "delivered":
        services.deliver(request, summary="Bill reviewed", acting_user=provider_chemical)
    request.refresh_from_db()
    return request


def snapshot(request):
    request.refresh_from_db()
    return (
        request.status, request.title, request.claimed_by_id, request.feedback_rating, request.matches.count(),
        request.progress.count(), AuditEvent.objects.count(),
    )  # fmt: skip


# endpoint: (stage, method, path, body, {persona: status}); a persona not listed gets 403. The request
# is not published, so the other State's official and the provider it was not routed to get 404.
NOT_VISIBLE = {"public": 401, "official_b": 404, "who": 404}
ENDPOINTS = {
    "update": ("draft", "patch", "", {"title": "Another title"},
               {**NOT_VISIBLE, "official_a": 200, "opcw": 404, "iaea": 404}),
    "submit": ("draft", "post", "submit/", None, {**NOT_VISIBLE, "official_a": 200, "opcw": 404, "iaea": 404}),
    "withdraw": ("routed", "post", "withdraw/", None, {**NOT_VISIBLE, "official_a": 200}),
    "claim": ("routed", "post", "claim/", None, {**NOT_VISIBLE, "opcw": 200, "iaea": 200}),
    "release": ("claimed", "post", "release/", None, {**NOT_VISIBLE, "opcw": 200}),
    "join": ("claimed", "post", "join/", None, {**NOT_VISIBLE, "iaea": 200, "opcw": 409}),
    "progress": ("claimed", "post", "progress/", {"note": "Kick-off held"}, {**NOT_VISIBLE, "opcw": 200}),
    "deliver": ("claimed", "post", "deliver/", {"summary": "Bill reviewed"}, {**NOT_VISIBLE, "opcw": 200}),
    "feedback": ("delivered", "post", "feedback/", {"rating": 5}, {**NOT_VISIBLE, "official_a": 200}),
    "reroute": ("routed", "post", "reroute/", None, {**NOT_VISIBLE, "expert": 202}),
    "assign": ("routed", "post", "assign/", {"provider": "who"}, {**NOT_VISIBLE, "expert": 200}),
    "active-providers": ("claimed", "get", "active-providers/", None,
                         {**NOT_VISIBLE, "official_a": 200, "expert": 200, "opcw": 200, "iaea": 200,
                          "read_only_opcw": 200}),
}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_role_may_call_only_what_it_is_allowed_to(
    api_clients, state_a, state_a_official, provider_chemical, endpoint, persona
):
    stage, method, path, body, allowed = ENDPOINTS[endpoint]
    request = in_stage(stage, state_a, state_a_official, provider_chemical)
    before = snapshot(request)
    call = getattr(api_clients[persona], method)
    response = call(f"{URL}{request.pk}/{path}", body, format="json") if body else call(f"{URL}{request.pk}/{path}")
    expected = allowed.get(persona, 403)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["detail"], "a refusal says why"
        if method != "get":
            assert snapshot(request) == before
    elif method != "get":
        assert snapshot(request) != before


def test_a_published_request_is_seen_by_all_but_only_its_state_and_its_providers_act_on_it(
    api_clients, state_a, state_a_official
):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    assert request.consent_to_publish
    before = snapshot(request)
    assert api_clients["official_b"].get(f"{URL}{request.pk}/").status_code == 200
    assert api_clients["official_b"].post(f"{URL}{request.pk}/withdraw/").status_code == 403
    assert api_clients["who"].get(f"{URL}{request.pk}/").status_code == 200
    refused = api_clients["who"].post(f"{URL}{request.pk}/claim/")
    assert refused.status_code == 404, "a provider the request was not routed to cannot claim it"
    assert snapshot(request) == before


# Offers: the OPCW's reference offer (published, unconfirmed), and a draft an expert wrote for the
# OPCW (unconfirmed). Its staff and the experts change it; only its staff confirm it. A persona that
# sees the offer but may not act on it gets 403 (a read-only token too), one that cannot see it 404.
OFFERS_URL = "/api/v1/assistance/offers/"
MANAGERS = {"expert": 200, "opcw": 200}
OFFER_ENDPOINTS = {
    "update": ("patch", "", {"capacity": 3}, MANAGERS),
    "withdraw": ("post", "withdraw/", None, MANAGERS),
    "confirm": ("post", "confirm/", None, {"opcw": 200}),
}
CANNOT_SEE_DRAFT = ["official_a", "official_b", "iaea", "who"]


def offer_snapshot(offer):
    offer.refresh_from_db()
    return (offer.status, offer.capacity, offer.confirmed, offer.updated_at, AuditEvent.objects.count())


@pytest.mark.parametrize("draft", [False, True], ids=["published", "draft"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", OFFER_ENDPOINTS)
def test_each_role_may_act_on_an_offer_only_as_allowed(api_clients, expert, endpoint, persona, draft):
    from assistance import offers
    from assistance.models import Offer

    if draft:
        offer = offers.create(
            {"provider": "opcw", "status": "draft", "title": "Inspection readiness", "description": "Mock inspection",
             "areas": ["ENFORCEMENT"], "columns": ["CW"], "assistance_types": ["training"], "languages": ["en"]},
            acting_user=expert,
        )  # fmt: skip
    else:
        offer = Offer.objects.get(provider__slug="opcw", source="reference")
    assert not offer.confirmed
    method, path, body, allowed = OFFER_ENDPOINTS[endpoint]
    expected = allowed.get(persona, 403)
    if persona == "public":
        expected = 401
    elif draft and persona in CANNOT_SEE_DRAFT:
        expected = 404
    seen = api_clients[persona].get(f"{OFFERS_URL}{offer.pk}/")
    assert seen.status_code == (404 if draft and persona in [*CANNOT_SEE_DRAFT, "public"] else 200)
    before = offer_snapshot(offer)
    call = getattr(api_clients[persona], method)
    url = f"{OFFERS_URL}{offer.pk}/{path}"
    response = call(url, body, format="json") if body else call(url)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["detail"], "a refusal says why"
        assert offer_snapshot(offer) == before
    else:
        assert offer_snapshot(offer) != before
