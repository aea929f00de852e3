"""The assistance offers' pages: the public list (filters, what is never shown), one offer, each
provider's page with its turnaround; the pages where a provider's staff (or the Committee on its
behalf) add, edit, withdraw and confirm offers, for every role; and "request this", which starts a
request from an offer. Denied actions change nothing; lists run a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance import offers, services
from assistance.models import AssistanceRequest, Offer, RoutingJob
from assistance.tests.helpers import routed_request
from portal.testing.factories import UserFactory
from portal.testing.pages import text_of

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "official_a", "expert", "opcw", "iaea", "admin"]
UNCONFIRMED = "unconfirmed: drafted from public information, not yet confirmed by the provider"
BY_COMMITTEE = "added by the Committee, not confirmed by the provider"


def offer_data(**overrides):
    data = {
        "title": "Chemical security training for inspectors",
        "description": "A week of training on inspecting chemical facilities.",
        "areas": ["TRAINING"],
        "columns": ["CW"],
        "assistance_types": ["training"],
        "languages": ["en", "es"],
        "eligibility": {"regions": [], "organizations": [], "states": [], "excluded_organizations": []},
        "mandate": "",
        "capacity": 4,
        "capacity_period": "year",
        "valid_from": None,
        "valid_until": None,
        "contact": "training@example.org",
        "status": "published",
    }
    data.update(overrides)
    return data


def form_data(**overrides):
    """The offer form as a browser posts it."""
    data = {
        "title": "Chemical security training for inspectors",
        "description": "A week of training on inspecting chemical facilities.",
        "areas": ["TRAINING"],
        "columns": ["CW"],
        "assistance_types": ["training"],
        "languages": ["en", "fr"],
        "eligible_regions": [],
        "eligible_organizations": [],
        "eligible_states": [],
        "mandate": "",
        "capacity": "6",
        "capacity_period": "quarter",
        "valid_from": "",
        "valid_until": "",
        "contact": "Training desk, training@example.org",
        "status": "published",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value != []}


def snapshot(offer):
    offer = Offer.objects.get(pk=offer.pk)
    return {**offers.as_data(offer), "confirmed": offer.confirmed, "source": offer.source}


@pytest.fixture
def opcw_offer(reference):
    """The OPCW's initial offer, drafted from public information (unconfirmed)."""
    offer = Offer.objects.get(provider__slug="opcw")
    assert not offer.confirmed and offer.status == "published"
    return offer


@pytest.fixture
def caricom_offer(reference):
    return Offer.objects.get(provider__slug="caricom-1540")


@pytest.fixture
def hidden(provider_nuclear, expert):
    """IAEA offers the public never sees: a draft, a withdrawn one, an expired one, one not valid yet."""
    today = timezone.localdate()

    def make(**kw):
        return offers.create(
            offer_data(areas=["PHYSICAL_PROTECTION"], columns=["NW"], **kw), acting_user=provider_nuclear
        )

    withdrawn = make(title="Withdrawn nuclear course")
    offers.withdraw(withdrawn, acting_user=provider_nuclear)
    return {
        "draft": make(title="Draft nuclear course", status="draft"),
        "withdrawn": withdrawn,
        "expired": make(
            title="Expired nuclear course",
            valid_from=today - datetime.timedelta(days=60),
            valid_until=today - datetime.timedelta(days=1),
        ),
        "future": make(title="Future nuclear course", valid_from=today + datetime.timedelta(days=10)),
    }


def listed(response):
    return [offer.pk for offer in response.context["page"].object_list]


# ---------------------------------------------------------------------------------------------
# The public list and one offer


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_sees_the_current_offers_and_never_the_hidden_ones(page_clients, opcw_offer, hidden, who):
    response = page_clients[who].get(reverse("assistance:offers"))
    assert response.status_code == 200
    html = response.content.decode()
    assert opcw_offer.pk in listed(response) and opcw_offer.title in html
    assert len(listed(response)) == Offer.objects.current().count() == 17
    for offer in hidden.values():
        assert offer.pk not in listed(response) and offer.title not in html
    # The provider's page is linked, and nothing unconfirmed is presented as fact.
    assert reverse("assistance:provider", args=["opcw"]) in html
    assert html.count(UNCONFIRMED) == 17


