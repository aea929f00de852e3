"""The offers API: who publishes, edits, withdraws and confirms an offer, what each reader sees, the
filters, bad input, idempotency, query counts; and where offers show in the requests and providers."""

import datetime

import pytest
from django.utils import timezone

from assistance import offers
from assistance.models import Offer, Provider
from assistance.tests.helpers import routed_request, template
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistance/offers/"


def body(**overrides):
    """The fields a provider's staff must give."""
    data = {
        "title": "Chemical Weapons Bill review",
        "description": "Review of draft implementing legislation against CWC Article VII.",
        "areas": ["LEGISLATION"],
        "columns": ["CW"],
        "assistance_types": ["legislative_drafting"],
        "languages": ["en", "es"],
    }
    data.update(overrides)
    return data


def reference_offer(slug):
    return Offer.objects.get(provider__slug=slug, source="reference")


def ids(client, query=""):
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200, response.content
    return {offer["id"] for offer in response.json()["results"]}


def snapshot(offer):
    offer.refresh_from_db()
    fresh = Offer.objects.prefetch_related(
        "areas", "eligible_regions", "eligible_organizations", "eligible_states"
    ).get(pk=offer.pk)
    return {**offers.as_data(fresh), "confirmed": fresh.confirmed, "events": AuditEvent.objects.count()}


def opcw_offer(provider_chemical, **overrides):
    return offers.create(body(**overrides), acting_user=provider_chemical)


# ---------------------------------------------------------------------------------------------
# Publishing


def test_provider_staff_publish_an_offer_for_their_own_organisation(api_clients, provider_chemical):
    response = api_clients["opcw"].post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["provider"] == "opcw" and data["provider_name"] == Provider.objects.get(slug="opcw").name
    assert data["status"] == "published" and data["confirmed"] is True
    assert data["areas"] == ["LEGISLATION"] and data["columns"] == ["CW"] and data["languages"] == ["en", "es"]
    assert data["eligibility"] == {"regions": [], "organizations": [], "states": [], "excluded_organizations": []}
    assert data["mandate"] is None and data["capacity"] is None and data["capacity_period"] == "year"
    assert data["valid_from"] is None and data["valid_until"] is None and data["created_at"] and data["updated_at"]
    offer = Offer.objects.get(pk=data["id"])
    assert offer.provider.slug == "opcw" and offer.created_by == provider_chemical and offer.source == "provider"
    event = AuditEvent.objects.get(verb="offer.create")
    assert event.object_id == str(offer.pk) and event.actor == provider_chemical
    assert data["id"] in ids(api_clients["public"]), "published: the public sees it at once"


def test_a_full_offer_round_trips(api_clients, reference):
    data = body(
        status="draft", mandate="CWC", capacity=6, capacity_period="quarter", valid_from="2026-01-01",
        valid_until="2027-12-31", contact="ipb@example.org",
        eligibility={"regions": ["GRULAC"], "organizations": ["CARICOM"], "states": ["ken"]},
    )  # fmt: skip
    created = api_clients["opcw"].post(URL, data, format="json")
    assert created.status_code == 201, created.content
    got = api_clients["opcw"].get(f"{URL}{created.json()['id']}/").json()
    assert got == created.json()
    assert got["status"] == "draft" and got["mandate"] == "CWC" and got["capacity"] == 6
    assert got["capacity_period"] == "quarter" and got["valid_from"] == "2026-01-01"
    assert got["valid_until"] == "2027-12-31" and got["contact"] == "ipb@example.org"
    assert got["eligibility"] == {
        "regions": ["GRULAC"], "organizations": ["CARICOM"], "states": ["KEN"], "excluded_organizations": [],
    }  # fmt: skip
    assert created.json()["id"] not in ids(api_clients["public"]), "a draft is the provider's own"


def test_staff_cannot_publish_for_another_provider(api_clients, reference):
    count = Offer.objects.count()
    response = api_clients["opcw"].post(URL, body(provider="iaea"), format="json")
    assert response.status_code == 403 and response.json()["detail"]
    assert Offer.objects.count() == count
    named = api_clients["opcw"].post(URL, body(provider="opcw"), format="json")
    assert named.status_code == 201 and named.json()["provider"] == "opcw"


