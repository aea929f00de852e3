"""Routing on offers: eligibility by membership, the treaty mandate, specialists, language, capacity,
"request this", offers that are not current, and the experts' "why not this provider"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assistance import routing, services
from assistance.models import AssistanceArea, AssistanceRequest, Match, Offer, Provider
from assistance.reasons import reason_texts
from assistance.tests.helpers import draft_request, routed_request
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from states.models import RegionalOrganization, State

pytestmark = pytest.mark.django_db

ALL_COLUMNS = ["NW", "CW", "BW", "MD"]


def official_of(iso3):
    state = State.objects.get(iso3=iso3)
    return state, UserFactory(username=f"official-{iso3.lower()}", role="state_official", state=state)


def make_offer(slug, *, columns, areas, types, languages=("en",), organizations=(), **fields):
    """A confirmed, published offer of a new provider."""
    provider = Provider.objects.create(
        slug=slug,
        name=slug.replace("-", " ").title(),
        kind=Provider.Kind.NGO,
        columns=columns,
        languages=list(languages),
    )
    offer = Offer.objects.create(
        provider=provider,
        title=f"Offer of {slug}",
        description="Test offer",
        columns=columns,
        assistance_types=types,
        languages=list(languages),
        confirmed=True,
        **fields,
    )
    offer.areas.set(AssistanceArea.objects.filter(code__in=areas))
    offer.eligible_organizations.set(RegionalOrganization.objects.filter(code__in=organizations))
    return offer


def among(request, *offers):
    """The candidates of `request` when only `offers` exist."""
    profiles = services.offer_profiles(Offer.objects.filter(pk__in=[o.pk for o in offers]))
    return services.candidates_for(request, profiles=profiles)


def slugs(candidates):
    return [c.provider.slug for c in candidates]


# Eligibility: membership of the organisation, not the UN regional group.


def test_peru_is_not_served_by_the_caricom_programme_although_both_are_grulac(reference, expert):
    peru, official = official_of("PER")
    request = draft_request(
        peru, official, area="ACTION_PLAN", columns=ALL_COLUMNS, assistance_type="expert_advice", language="es"
    )
    matched = slugs(services.candidates_for(request))
    assert "oas-cicte" in matched and "caricom-1540" not in matched
    answer = services.why_not(request, Provider.objects.get(slug="caricom-1540"), acting_user=expert)
    assert answer["verdict"] == "ineligible"
    assert answer["offers"][0]["refusal"] == "the offer is reserved to other States (members of CARICOM)"


def test_a_former_member_is_not_eligible_for_its_old_organisations_programme(reference):
    offer = make_offer(
        "ecowas-programme", columns=ALL_COLUMNS, areas=["ACTION_PLAN"], types=["workshop"], organizations=["ECOWAS"]
    )
    (profile,) = services.offer_profiles(Offer.objects.filter(pk=offer.pk))
    burkina_faso, nigeria = State.objects.get(iso3="BFA"), State.objects.get(iso3="NGA")
    assert burkina_faso.memberships.get(organization__code="ECOWAS").kind == "former"
    refusal = routing.eligibility_refusal(profile, services.applicant(burkina_faso))
    assert refusal == "the offer is reserved to other States (members of ECOWAS)"
    assert routing.eligibility_refusal(profile, services.applicant(nigeria)) is None
    state, official = official_of("BFA")
    request = draft_request(state, official, area="ACTION_PLAN", columns=["CW"], assistance_type="workshop")
    assert "ecowas-programme" not in slugs(services.candidates_for(request))
    assert "au-1540" in slugs(services.candidates_for(request))  # still an African Union member


# The score: mandate, specialism, language, capacity, "request this".


def test_the_treaty_organisation_comes_first_for_kenyan_cwc_penal_provisions(state_b, state_b_official):
    request = draft_request(state_b, state_b_official)  # CW, legislation, legislative drafting
    candidates = services.candidates_for(request)
    assert slugs(candidates)[0] == "opcw"
    assert "treaty mandate: the CWC" in reason_texts(candidates[0].reasons)
    assert not {"au-1540", "caricom-1540"} & set(slugs(candidates))
    assert all("treaty mandate: the CWC" not in reason_texts(c.reasons) for c in candidates[1:])


def test_a_specialist_offer_beats_a_generalist_listing_every_column(state_b, state_b_official):
    specialist = make_offer("cw-drafters", columns=["CW"], areas=["LEGISLATION"], types=["legislative_drafting"])
    generalist = make_offer("all-drafters", columns=ALL_COLUMNS, areas=["LEGISLATION"], types=["legislative_drafting"])
    request = draft_request(state_b, state_b_official)
    first, second = among(request, generalist, specialist)
    assert (first.offer, second.offer) == (specialist, generalist)
    assert first.score > second.score
    assert "specialist in CW" in reason_texts(first.reasons) and "also covers BW, MD, NW" in reason_texts(
        second.reasons
    )


def test_an_offer_in_the_requests_language_ranks_higher(state_b, state_b_official):
    french = make_offer(
        "fr-drafters", columns=["CW"], areas=["LEGISLATION"], types=["legislative_drafting"], languages=["fr"]
    )
    english = make_offer("en-drafters", columns=["CW"], areas=["LEGISLATION"], types=["legislative_drafting"])
    request = draft_request(state_b, state_b_official, language="fr")
    first, second = among(request, english, french)
    assert (first.offer, second.offer) == (french, english)
    assert "works in French" in reason_texts(first.reasons) and "does not list French" in reason_texts(second.reasons)


def test_an_offer_whose_capacity_is_used_up_scores_lower(state_b, state_b_official, state_a):
    busy = make_offer("busy", columns=["CW"], areas=["LEGISLATION"], types=["legislative_drafting"], capacity=2)
    free = make_offer("free", columns=["CW"], areas=["LEGISLATION"], types=["legislative_drafting"], capacity=2)
    now = timezone.now()
    for n in range(2):  # two requests claimed through the busy offer this year
        taken = AssistanceRequest.objects.create(
            state=state_a, title=f"Taken {n}", status="claimed", claimed_by=busy.provider,
            routed_at=now - timedelta(days=3), claimed_at=now - timedelta(days=2),
        )  # fmt: skip
        Match.objects.create(request=taken, provider=busy.provider, offer=busy, score=1)
    request = draft_request(state_b, state_b_official)
    first, second = among(request, busy, free)
    assert (first.offer, second.offer) == (free, busy)
    assert "2 of 2 requests left per year" in reason_texts(first.reasons)
    assert "0 of 2 requests left per year" in reason_texts(second.reasons)


def test_the_offer_a_request_was_started_from_is_preferred(state_b, state_b_official):
    eu_offer = Offer.objects.get(provider__slug="eu-p2p")
    plain = draft_request(state_b, state_b_official)
    assert "eu-p2p" not in slugs(services.candidates_for(plain))
    request = draft_request(state_b, state_b_official, from_offer=eu_offer.pk)
    assert request.from_offer == eu_offer
    by_slug = {c.provider.slug: c for c in services.candidates_for(request)}
    assert by_slug["eu-p2p"].offer == eu_offer
    assert "the State asked for this offer" in reason_texts(by_slug["eu-p2p"].reasons)


# Offers that are not current.


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "withdrawn"}, "the offer is withdrawn"),
        ({"status": "draft"}, "the offer is draft"),
        ({"valid_until": -1}, "the offer expired on {day}"),
        ({"valid_from": 1}, "the offer is valid only from {day}"),
    ],
)
def test_an_offer_that_is_not_current_is_never_matched(state_b, state_b_official, expert, changes, reason):
    opcw = Provider.objects.get(slug="opcw")
    days = {name: value for name, value in changes.items() if isinstance(value, int)}  # from today
    day = timezone.localdate() + timedelta(days=next(iter(days.values()), 0))
    Offer.objects.filter(provider=opcw).update(**{**changes, **dict.fromkeys(days, day)})
    request = routed_request(state_b, state_b_official)
    assert request.status == "routed" and not request.matches.filter(provider=opcw).exists()
    answer = services.why_not(request, opcw, acting_user=expert)
    assert answer["verdict"] == "no_current_offer"
    assert [o["refusal"] for o in answer["inactive_offers"]] == [reason.format(day=day.isoformat())]


# "Why not provider X", for the experts.


def test_why_not_says_matched_with_the_reasons(state_b, state_b_official, expert):
    request = routed_request(state_b, state_b_official)
    answer = services.why_not(request, Provider.objects.get(slug="opcw"), acting_user=expert)
    assert answer["verdict"] == "matched" and answer["rank"] == 1 and answer["cut"] == 3
    assert "treaty mandate: the CWC" in reason_texts(answer["candidate"].reasons)


def test_why_not_says_below_the_cut_against_the_last_one_taken(state_b, state_b_official, expert):
    request = routed_request(state_b, state_b_official)
    answer = services.why_not(request, Provider.objects.get(slug="eu-p2p"), acting_user=expert)
    assert answer["verdict"] == "below_cut" and answer["rank"] > answer["cut"] == 3
    last = answer["last_taken"]
    # Ties in score are ranked by the provider's name, as routing ranks them.
    taken = request.matches.order_by("-score", "provider__name").values_list("provider__slug", flat=True)
    assert last.provider.slug == list(taken)[-1]
    assert answer["candidate"].score <= last.score
    assert answer["offers"][0]["refusal"] is None and answer["offers"][0]["score"] == answer["candidate"].score


def test_why_not_names_the_rule_that_kept_a_provider_out(state_b, state_b_official, expert):
    request = routed_request(state_b, state_b_official)
    caricom = services.why_not(request, Provider.objects.get(slug="caricom-1540"), acting_user=expert)
    assert caricom["verdict"] == "ineligible" and caricom["rank"] is None
    assert caricom["offers"][0]["refusal"] == "the offer is reserved to other States (members of CARICOM)"
    # Columns and area are hard rules too.
    iaea = services.why_not(request, Provider.objects.get(slug="iaea"), acting_user=expert)
    assert iaea["verdict"] == "ineligible" and iaea["offers"][0]["refusal"].startswith("the offer covers NW, not CW")


def test_why_not_for_a_provider_that_receives_no_requests(state_b, state_b_official, expert):
    request = routed_request(state_b, state_b_official)
    opcw = Provider.objects.get(slug="opcw")
    Provider.objects.filter(pk=opcw.pk).update(active=False)
    opcw.refresh_from_db()
    assert services.why_not(request, opcw, acting_user=expert)["verdict"] == "inactive_provider"


def test_only_experts_ask_why_not(state_b, state_b_official):
    from portal.core.exceptions import NotAllowed

    request = routed_request(state_b, state_b_official)
    with pytest.raises(NotAllowed):
        services.why_not(request, Provider.objects.get(slug="opcw"), acting_user=state_b_official)


# `route` stores what was chosen.


def test_route_stores_each_matchs_offer_score_and_reasons(state_b, state_b_official):
    draft = draft_request(state_b, state_b_official)
    expected = [(c.provider.slug, c.offer.pk, c.score, c.reasons) for c in services.candidates_for(draft)]
    request = routed_request(state_b, state_b_official)
    stored = [
        (m.provider.slug, m.offer_id, m.score, m.reasons)
        for m in request.matches.select_related("provider").order_by("-score", "provider__name")
    ]
    assert stored == expected and len(stored) == 3
    assert all(Offer.objects.get(pk=offer_id).provider.slug == slug for slug, offer_id, _s, _r in stored)
    event = AuditEvent.objects.get(verb="request.routed", object_id=str(request.pk))
    assert [m[:2] for m in event.after["matches"]] == [[slug, offer_id] for slug, offer_id, _s, _r in expected]


def test_an_offer_for_an_organisations_partners_is_not_for_its_members(reference):
    """A programme for partner countries (EU P2P serves States outside the EU) refuses the members."""
    eu = RegionalOrganization.objects.get(code="EU")
    offer = Offer.objects.get(provider__slug="eu-p2p")
    offer.exclusion_names = "EU"
    profile = routing.OfferProfile(offer, excluded_organization_ids=frozenset({eu.pk}))
    malta, kazakhstan = State.objects.get(iso3="MLT"), State.objects.get(iso3="KAZ")
    refusal = routing.eligibility_refusal(profile, services.applicant(malta))
    assert refusal == "the offer is for States outside EU"
    assert routing.eligibility_refusal(profile, services.applicant(kazakhstan)) is None
    assert not profile.restricted  # open to every other State: no "programme for States like this one" points


def test_the_eu_partner_programme_is_routed_to_partners_and_never_to_eu_members(reference):
    """The reference EU P2P offer excludes the EU's members (provider_offers.csv): Malta's export
    control request goes elsewhere, Serbia's (a candidate, not a member) may go to it."""
    for iso3, expected in (("MLT", False), ("SRB", True)):
        state, official = official_of(iso3)
        request = draft_request(
            state, official, area="EXPORT_CONTROL", columns=["NW", "CW", "BW", "MD"], assistance_type="training"
        )
        profiles = services.offer_profiles()
        explanation = routing.explain(
            request, Provider.objects.get(slug="eu-p2p"), profiles, services.applicant(state),
            services.routing_context(request, profiles),
        )  # fmt: skip
        assert (explanation["verdict"] != "ineligible") is expected, explanation
        if not expected:
            assert explanation["offers"][0]["refusal"] == "the offer is for States outside EU"
            assert "eu-p2p" not in slugs(services.candidates_for(request))