def test_each_offer_says_what_it_is_in_words(page_clients, caricom_offer, opcw_offer):
    response = page_clients["anonymous"].get(reverse("assistance:offers"))
    caricom = text_of(response, f"offer-{caricom_offer.pk}-title")
    assert caricom == caricom_offer.title
    html = response.content.decode()
    assert "members of CARICOM" in html and "all States" in html
    assert "Chemical Weapons Convention (OPCW)" in html  # the OPCW's mandate
    assert "not stated" in html and "no end date" in html  # capacity and validity, never invented


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("name", ["draft", "withdrawn", "expired", "future"])
def test_hidden_offers_have_a_page_only_for_their_provider_and_the_committee(page_clients, hidden, who, name):
    offer = hidden[name]
    response = page_clients[who].get(reverse("assistance:offer", args=[offer.pk]))
    if who in ("iaea", "expert", "admin"):
        assert response.status_code == 200
        assert text_of(response, "offer-not-current")
    else:
        assert response.status_code == 404
        assert offer.title.encode() not in response.content


@pytest.mark.parametrize("who", PERSONAS)
def test_a_current_offer_has_its_page_and_only_officials_may_request_it(page_clients, opcw_offer, who):
    response = page_clients[who].get(opcw_offer.get_absolute_url())
    assert response.status_code == 200
    assert text_of(response, "offer-unconfirmed").startswith("This offer was drafted from public information")
    request_this = f"{reverse('assistance:new_request')}?offer={opcw_offer.pk}"
    assert (request_this in response.content.decode()) == (who == "official_a")
    assert ('id="edit-offer"' in response.content.decode()) == (who in ("opcw", "expert", "admin"))


def test_the_public_offer_pages_refuse_posts(page_clients, opcw_offer):
    for url in (
        reverse("assistance:offers"),
        opcw_offer.get_absolute_url(),
        reverse("assistance:provider", args=["opcw"]),
    ):
        assert page_clients["opcw"].post(url).status_code == 405


