"""Why not this provider? The experts' page that says why a provider is, or is not, matched to a request,
offer by offer, with assignment by hand through one of its offers; and every page that shows matches
naming the offer each was matched on."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assistance import services
from assistance.models import AssistanceRequest, Match, Offer, Provider
from assistance.reasons import reason_texts
from assistance.tests.helpers import draft_request, persona, routed_request
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in

pytestmark = pytest.mark.django_db

CARICOM_RULE = "the offer is reserved to other States (members of CARICOM)"
BADGE = ">unconfirmed offer</span>"
# session, user, request, providers (the list, the one asked about), current offers and their 4 links, the
# organisations' codes, the State's memberships, preferred providers, claim hours, offers not current, its match
WHY_NOT_QUERIES = 16


@pytest.fixture
def peru(reference):
    from states.models import State

    return State.objects.get(iso3="PER")


@pytest.fixture
def peru_official(peru):
    return UserFactory(username="official-per", role="state_official", state=peru)


@pytest.fixture
def peruvian(peru, peru_official):
    """A chemical legislation request of Peru, routed to the OPCW, the OAS CICTE and UNODC (3 taken):
    UNODA fits but ranks sixth; CARICOM's programme is reserved to its members."""
    req = routed_request(peru, peru_official, title="Chemical weapons penal code")
    assert req.status == "routed"
    assert sorted(req.matches.values_list("provider__slug", flat=True)) == ["oas-cicte", "opcw", "unodc-tpb"]
    return req


def why_not_url(req, slug=None):
    address = reverse("assistance:expert_why_not", args=[req.pk])
    return address if slug is None else f"{address}?provider={slug}"


def snapshot(req):
    req = AssistanceRequest.objects.get(pk=req.pk)
    matches = Match.objects.filter(request=req).order_by("provider_id")
    return (
        req.status,
        list(matches.values_list("provider_id", "offer_id", "score", "assigned_by_expert")),
        AuditEvent.objects.count(),
    )


def text(response):
    """The page's text without tags and with spaces collapsed (none left inside quotation marks, where a
    title is a span of its own language)."""
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return flat.replace("“ ", "“").replace(" ”", "”")


def offer_of(slug):
    return Offer.objects.get(provider__slug=slug)


# ---------------------------------------------------------------------------------------------
# Who may ask


@pytest.mark.parametrize(
    "who, expected",
    [
        ("public", 302),
        ("state_a_official", 403),
        ("peru_official", 403),
        ("provider_chemical", 403),
        ("expert", 200),
        ("admin_user", 200),
    ],
)
def test_the_page_opens_for_experts_and_administrators_only_and_changes_nothing(request, peruvian, who, expected):
    before = snapshot(peruvian)
    response = logged_in(persona(request, who)).get(why_not_url(peruvian, "unoda"))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    if expected == 403:
        assert "kept out by the cut" not in response.content.decode()
    if expected == 200:
        assert "kept out by the cut" in text(response)
    assert snapshot(peruvian) == before


def test_an_unknown_request_answers_404(expert, peruvian):
    response = logged_in(expert).get(
        reverse("assistance:expert_why_not", args=[peruvian.pk + 1000]) + "?provider=unoda"
    )
    assert response.status_code == 404


def test_the_page_needs_a_get(expert, peruvian):
    response = logged_in(expert).post(why_not_url(peruvian), {"provider": "unoda"})
    assert response.status_code == 405


# ---------------------------------------------------------------------------------------------
# The question, from the request's page