def test_an_expert_publishes_on_behalf_of_a_provider_unconfirmed(api_clients, expert):
    response = api_clients["expert"].post(URL, body(provider="vertic", columns=["CW", "BW"]), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["provider"] == "vertic" and data["confirmed"] is False and data["status"] == "published"
    offer = Offer.objects.get(pk=data["id"])
    assert offer.created_by == expert and offer.source == "expert" and not offer.confirmed
    count = Offer.objects.count()
    unnamed = api_clients["expert"].post(URL, body(), format="json")
    assert unnamed.status_code == 400 and "provider" in unnamed.json()["errors"]
    unknown = api_clients["expert"].post(URL, body(provider="nobody"), format="json")
    assert unknown.status_code == 400 and "provider" in unknown.json()["errors"]
    assert Offer.objects.count() == count


@pytest.mark.parametrize(("who", "expected"), [("public", 401), ("official_a", 403), ("read_only_opcw", 403)])
def test_others_cannot_publish_offers(api_clients, reference, who, expected):
    count, events = Offer.objects.count(), AuditEvent.objects.count()
    response = api_clients[who].post(URL, body(provider="opcw"), format="json")
    assert response.status_code == expected and response.json()["detail"]
    assert Offer.objects.count() == count and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"areas": ["NOPE"]}, "areas"),
        ({"areas": []}, "areas"),
        ({"columns": ["XW"]}, "columns"),
        ({"columns": "CW"}, "columns"),
        ({"columns": []}, "columns"),
        ({"assistance_types": ["money"]}, "assistance_types"),
        ({"languages": ["xx"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"eligibility": {"states": ["XXX"]}}, "eligibility"),
        ({"eligibility": {"regions": ["Mars"]}}, "eligibility"),
        ({"eligibility": {"organizations": ["NOPE"]}}, "eligibility"),
        ({"eligibility": {"planets": ["Mars"]}}, "eligibility"),
        ({"eligibility": ["JAM"]}, "eligibility"),
        ({"mandate": "NPT"}, "mandate"),
        ({"mandate": "UNSC"}, "mandate"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 20000}, "capacity"),
        ({"capacity": "5"}, "capacity"),
        ({"capacity_period": "decade"}, "capacity_period"),
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"valid_from": "soon"}, "valid_from"),
        ({"status": "withdrawn"}, "status"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_offers_are_refused_field_by_field_and_nothing_is_saved(api_clients, reference, change, field):
    count, events = Offer.objects.count(), AuditEvent.objects.count()
    response = api_clients["opcw"].post(URL, body(**change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Offer.objects.count() == count and AuditEvent.objects.count() == events


def test_a_missing_required_field_is_named(api_clients, reference):
    data = body()
    del data["assistance_types"]
    response = api_clients["opcw"].post(URL, data, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["assistance_types"]


def test_a_retried_create_with_the_same_idempotency_key_publishes_once(api_clients, reference):
    count = Offer.objects.count()
    first = api_clients["opcw"].post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    again = api_clients["opcw"].post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="offer-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Offer.objects.count() == count + 1
    assert AuditEvent.objects.filter(verb="offer.create").count() == 1


# ---------------------------------------------------------------------------------------------
# Editing, withdrawing, confirming


def test_provider_staff_edit_their_offer_and_so_confirm_a_reference_offer(api_clients, provider_chemical):
    offer = reference_offer("opcw")
    assert not offer.confirmed and offer.status == "published"
    before = api_clients["opcw"].get(f"{URL}{offer.pk}/").json()
    response = api_clients["opcw"].patch(f"{URL}{offer.pk}/", {"capacity": 4, "mandate": "CWC"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["capacity"] == 4 and data["mandate"] == "CWC" and data["confirmed"] is True
    changed = ("capacity", "mandate", "confirmed", "updated_at", "languages")
    unchanged = {k: v for k, v in before.items() if k not in changed}
    assert {k: data[k] for k in unchanged} == unchanged, "a PATCH merges over the current values"
    assert sorted(data["languages"]) == sorted(before["languages"]), "kept (in the canonical order)"
    offer.refresh_from_db()
    assert offer.confirmed and offer.capacity == 4 and offer.source == "provider"
    assert AuditEvent.objects.filter(verb="offer.update", object_id=str(offer.pk)).count() == 1


def test_an_experts_edit_leaves_an_offer_unconfirmed(api_clients, provider_chemical):
    offer = opcw_offer(provider_chemical)
    assert offer.confirmed
    response = api_clients["expert"].patch(f"{URL}{offer.pk}/", {"title": "Revised by the Committee"}, format="json")
    assert response.status_code == 200 and response.json()["confirmed"] is False
    confirmed = api_clients["opcw"].post(f"{URL}{offer.pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    assert confirmed.json()["title"] == "Revised by the Committee", "confirmed as it stands"


def test_a_bad_patch_is_refused_and_changes_nothing(api_clients, provider_chemical):
    offer = opcw_offer(provider_chemical)
    before = snapshot(offer)
    for change, field in (
        ({"columns": ["XW"]}, "columns"),
        ({"mandate": "NPT"}, "mandate"),
        ({"provider": "iaea"}, "provider"),
        ({"valid_until": "2000-01-01", "valid_from": "2001-01-01"}, "valid_until"),
    ):
        response = api_clients["opcw"].patch(f"{URL}{offer.pk}/", change, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert api_clients["opcw"].put(f"{URL}{offer.pk}/", body(), format="json").status_code == 405
    assert snapshot(offer) == before


def test_another_providers_offer_cannot_be_changed(api_clients, provider_chemical):
    published = reference_offer("opcw")
    draft = opcw_offer(provider_chemical, status="draft")
    for offer, expected in ((published, 403), (draft, 404)):
        before = snapshot(offer)
        patched = api_clients["iaea"].patch(f"{URL}{offer.pk}/", {"title": "Taken over"}, format="json")
        assert patched.status_code == expected and patched.json()["detail"]
        assert api_clients["iaea"].post(f"{URL}{offer.pk}/withdraw/").status_code == expected
        assert api_clients["iaea"].post(f"{URL}{offer.pk}/confirm/").status_code == expected
        assert api_clients["official_a"].patch(f"{URL}{offer.pk}/", {"title": "x"}, format="json").status_code == (
            expected
        )
        assert snapshot(offer) == before


def test_provider_staff_withdraw_their_offer_once(api_clients, provider_chemical):
    offer = opcw_offer(provider_chemical)
    assert offer.pk in ids(api_clients["public"])
    response = api_clients["opcw"].post(f"{URL}{offer.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    offer.refresh_from_db()
    assert offer.status == "withdrawn" and offer.withdrawn_at
    assert offer.pk not in ids(api_clients["public"])
    assert api_clients["public"].get(f"{URL}{offer.pk}/").status_code == 404
    assert api_clients["iaea"].get(f"{URL}{offer.pk}/").status_code == 404
    assert offer.pk in ids(api_clients["opcw"]) and offer.pk in ids(api_clients["expert"])
    assert api_clients["opcw"].get(f"{URL}{offer.pk}/").json()["status"] == "withdrawn"
    again = api_clients["opcw"].post(f"{URL}{offer.pk}/withdraw/")
    assert again.status_code == 200 and again.json()["status"] == "withdrawn"
    assert AuditEvent.objects.filter(verb="offer.withdraw", object_id=str(offer.pk)).count() == 1
    assert api_clients["opcw"].post(f"{URL}{offer.pk}/confirm/").status_code == 409
    stuck = api_clients["opcw"].patch(f"{URL}{offer.pk}/", {"title": "Still here"}, format="json")
    assert stuck.status_code == 409
    republished = api_clients["opcw"].patch(f"{URL}{offer.pk}/", {"status": "published"}, format="json")
    assert republished.status_code == 200 and republished.json()["status"] == "published"
    assert offer.pk in ids(api_clients["public"])


def test_only_the_providers_staff_confirm_an_offer(api_clients, reference):
    offer = reference_offer("opcw")
    before = snapshot(offer)
    assert api_clients["expert"].post(f"{URL}{offer.pk}/confirm/").status_code == 403
    assert api_clients["read_only_opcw"].post(f"{URL}{offer.pk}/confirm/").status_code == 403
    assert api_clients["public"].post(f"{URL}{offer.pk}/confirm/").status_code == 401
    assert snapshot(offer) == before
    response = api_clients["opcw"].post(f"{URL}{offer.pk}/confirm/")
    assert response.status_code == 200 and response.json()["confirmed"] is True
    assert {k: v for k, v in snapshot(offer).items() if k not in ("confirmed", "events")} == {
        k: v for k, v in before.items() if k not in ("confirmed", "events")
    }
    assert Provider.objects.get(slug="opcw").confirmed
    assert AuditEvent.objects.filter(verb="offer.confirm", object_id=str(offer.pk)).count() == 1
    assert api_clients["opcw"].post(f"{URL}{offer.pk}/confirm/").status_code == 200
    assert AuditEvent.objects.filter(verb="offer.confirm", object_id=str(offer.pk)).count() == 1


# ---------------------------------------------------------------------------------------------
# Who sees what; filters


def test_the_public_sees_only_published_offers_valid_today(api_clients, provider_chemical):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    current = opcw_offer(provider_chemical, valid_from=today.isoformat(), valid_until=today.isoformat())
    draft = opcw_offer(provider_chemical, status="draft")
    withdrawn = offers.withdraw(opcw_offer(provider_chemical), acting_user=provider_chemical)
    expired = opcw_offer(provider_chemical, valid_until=(today - day).isoformat())
    future = opcw_offer(provider_chemical, valid_from=(today + day).isoformat())
    hidden = {draft.pk, withdrawn.pk, expired.pk, future.pk}
    for who in ("public", "official_a", "iaea"):
        seen = ids(api_clients[who], "?page_size=500")
        assert current.pk in seen and not seen & hidden, who
        for pk in hidden:
            assert api_clients[who].get(f"{URL}{pk}/").status_code == 404
        assert api_clients[who].get(f"{URL}{current.pk}/").json()["title"] == current.title
    for who in ("opcw", "expert"):
        assert {current.pk, *hidden} <= ids(api_clients[who], "?page_size=500"), who
        assert api_clients[who].get(f"{URL}{draft.pk}/").json()["status"] == "draft"
    assert api_clients["public"].get(f"{URL}99999999/").status_code == 404
    assert api_clients["public"].get(f"{URL}abc/").status_code == 404


def test_the_list_is_paginated_and_ordered(api_clients, reference):
    response = api_clients["public"].get(f"{URL}?page_size=2")
    data = response.json()
    assert data["count"] == Offer.objects.current().count() and len(data["results"]) == 2 and data["next"]
    names = [o["provider_name"] for o in api_clients["public"].get(f"{URL}?page_size=500").json()["results"]]
    assert names == sorted(names)
    assert api_clients["public"].get(f"{URL}?page=x").status_code == 400


def test_the_filters(api_clients, provider_chemical):
    caricom = reference_offer("caricom-1540")
    opcw = reference_offer("opcw")
    for_peru = opcw_offer(provider_chemical, eligibility={"states": ["PER"]}, columns=["NW"], languages=["pt"])
    public = api_clients["public"]
    assert caricom.pk not in ids(public, "?eligible=PER") and opcw.pk in ids(public, "?eligible=PER")
    assert caricom.pk in ids(public, "?eligible=JAM") and opcw.pk in ids(public, "?eligible=jam")
    assert for_peru.pk in ids(public, "?eligible=PER") and for_peru.pk not in ids(public, "?eligible=JAM")
    assert ids(public, "?provider=opcw") == {opcw.pk, for_peru.pk}
    assert ids(public, "?mandate=CWC") == {opcw.pk}
    assert for_peru.pk in ids(public, "?column=NW") and opcw.pk not in ids(public, "?column=NW")
    assert ids(public, "?provider=opcw&assistance_type=legislative_drafting&language=pt") == {for_peru.pk}
    assert ids(public, "?provider=opcw&area=LEGISLATION&confirmed=true") == {for_peru.pk}
    assert ids(public, "?provider=opcw&confirmed=false") == {opcw.pk}
    draft = opcw_offer(provider_chemical, status="draft")
    assert ids(api_clients["expert"], "?status=draft") == {draft.pk}
    assert ids(public, "?status=draft") == set()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?colour=red", "unknown-parameter"),
        ("?column=XW", "invalid"),
        ("?eligible=XXX", "invalid"),
        ("?provider=nobody", "invalid"),
        ("?status=lost", "invalid"),
        ("?mandate=UNSC", "invalid"),
        ("?page_size=0", "invalid-parameter"),
    ],
)
def test_bad_list_filters_are_a_400(api_clients, reference, query, code):
    response = api_clients["public"].get(f"{URL}{query}")
    assert response.status_code == 400 and response.json()["code"] == code


def test_the_offer_list_runs_a_constant_number_of_queries(api_clients, provider_chemical, django_assert_num_queries):
    expert = api_clients["expert"]
    expert.get(URL)  # the token's first use is written down once: keep it out of the count
    # count, page (with the providers), areas, regions, organisations, States; the expert's token
    with django_assert_num_queries(6):
        assert api_clients["public"].get(URL).status_code == 200
    with django_assert_num_queries(7) as first:
        small = expert.get(URL).json()["count"]
    eligibility = {"regions": ["GRULAC"], "organizations": ["CARICOM"], "states": ["PER", "KEN"]}
    for _ in range(6):
        opcw_offer(provider_chemical, eligibility=eligibility, areas=["LEGISLATION", "EXPORT_CONTROL"])
    with django_assert_num_queries(len(first.captured_queries)):
        assert expert.get(URL).json()["count"] == small + 6
    with django_assert_num_queries(8):  # and the State named, and the codes of its organisations
        assert api_clients["public"].get(f"{URL}?eligible=JAM").status_code == 200


# ---------------------------------------------------------------------------------------------
# Offers in the requests and providers


def test_matches_name_the_offer_they_came_from(api_clients, state_a, state_a_official):
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    data = api_clients["public"].get(f"/api/v1/assistance/requests/{request.pk}/").json()
    opcw = next(m for m in data["matches"] if m["provider"] == "opcw")
    offer = reference_offer("opcw")
    assert opcw["offer"] == offer.pk and opcw["offer_title"] == offer.title
    assert data["from_offer"] is None and data["first_response_at"] is None
    listed = api_clients["expert"].get("/api/v1/assistance/requests/").json()["results"][0]
    assert {m["offer"] for m in listed["matches"]} == {m["offer"] for m in data["matches"]}


def test_a_request_gives_when_a_provider_first_responded(api_clients, state_a, state_a_official, provider_chemical):
    from assistance import conversation

    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"])
    url = f"/api/v1/assistance/requests/{request.pk}/"
    assert api_clients["public"].get(url).json()["first_response_at"] is None
    conversation.post(request, provider_chemical.provider, body="We can help.", acting_user=provider_chemical)
    request.refresh_from_db()
    assert request.first_response_at
    data = api_clients["public"].get(url).json()
    assert data["first_response_at"] == request.first_response_at.isoformat().replace("+00:00", "Z")


def test_an_experts_assignment_without_an_offer_has_none(api_clients, state_a, state_a_official):
    Provider.objects.filter(columns__icontains='"BW"').update(active=False)
    request = routed_request(
        state_a, state_a_official, columns=["BW"], area="BIOSAFETY_BIOSECURITY", assistance_type="training"
    )
    data = (
        api_clients["expert"]
        .post(f"/api/v1/assistance/requests/{request.pk}/assign/", {"provider": "who"}, format="json")
        .json()
    )
    assert data["matches"][0]["provider"] == "who"
    assert data["matches"][0]["offer"] is None and data["matches"][0]["offer_title"] is None


def test_a_request_may_start_from_an_offer(api_clients, reference, provider_chemical):
    offer = reference_offer("opcw")
    url = "/api/v1/assistance/requests/"
    created = api_clients["official_a"].post(url, template(from_offer=offer.pk), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["from_offer"] == offer.pk
    kept = api_clients["official_a"].patch(f"{url}{created.json()['id']}/", {"title": "Renamed"}, format="json")
    assert kept.json()["from_offer"] == offer.pk, "a PATCH keeps it"
    submitted = api_clients["official_a"].post(f"{url}{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["from_offer"] == offer.pk
    public = api_clients["public"].get(f"{url}{created.json()['id']}/").json()
    assert public["from_offer"] is None, "private, like the preferred providers"
    assert api_clients["expert"].get(f"{url}{created.json()['id']}/").json()["from_offer"] == offer.pk
    second = api_clients["official_a"].post(url, template(from_offer=offer.pk), format="json")
    cleared = api_clients["official_a"].patch(f"{url}{second.json()['id']}/", {"from_offer": None}, format="json")
    assert cleared.json()["from_offer"] is None
    draft = opcw_offer(provider_chemical, status="draft")
    for bad in (draft.pk, 99999999, "1"):
        refused = api_clients["official_a"].post(url, template(from_offer=bad), format="json")
        assert refused.status_code == 400 and "from_offer" in refused.json()["errors"], bad


def test_providers_give_their_mandate_and_current_offers(api_clients, provider_chemical, django_assert_num_queries):
    url = "/api/v1/assistance/providers/"
    # count, page, areas, regions, current offers
    with django_assert_num_queries(5) as first:
        providers = {p["slug"]: p for p in api_clients["public"].get(f"{url}?page_size=500").json()["results"]}
    assert providers["opcw"]["mandate"] == "CWC" and providers["iaea"]["mandate"] == "NPT"
    assert providers["bwc-isu"]["mandate"] == "BWC" and providers["unoda"]["mandate"] == "1540"
    assert providers["vertic"]["mandate"] is None
    assert providers["opcw"]["offers"] == [reference_offer("opcw").pk]
    mine = opcw_offer(provider_chemical)
    opcw_offer(provider_chemical, status="draft")
    offers.withdraw(reference_offer("opcw"), acting_user=provider_chemical)
    for _ in range(3):
        opcw_offer(provider_chemical)
    with django_assert_num_queries(len(first.captured_queries)):
        providers = {p["slug"]: p for p in api_clients["public"].get(f"{url}?page_size=500").json()["results"]}
    assert mine.pk in providers["opcw"]["offers"] and len(providers["opcw"]["offers"]) == 4
    assert api_clients["public"].get(f"{url}opcw/").json()["offers"] == providers["opcw"]["offers"]


def test_an_offer_for_an_organisations_partners_excludes_its_members(api_clients, provider_chemical):
    """`excluded_organizations`: a programme for an organisation's partners is not open to its members,
    which the `eligible` filter and the offer's own data both say."""
    response = api_clients["opcw"].post(URL, body(eligibility={"excluded_organizations": ["EU"]}), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["eligibility"]["excluded_organizations"] == ["EU"]
    assert created["id"] not in ids(api_clients["public"], "?eligible=MLT")  # an EU member
    assert created["id"] in ids(api_clients["public"], "?eligible=SRB")  # not one
    before = Offer.objects.count()
    for eligibility in (
        {"excluded_organizations": ["XYZ"]},
        {"organizations": ["EU"], "excluded_organizations": ["EU"]},
    ):
        refused = api_clients["opcw"].post(URL, body(eligibility=eligibility), format="json")
        assert refused.status_code == 400 and "eligibility" in refused.json()["errors"], refused.content
    assert Offer.objects.count() == before