def test_an_unknown_offer_is_not_found(page_clients):
    assert page_clients["anonymous"].get(reverse("assistance:offer", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "query, included, excluded",
    [
        ({"eligible": "PER"}, ["opcw"], ["caricom-1540"]),
        ({"eligible": "JAM"}, ["opcw", "caricom-1540"], []),
        ({"eligible": "KEN"}, ["opcw", "au-1540"], ["caricom-1540", "osce"]),
        ({"mandate": "CWC"}, ["opcw"], ["iaea", "caricom-1540"]),
        ({"column": "NW"}, ["iaea"], ["opcw"]),
        ({"assistance_type": "equipment"}, ["iaea"], ["opcw"]),
        ({"provider": "osce"}, ["osce"], ["opcw"]),
        ({"area": "LEGISLATION", "column": "CW"}, ["opcw"], ["iaea"]),
    ],
)
def test_the_public_list_filters(page_clients, query, included, excluded):
    response = page_clients["anonymous"].get(reverse("assistance:offers"), query)
    assert response.status_code == 200
    slugs = {offer.provider.slug for offer in response.context["page"].object_list}
    assert set(included) <= slugs and not set(excluded) & slugs


def test_the_language_filter_lists_languages_by_name(page_clients, provider_chemical):
    offer = offers.create(offer_data(title="Formation en français", languages=["fr"]), acting_user=provider_chemical)
    french = page_clients["anonymous"].get(reverse("assistance:offers"), {"language": "fr"})
    assert french.status_code == 200 and offer.pk in listed(french)
    response = page_clients["anonymous"].get(reverse("assistance:offers"), {"language": "nl"})
    assert response.status_code == 200 and listed(response) and offer.pk not in listed(response)
    assert '<option value="nl" selected>Dutch</option>' in response.content.decode()


@pytest.mark.parametrize("query", [{"eligible": "XXX"}, {"column": "ZZ"}, {"page": "two"}])
def test_bad_filters_are_a_400(page_clients, query):
    response = page_clients["anonymous"].get(reverse("assistance:offers"), query)
    assert response.status_code == 400


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def more_offers(expert, count):
    for n in range(count):
        offers.create(
            offer_data(
                title=f"Offer {n}",
                provider="opcw",
                areas=["TRAINING", "OUTREACH"],
                eligibility={"regions": ["GRULAC"], "organizations": ["CARICOM"], "states": ["KEN", "PER"]},
            ),
            acting_user=expert,
        )


LIST_PAGES = [
    ("anonymous", "assistance:offers"),
    ("official_a", "assistance:offers"),
    ("opcw", "assistance:provider_offers"),
    ("expert", "assistance:expert_offers"),
    ("anonymous", "assistance:provider"),
]


@pytest.mark.parametrize("who, name", LIST_PAGES)
def test_the_lists_run_a_constant_number_of_queries(page_clients, expert, django_assert_num_queries, who, name):
    url = reverse(name, args=["opcw"]) if name == "assistance:provider" else reverse(name)
    more_offers(expert, 1)
    first = queries_of(page_clients[who], url)
    more_offers(expert, 6)
    with django_assert_num_queries(first):
        response = page_clients[who].get(url)
    assert response.status_code == 200 and "Offer 5" in response.content.decode()


def test_the_public_list_is_paginated(page_clients, expert):
    more_offers(expert, 10)  # 27 current offers
    first = page_clients["anonymous"].get(reverse("assistance:offers"), {"provider": "opcw"})
    assert len(listed(first)) == 11
    whole = page_clients["anonymous"].get(reverse("assistance:offers"))
    assert len(listed(whole)) == 25 and b"Page 1 of 2" in whole.content
    assert len(listed(page_clients["anonymous"].get(reverse("assistance:offers"), {"page": "2"}))) == 2
    assert page_clients["anonymous"].get(reverse("assistance:offers"), {"page": "3"}).status_code == 404


# ---------------------------------------------------------------------------------------------
# A provider's page


def test_a_provider_page_says_who_it_is_its_offers_and_no_requests_yet(page_clients):
    response = page_clients["anonymous"].get(reverse("assistance:provider", args=["iaea"]))
    assert response.status_code == 200
    facts = text_of(response, "provider-facts")
    assert "international organisation" in facts and "NPT mandate" in facts and UNCONFIRMED in facts
    offers_text = text_of(response, "provider-offers")
    assert "Nuclear law and nuclear security assistance" in offers_text and UNCONFIRMED in offers_text
    assert text_of(response, "provider-turnaround").startswith("No requests yet")


def test_a_provider_page_shows_only_its_current_offers(page_clients, hidden):
    response = page_clients["iaea"].get(reverse("assistance:provider", args=["iaea"]))
    offers_text = text_of(response, "provider-offers")
    assert "Nuclear law and nuclear security assistance" in offers_text
    for offer in hidden.values():
        assert offer.title not in offers_text
    # Its staff's own offers confirmed the provider's profile.
    assert "profile confirmed by the provider" in text_of(response, "provider-facts")


def test_a_provider_page_shows_its_turnaround(page_clients, state_a, state_a_official, provider_chemical):
    req = routed_request(state_a, state_a_official)
    services.claim(req, acting_user=provider_chemical)
    req.refresh_from_db()
    services.deliver(req, summary="Model law delivered.", acting_user=provider_chemical)
    AssistanceRequest.objects.filter(pk=req.pk).update(
        routed_at=req.submitted_at + datetime.timedelta(hours=2),
        claimed_at=req.submitted_at + datetime.timedelta(hours=5),
        delivered_at=req.submitted_at + datetime.timedelta(hours=29),
    )
    response = page_clients["anonymous"].get(reverse("assistance:provider", args=["opcw"]))
    table = text_of(response, "provider-turnaround")
    assert "Time to claim (routed to claimed) 1 3.0 (3.0 h) 3.0 (3.0 h)" in table
    assert "Time to deliver (claimed to delivered) 1 24.0 (24.0 h) 24.0 (24.0 h)" in table
    assert "the 1 request this provider has led" in response.content.decode()
    other = page_clients["anonymous"].get(reverse("assistance:provider", args=["iaea"]))
    assert text_of(other, "provider-turnaround").startswith("No requests yet")


def test_an_unknown_provider_is_not_found(page_clients):
    assert page_clients["anonymous"].get(reverse("assistance:provider", args=["nobody"])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Managing offers: who may see the pages


MANAGE_PAGES = ["provider_offers", "provider_offer_new", "expert_offers", "expert_offer_new"]
ALLOWED = {
    "provider_offers": {"opcw", "iaea"},
    "provider_offer_new": {"opcw", "iaea"},
    "expert_offers": {"expert", "admin"},
    "expert_offer_new": {"expert", "admin"},
}


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_the_management_pages_are_for_provider_staff_and_the_committee(page_clients, who, name):
    response = page_clients[who].get(reverse(f"assistance:{name}"))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == (200 if who in ALLOWED[name] else 403)


def test_provider_staff_list_their_own_offers_in_every_status(page_clients, opcw_offer, hidden):
    response = page_clients["iaea"].get(reverse("assistance:provider_offers"))
    assert response.status_code == 200
    pks = listed(response)
    assert set(pks) == set(Offer.objects.filter(provider__slug="iaea").values_list("pk", flat=True))
    assert opcw_offer.pk not in pks and hidden["draft"].pk in pks and hidden["withdrawn"].pk in pks
    html = response.content.decode()
    for status in ("draft", "withdrawn", "expired", "published"):
        assert f'data-status="{status}"' in html
    # The reference offer asks to be confirmed or edited; the staff's own are confirmed already.
    assert html.count("Confirm as it stands") == 1
    assert "confirmed by the provider</span>" in html
    filtered = page_clients["iaea"].get(reverse("assistance:provider_offers"), {"status": "draft"})
    assert listed(filtered) == [hidden["draft"].pk]
    to_confirm = page_clients["iaea"].get(reverse("assistance:provider_offers"), {"confirmed": "false"})
    assert listed(to_confirm) == list(
        Offer.objects.filter(provider__slug="iaea", source="reference").values_list("pk", flat=True)
    )
    assert '<option value="" selected>Either</option>' in filtered.content.decode()


def test_the_committee_lists_every_providers_offers(page_clients, hidden):
    response = page_clients["expert"].get(reverse("assistance:expert_offers"), {"provider": "iaea"})
    assert set(listed(response)) == set(Offer.objects.filter(provider__slug="iaea").values_list("pk", flat=True))
    assert "Confirm as it stands" not in response.content.decode()


def test_the_menu_has_our_offers_for_provider_staff(page_clients):
    response = page_clients["opcw"].get(reverse("assistance:provider_offers"))
    assert 'aria-current="page" href="/assistance/provider/offers/">Our offers</a>' in response.content.decode()
    inbox = page_clients["opcw"].get(reverse("assistance:provider_inbox"))
    assert 'aria-current="page" href="/assistance/provider/">Requests for us</a>' in inbox.content.decode()
    assert "Our offers" not in page_clients["official_a"].get(reverse("assistance:offers")).content.decode()


def test_the_public_assistance_page_links_the_offers(page_clients):
    response = page_clients["anonymous"].get(reverse("assistance:public_index"))
    assert reverse("assistance:offers") in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Adding an offer


def test_provider_staff_add_a_confirmed_offer(page_clients, provider_chemical):
    response = page_clients["opcw"].post(
        reverse("assistance:provider_offer_new"),
        form_data(eligible_organizations=["CARICOM"], eligible_states=["PER"], valid_until="2099-12-31"),
    )
    assert response.status_code == 302 and response["Location"] == reverse("assistance:provider_offers")
    offer = Offer.objects.get(title="Chemical security training for inspectors")
    assert offer.provider.slug == "opcw" and offer.confirmed and offer.source == "provider"
    assert offers.as_data(offer)["eligibility"] == {
        "regions": [], "organizations": ["CARICOM"], "states": ["PER"], "excluded_organizations": [],
    }  # fmt: skip
    assert offer.capacity == 6 and offer.capacity_period == "quarter" and offer.languages == ["en", "fr"]
    assert offer.valid_until == datetime.date(2099, 12, 31) and offer.created_by == provider_chemical


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"mandate": "NPT"}, "mandate", "holds the CWC mandate, not the NPT one"),
        ({"areas": []}, "areas", "Choose at least one."),
        ({"title": ""}, "title", ""),
        ({"capacity": "lots"}, "capacity", "Give the number of requests"),
        ({"capacity": "0"}, "capacity", "Give the number of requests"),
        ({"valid_from": "2030-01-02", "valid_until": "2030-01-01"}, "valid_until", "cannot end before it starts"),
        ({"valid_from": "someday"}, "valid_from", "Give a date as YYYY-MM-DD."),
        ({"status": "withdrawn"}, "status", "withdraw an offer with its withdraw action"),
        ({"columns": ["XX"]}, "columns", "Choose among NW, CW, BW, MD."),
    ],
)
def test_an_invalid_offer_comes_back_with_the_services_errors_and_nothing_saved(page_clients, changes, field, message):
    before = Offer.objects.count()
    response = page_clients["opcw"].post(reverse("assistance:provider_offer_new"), form_data(**changes))
    assert response.status_code == 400
    assert Offer.objects.count() == before
    form = response.context["form"]
    assert form.errors[field] and message in " ".join(form.errors[field])
    assert "The offer was not created; nothing was saved." in text_of(response, "form-error")
    assert 'aria-invalid="true"' in response.content.decode() or field in ("areas", "columns", "status")