def test_the_request_page_asks_why_not_about_every_active_provider(expert, peruvian):
    Provider.objects.filter(slug="woah").update(active=False)
    response = logged_in(expert).get(reverse("assistance:expert_request", args=[peruvian.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{why_not_url(peruvian)}"' in html and 'method="get"' in html
    select = html[html.index('id="why_not_provider"') : html.index("</select>", html.index('id="why_not_provider"'))]
    slugs = re.findall(r'value="([^"]*)"', select)
    assert slugs[0] == "" and set(slugs[1:]) == set(Provider.objects.filter(active=True).values_list("slug", flat=True))
    assert "woah" not in slugs and "caricom-1540" in slugs
    assert '<label class="form-label fw-semibold small" for="why_not_provider">' not in html  # full-size here
    assert 'for="why_not_provider">Why not…?</label>' in html


# ---------------------------------------------------------------------------------------------
# The verdicts


def test_a_matched_provider_is_shown_with_its_rank_and_offer(expert, peruvian):
    response = logged_in(expert).get(why_not_url(peruvian, "opcw"))
    assert response.status_code == 200
    page = text(response)
    offer = offer_of("opcw")
    match = peruvian.matches.get(provider__slug="opcw")
    assert response.context["explanation"]["verdict"] == "matched"
    assert (
        "Organisation for the Prohibition of Chemical Weapons (Technical Secretariat) is matched: rank 1 of the 3 "
        f"providers taken, through its offer “{offer.title}” (score {match.score})." in page
    )
    assert "is among this request's matches, through its offer" in page
    for reason in reason_texts(match.reasons):
        assert escape(reason) in response.content.decode()
    assert "Assign through this offer" not in page  # already matched


def test_a_provider_below_the_cut_is_compared_with_the_last_one_taken(expert, peruvian):
    response = logged_in(expert).get(why_not_url(peruvian, "unoda"))
    assert response.status_code == 200
    explanation = response.context["explanation"]
    assert explanation["verdict"] == "below_cut" and explanation["rank"] == 6
    last = explanation["last_taken"]
    assert last.provider.slug == "unodc-tpb"
    page = text(response)
    assert "kept out by the cut: only the best 3 providers are taken" in page
    assert f"Its best offer scores {explanation['candidate'].score} (rank 6)" in page
    assert f"the last provider taken, {last.provider.name}, scores {last.score}" in page
    html = response.content.decode()
    compared = html[html.index("why-not-compare") :]
    assert escape(offer_of("unoda").title) in compared and f"Last taken, {escape(last.provider.name)}" in compared
    for reason in reason_texts([*explanation["candidate"].reasons, *last.reasons]):
        assert escape(reason) in compared
    assert "is not among this request's matches" in page


def test_an_ineligible_provider_names_the_rule_that_keeps_each_offer_out(expert, peruvian):
    response = logged_in(expert).get(why_not_url(peruvian, "caricom-1540"))
    assert response.status_code == 200
    assert response.context["explanation"]["verdict"] == "ineligible"
    page = text(response)
    assert "No offer of CARICOM 1540 Implementation Programme may receive this request:" in page
    assert f"“{offer_of('caricom-1540').title}”: {CARICOM_RULE}" in page
    assert f"Kept out: {CARICOM_RULE}" in page  # the offer's row


def test_a_provider_without_a_current_offer_names_each_offers_reason(expert, peruvian):
    Offer.objects.filter(provider__slug="unoda").update(status=Offer.Status.WITHDRAWN)
    expired = Offer.objects.create(
        provider=Provider.objects.get(slug="unoda"), title="Regional workshop 2020", description="Past",
        columns=["CW"], valid_from="2020-01-01", valid_until="2020-12-31",
    )  # fmt: skip
    response = logged_in(expert).get(why_not_url(peruvian, "unoda"))
    assert response.status_code == 200
    assert response.context["explanation"]["verdict"] == "no_current_offer"
    page = text(response)
    assert "has no current offer:" in page
    assert f"“{offer_of_title('unoda', Offer.Status.WITHDRAWN)}”: the offer is withdrawn" in page
    assert f"“{expired.title}”: the offer expired on 2020-12-31" in page
    assert "Assign through this offer" not in page
    assert "without an offer" in page  # the provider is active: it may still be assigned by hand


def offer_of_title(slug, status):
    return Offer.objects.get(provider__slug=slug, status=status).title


def test_a_provider_with_no_offer_says_so(expert, peruvian):
    Provider.objects.create(slug="new-centre", name="New Centre", kind="non_governmental_organization")
    response = logged_in(expert).get(why_not_url(peruvian, "new-centre"))
    assert response.status_code == 200
    assert response.context["explanation"]["verdict"] == "no_offer"
    assert "New Centre has no offer: nothing of it can be matched." in text(response)


def test_an_inactive_provider_does_not_receive_requests(expert, peruvian):
    Provider.objects.filter(slug="unoda").update(active=False)
    response = logged_in(expert).get(why_not_url(peruvian, "unoda"))
    assert response.status_code == 200
    assert response.context["explanation"]["verdict"] == "inactive_provider"
    page = text(response)
    assert "does not receive requests: the provider is not active." in page
    assert "Assign" not in re.sub(r"Assign(ment)? by hand", "", page.split("Verdict", 1)[1])


# ---------------------------------------------------------------------------------------------
# What cannot be answered


@pytest.mark.parametrize(
    "query, message",
    [
        ("?provider=nope", "No provider nope: choose one of the providers."),
        ("?provider=", "Choose the provider to ask about."),
        ("", "Choose the provider to ask about."),
    ],
)
def test_an_unknown_or_missing_provider_answers_400_with_the_message(expert, peruvian, query, message):
    before = snapshot(peruvian)
    response = logged_in(expert).get(why_not_url(peruvian) + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'id="why_not_provider-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Verdict" not in html
    assert snapshot(peruvian) == before


def test_a_request_without_area_or_columns_answers_400_with_the_message(expert, peru, peru_official):
    draft = draft_request(peru, peru_official, area="", columns=[])
    response = logged_in(expert).get(why_not_url(draft, "unoda"))
    assert response.status_code == 400
    assert "This request has no area or columns yet: nothing to match." in response.content.decode()
    assert "Verdict" not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Assigning by hand through an offer


def test_the_page_offers_to_assign_the_provider_through_each_current_offer(expert, peruvian):
    offer = offer_of("unoda")
    response = logged_in(expert).get(why_not_url(peruvian, "unoda"))
    html = response.content.decode()
    form = html[html.index(f'action="{reverse("assistance:expert_assign", args=[peruvian.pk])}"') :]
    form = form[: form.index("</form>")]
    assert 'name="provider" value="unoda"' in form and f'name="offer" value="{offer.pk}"' in form
    assert "Assign through this offer" in form


def test_assigning_through_an_offer_stores_it_on_the_match(expert, peruvian, django_capture_on_commit_callbacks):
    offer = offer_of("unoda")
    client = logged_in(expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assistance:expert_assign", args=[peruvian.pk]), {"provider": "unoda", "offer": offer.pk}
        )
    assert response.status_code == 302
    match = Match.objects.get(request=peruvian, provider__slug="unoda")
    assert match.offer == offer and match.assigned_by_expert
    page = client.get(response["Location"])
    assert f"through its offer “{offer.title}” and notified" in text(page)
    assert AuditEvent.objects.filter(verb="request.assign", actor=expert).exists()
    # The why-not page now says it is matched by hand, and offers no second assignment.
    after = text(client.get(why_not_url(peruvian, "unoda")))
    assert f"is among this request's matches, through its offer “{offer.title}”" in after
    assert "Assign through this offer" not in after


def test_assigning_without_an_offer_stores_none(expert, peruvian):
    response = logged_in(expert).post(reverse("assistance:expert_assign", args=[peruvian.pk]), {"provider": "unoda"})
    assert response.status_code == 302
    assert Match.objects.get(request=peruvian, provider__slug="unoda").offer is None


@pytest.mark.parametrize(
    "offer, status, message",
    [
        ("caricom", 400, "That offer is not one of United Nations Office for Disarmament Affairs"),
        ("999999", 400, "No offer 999999."),
        ("many", 400, "Choose one of the provider&#x27;s offers."),
    ],
)
def test_assigning_through_an_offer_that_is_not_the_providers_stores_nothing(expert, peruvian, offer, status, message):
    value = str(offer_of("caricom-1540").pk) if offer == "caricom" else offer
    before = snapshot(peruvian)
    response = logged_in(expert).post(
        reverse("assistance:expert_assign", args=[peruvian.pk]), {"provider": "unoda", "offer": value}
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert snapshot(peruvian) == before
    assert not Match.objects.filter(request=peruvian, provider__slug="unoda").exists()


@pytest.mark.parametrize("who", ["public", "peru_official", "provider_chemical"])
def test_a_denied_assignment_through_an_offer_changes_nothing(request, peruvian, who):
    before = snapshot(peruvian)
    response = logged_in(persona(request, who)).post(
        reverse("assistance:expert_assign", args=[peruvian.pk]), {"provider": "unoda", "offer": offer_of("unoda").pk}
    )
    assert response.status_code == (302 if who == "public" else 403)
    assert snapshot(peruvian) == before


# ---------------------------------------------------------------------------------------------
# A constant number of queries


def test_the_page_runs_a_constant_number_of_queries(
    expert, peruvian, peru, peru_official, state_a, state_a_official, django_assert_num_queries
):
    client = logged_in(expert)
    with django_assert_num_queries(WHY_NOT_QUERIES):
        assert client.get(why_not_url(peruvian, "unoda")).status_code == 200
    for n in range(4):
        routed_request(peru, peru_official, title=f"Request {n}")
        routed_request(state_a, state_a_official, title=f"Jamaica {n}")
    Offer.objects.create(
        provider=Provider.objects.get(slug="unoda"), title="Second offer", description="More", columns=["CW"],
        valid_until=timezone.localdate() - timezone.timedelta(days=1),
    )  # fmt: skip
    for slug in ("unoda", "caricom-1540", "opcw"):
        with django_assert_num_queries(WHY_NOT_QUERIES):
            assert client.get(why_not_url(peruvian, slug)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Every page with matches names the offer of each


def test_every_page_with_matches_names_the_offer_of_each(
    expert, peruvian, peru_official, state_a_official, provider_chemical
):
    opcw = offer_of("opcw")
    pages = {
        "official": logged_in(peru_official).get(reverse("assistance:request_detail", args=[peruvian.pk])),
        "expert": logged_in(expert).get(reverse("assistance:expert_request", args=[peruvian.pk])),
        "expert list": logged_in(expert).get(reverse("assistance:expert_requests")),
        "provider": logged_in(provider_chemical).get(reverse("assistance:provider_request", args=[peruvian.pk])),
        "inbox": logged_in(provider_chemical).get(reverse("assistance:provider_inbox")),
        "public": logged_in(None).get(reverse("assistance:public_request", args=[peruvian.pk])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert escape(opcw.title) in response.content.decode(), name
    others = Match.objects.filter(request=peruvian).exclude(provider__slug="opcw").select_related("offer")
    for name in ("official", "expert", "public"):
        for match in others:
            assert escape(match.offer.title) in pages[name].content.decode(), name


def test_the_public_page_links_a_current_offer_only(client, peruvian):
    opcw = offer_of("opcw")
    link = f'<a href="{reverse("assistance:offer", args=[opcw.pk])}">{escape(opcw.title)}</a>'
    address = reverse("assistance:public_request", args=[peruvian.pk])
    page = client.get(address).content.decode()
    assert link in page
    assert "score" not in text(client.get(address)).lower().split("routed to:")[1][:400]

    Offer.objects.filter(pk=opcw.pk).update(status=Offer.Status.WITHDRAWN)
    page = client.get(address).content.decode()
    assert link not in page and escape(opcw.title) in page


def test_the_badge_follows_the_offer_or_for_a_match_without_one_the_provider(expert, peruvian):
    client = logged_in(expert)
    address = reverse("assistance:expert_request", args=[peruvian.pk])
    assert text(client.get(address)).count("unconfirmed offer") >= 3
    html = client.get(address).content.decode()
    assert html.count(BADGE) == 3
    assert 'title="Drafted from public information; the provider has not confirmed it yet."' in html

    Offer.objects.filter(provider__slug="opcw").update(confirmed=True)
    Provider.objects.filter(slug="opcw").update(confirmed=False)  # the offer decides
    assert client.get(address).content.decode().count(BADGE) == 2

    services.assign_provider(peruvian, Provider.objects.get(slug="who"), acting_user=expert)  # no offer
    assert client.get(address).content.decode().count(BADGE) == 3  # the WHO is not confirmed
    Provider.objects.filter(slug="who").update(confirmed=True)
    assert client.get(address).content.decode().count(BADGE) == 2