def test_unknown_eligibility_is_shown_on_the_eligibility_fieldset(page_clients):
    before = Offer.objects.count()
    response = page_clients["opcw"].post(reverse("assistance:provider_offer_new"), form_data(eligible_states=["XXX"]))
    assert response.status_code == 400 and Offer.objects.count() == before
    assert "Unknown State(s): XXX." in text_of(response, "offer-eligibility-error")


def test_provider_staff_cannot_add_an_offer_for_another_provider(page_clients):
    before = Offer.objects.count()
    response = page_clients["opcw"].post(reverse("assistance:provider_offer_new"), form_data(provider="iaea"))
    # The provider's form has no provider field: the offer is the organisation's own.
    assert response.status_code == 302
    assert Offer.objects.count() == before + 1 and Offer.objects.latest("pk").provider.slug == "opcw"


def test_the_committee_adds_an_offer_for_a_provider_unconfirmed(page_clients, expert):
    response = page_clients["expert"].post(reverse("assistance:expert_offer_new"), form_data(provider="wco"))
    assert response.status_code == 302 and response["Location"] == reverse("assistance:expert_offers")
    offer = Offer.objects.get(title="Chemical security training for inspectors")
    assert offer.provider.slug == "wco" and not offer.confirmed and offer.source == "expert"
    public = page_clients["anonymous"].get(reverse("assistance:offers"), {"provider": "wco"})
    assert offer.pk in listed(public) and BY_COMMITTEE in public.content.decode()
    detail = page_clients["anonymous"].get(offer.get_absolute_url())
    assert text_of(detail, "offer-unconfirmed").startswith("The Committee added this offer on behalf of World Customs")


def test_the_committee_must_name_the_provider(page_clients):
    before = Offer.objects.count()
    response = page_clients["admin"].post(reverse("assistance:expert_offer_new"), form_data())
    assert response.status_code == 400 and Offer.objects.count() == before
    assert response.context["form"].errors["provider"]


@pytest.mark.parametrize("who", ["anonymous", "official_a", "expert"])
def test_others_cannot_add_on_the_provider_pages(page_clients, who):
    before = Offer.objects.count()
    response = page_clients[who].post(reverse("assistance:provider_offer_new"), form_data())
    assert response.status_code in (302, 403) and Offer.objects.count() == before
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# Editing, withdrawing, confirming: for every role


def edit_url(who, offer):
    scope = "expert" if who in ("expert", "admin") else "provider"
    return reverse(f"assistance:{scope}_offer_edit", args=[offer.pk])


def withdraw_url(who, offer):
    scope = "expert" if who in ("expert", "admin") else "provider"
    return reverse(f"assistance:{scope}_offer_withdraw", args=[offer.pk])


def test_the_edit_form_starts_from_the_offer(page_clients, opcw_offer):
    response = page_clients["opcw"].get(edit_url("opcw", opcw_offer))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{opcw_offer.title}"' in html
    assert 'value="LEGISLATION" id="id_areas_' in html and 'name="areas" value="LEGISLATION" id="id_areas_' in html
    assert '<option value="CWC" selected>' in html
    assert "provider" not in response.context["form"].fields


def test_provider_staff_edit_their_offer_and_it_becomes_confirmed(page_clients, opcw_offer):
    response = page_clients["opcw"].post(
        edit_url("opcw", opcw_offer), form_data(title="Article VII help desk", mandate="CWC", areas=["LEGISLATION"])
    )
    assert response.status_code == 302
    offer = Offer.objects.get(pk=opcw_offer.pk)
    assert offer.title == "Article VII help desk" and offer.confirmed and offer.source == "provider"
    assert offer.mandate == "CWC" and [a.code for a in offer.areas.all()] == ["LEGISLATION"]
    assert offer.provider.confirmed


@pytest.mark.parametrize("who", ["expert", "admin"])
def test_the_committee_edits_an_offer_which_stays_unconfirmed(page_clients, opcw_offer, who):
    offers.confirm(
        opcw_offer, acting_user=UserFactory(username="opcw-2", role="provider", provider=opcw_offer.provider)
    )
    response = page_clients[who].post(edit_url(who, opcw_offer), form_data(title="Edited by the Committee"))
    assert response.status_code == 302
    offer = Offer.objects.get(pk=opcw_offer.pk)
    assert offer.title == "Edited by the Committee" and not offer.confirmed and offer.source == "expert"
    response = page_clients["opcw"].get(reverse("assistance:provider_offers"))
    assert BY_COMMITTEE in response.content.decode() and "Confirm as it stands" in response.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 302), ("official_a", 403), ("iaea", 403)],
)
def test_others_cannot_edit_an_offer(page_clients, opcw_offer, who, status):
    before = snapshot(opcw_offer)
    url = reverse("assistance:provider_offer_edit", args=[opcw_offer.pk])
    assert page_clients[who].get(url).status_code == status
    assert page_clients[who].post(url, form_data(title="Hijacked")).status_code == status
    assert snapshot(opcw_offer) == before


def test_other_providers_drafts_are_not_found(page_clients, hidden):
    before = snapshot(hidden["draft"])
    for url in (
        reverse("assistance:provider_offer_edit", args=[hidden["draft"].pk]),
        reverse("assistance:provider_offer_withdraw", args=[hidden["draft"].pk]),
    ):
        assert page_clients["opcw"].get(url).status_code == 404
        assert page_clients["opcw"].post(url, form_data()).status_code == 404
    assert (
        page_clients["opcw"].post(reverse("assistance:provider_offer_confirm", args=[hidden["draft"].pk])).status_code
        == 404
    )
    assert snapshot(hidden["draft"]) == before


def test_the_committee_uses_its_own_urls(page_clients, opcw_offer):
    before = snapshot(opcw_offer)
    assert (
        page_clients["expert"].get(reverse("assistance:provider_offer_edit", args=[opcw_offer.pk])).status_code == 403
    )
    assert page_clients["opcw"].get(reverse("assistance:expert_offer_edit", args=[opcw_offer.pk])).status_code == 403
    assert (
        page_clients["opcw"].post(reverse("assistance:expert_offer_withdraw", args=[opcw_offer.pk])).status_code == 403
    )
    assert snapshot(opcw_offer) == before


def test_an_invalid_edit_changes_nothing(page_clients, opcw_offer):
    before = snapshot(opcw_offer)
    response = page_clients["opcw"].post(edit_url("opcw", opcw_offer), form_data(mandate="BWC", title=""))
    assert response.status_code == 400
    assert response.context["form"].errors["mandate"] and response.context["form"].errors["title"]
    assert "The offer was not changed; nothing was saved." in text_of(response, "form-error")
    assert snapshot(opcw_offer) == before


@pytest.mark.parametrize("who", ["opcw", "expert", "admin"])
def test_withdrawing_asks_first_then_withdraws(page_clients, opcw_offer, who):
    url = withdraw_url(who, opcw_offer)
    page = page_clients[who].get(url)
    assert page.status_code == 200
    assert "no longer shown to the public" in text_of(page, "confirm-effect")
    assert f'action="{url}"' in page.content.decode()
    assert Offer.objects.get(pk=opcw_offer.pk).status == "published"  # opening the page changes nothing
    response = page_clients[who].post(url)
    assert response.status_code == 302
    assert Offer.objects.get(pk=opcw_offer.pk).status == "withdrawn"
    assert page_clients["anonymous"].get(opcw_offer.get_absolute_url()).status_code == 404
    assert opcw_offer.pk not in listed(page_clients["anonymous"].get(reverse("assistance:offers")))
    again = page_clients[who].get(url)
    assert again.status_code == 200 and "withdrawn already" in text_of(again, "confirm-refusal")


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("official_a", 403), ("iaea", 403)])
def test_others_cannot_withdraw_an_offer(page_clients, opcw_offer, who, status):
    url = reverse("assistance:provider_offer_withdraw", args=[opcw_offer.pk])
    assert page_clients[who].get(url).status_code == status
    assert page_clients[who].post(url).status_code == status
    assert Offer.objects.get(pk=opcw_offer.pk).status == "published"


def test_a_withdrawn_offer_is_published_again_by_editing_it(page_clients, hidden):
    offer = hidden["withdrawn"]
    form = page_clients["iaea"].get(edit_url("iaea", offer))
    assert form.context["form"].initial["status"] == "published"
    response = page_clients["iaea"].post(edit_url("iaea", offer), form_data(areas=["PHYSICAL_PROTECTION"]))
    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == "published"


def test_provider_staff_confirm_an_offer_as_it_stands(page_clients, opcw_offer):
    before = offers.as_data(opcw_offer)
    response = page_clients["opcw"].post(reverse("assistance:provider_offer_confirm", args=[opcw_offer.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("assistance:provider_offers")
    offer = Offer.objects.get(pk=opcw_offer.pk)
    assert offer.confirmed and offers.as_data(offer) == before
    public = page_clients["anonymous"].get(offer.get_absolute_url())
    assert "confirmed by the provider" in text_of(public, "offer-provider") and not text_of(public, "offer-unconfirmed")


@pytest.mark.parametrize(
    "who, status", [("anonymous", 302), ("official_a", 403), ("iaea", 403), ("expert", 403), ("admin", 403)]
)
def test_only_the_providers_staff_confirm(page_clients, opcw_offer, who, status):
    url = reverse("assistance:provider_offer_confirm", args=[opcw_offer.pk])
    assert page_clients[who].post(url).status_code == status
    assert not Offer.objects.get(pk=opcw_offer.pk).confirmed


def test_confirming_is_a_post(page_clients, opcw_offer):
    assert (
        page_clients["opcw"].get(reverse("assistance:provider_offer_confirm", args=[opcw_offer.pk])).status_code == 405
    )


# ---------------------------------------------------------------------------------------------
# "Request this"


@pytest.fixture
def single_offer(provider_chemical):
    """An OPCW offer with one area, one column and one type: all of them pre-fill the request."""
    return offers.create(
        offer_data(title="Legislation help desk", areas=["LEGISLATION"], assistance_types=["legislative_drafting"]),
        acting_user=provider_chemical,
    )


def test_request_this_prefills_the_template(page_clients, single_offer):
    response = page_clients["official_a"].get(reverse("assistance:new_request"), {"offer": single_offer.pk})
    assert response.status_code == 200
    note = text_of(response, "started-from-offer")
    assert "Started from the offer “Legislation help desk” of Organisation for the Prohibition" in note
    form = response.context["form"]
    assert form.initial["area"] == "LEGISLATION" and form.initial["columns"] == ["CW"]
    assert form.initial["assistance_type"] == "legislative_drafting"
    assert form.initial["preferred_providers"] == ["opcw"] and form.initial["from_offer"] == single_offer.pk
    html = response.content.decode()
    assert f'name="from_offer" value="{single_offer.pk}"' in html
    assert '<option value="opcw" selected>' in html


def test_request_this_leaves_open_what_the_offer_does_not_settle(page_clients, opcw_offer):
    response = page_clients["official_a"].get(reverse("assistance:new_request"), {"offer": opcw_offer.pk})
    form = response.context["form"]
    assert not form.initial.get("area") and not form.initial.get("assistance_type")
    assert form.initial["columns"] == ["CW"] and form.initial["preferred_providers"] == ["opcw"]


@pytest.mark.parametrize("value", ["draft", "withdrawn", "999999", "abc"])
def test_request_this_with_an_offer_that_is_not_current_starts_empty(page_clients, hidden, value):
    offer = hidden.get(value)
    response = page_clients["official_a"].get(
        reverse("assistance:new_request"), {"offer": offer.pk if offer else value}
    )
    assert response.status_code == 200
    assert not text_of(response, "started-from-offer")
    assert "That offer is not open for requests now" in response.content.decode()
    assert response.context["form"].initial.get("from_offer") is None


def test_the_request_made_from_an_offer_keeps_it_and_prefers_its_provider(page_clients, single_offer):
    page = page_clients["official_a"].get(reverse("assistance:new_request"), {"offer": single_offer.pk})
    initial = page.context["form"].initial
    data = {
        "form_token": initial["form_token"],
        "from_offer": str(initial["from_offer"]),
        "area": initial["area"],
        "columns": initial["columns"],
        "assistance_type": initial["assistance_type"],
        "preferred_providers": initial["preferred_providers"],
        "title": "Penal provisions for chemical weapons offences",
        "need-0-description": "Review of the draft Chemical Weapons Bill",
        "language": "en",
        "action": "submit",
    }
    response = page_clients["official_a"].post(reverse("assistance:new_request"), data)
    assert response.status_code == 302
    req = AssistanceRequest.objects.get()
    assert req.from_offer_id == single_offer.pk
    assert list(req.preferred_providers.values_list("slug", flat=True)) == ["opcw"]
    assert req.status == "submitted"
    for job in RoutingJob.objects.filter(request=req):
        services.route(job.pk)
    assert req.matches.filter(provider__slug="opcw", offer=single_offer).exists()
    # Editing a draft started from an offer keeps it.
    draft = page_clients["official_a"].post(
        reverse("assistance:new_request"), {**data, "form_token": "t2", "action": "save"}
    )
    assert draft.status_code == 302
    saved = AssistanceRequest.objects.get(status="draft")
    edit = page_clients["official_a"].get(reverse("assistance:edit_request", args=[saved.pk]))
    assert f'name="from_offer" value="{single_offer.pk}"' in edit.content.decode()


def test_a_request_from_a_draft_offer_is_refused_by_the_services(page_clients, hidden):
    data = {"form_token": "t1", "from_offer": str(hidden["draft"].pk), "title": "From a draft", "action": "save"}
    response = page_clients["official_a"].post(reverse("assistance:new_request"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["from_offer"] == [f"No published offer {hidden['draft'].pk}."]
    assert not AssistanceRequest.objects.exists()
