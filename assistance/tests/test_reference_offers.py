"""The initial offers `load_reference` drafts from the reference profiles (providers.csv and
provider_offers.csv): one unconfirmed offer per provider, eligibility by membership for the
regional programmes, the treaty mandates; a reload changes nothing, never touches an offer a
person has confirmed, edited or withdrawn (on the portal or in the Django admin, which saves
through the same services), and drafts nothing beside a provider's own offers."""

import io

import pytest
from django.core.management import call_command

from assistance import offers, reference, routing, services
from assistance.models import Offer, Provider
from assistance.tests.helpers import routed_request
from portal.audit.models import AuditEvent
from portal.core.reference import read_csv, split_list
from portal.testing.pages import logged_in
from states.models import State

pytestmark = pytest.mark.django_db

PROVIDERS = {row["slug"]: row for row in read_csv("providers.csv")}
OFFERS = {row["slug"]: row for row in read_csv("provider_offers.csv")}
REGIONAL_PROGRAMMES = {"caricom-1540": "CARICOM", "au-1540": "AU", "oas-cicte": "OAS", "osce": "OSCE"}
MANDATES = {"opcw": "CWC", "iaea": "NPT", "bwc-isu": "BWC", "unoda": "1540"}


def load():
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    return out.getvalue()


def reference_offer(slug):
    return Offer.objects.prefetch_related("areas", "eligible_regions", "eligible_organizations").get(
        provider__slug=slug, source="reference"
    )


def snapshot(slug=None):
    """Every offer (or a provider's) as data, with what a reload could change besides."""
    queryset = Offer.objects.order_by("pk").prefetch_related(
        "areas", "eligible_regions", "eligible_organizations", "eligible_states"
    )
    if slug:
        queryset = queryset.filter(provider__slug=slug)
    return [
        {**offers.as_data(o), "pk": o.pk, "confirmed": o.confirmed, "source": o.source, "updated": o.updated_at}
        for o in queryset
    ]


@pytest.fixture
def changed_reference(monkeypatch):
    """The reference files as they would be after an edit: every provider's offer has a new title."""

    def read(name):
        rows = read_csv(name)
        if name == "provider_offers.csv":
            rows = [{**row, "title": f"{row['title']} (revised)"} for row in rows]
        return rows

    monkeypatch.setattr(reference, "read_csv", read)


def test_each_reference_provider_has_one_unconfirmed_initial_offer_drawn_from_the_files(reference):
    assert set(Provider.objects.values_list("slug", flat=True)) == set(PROVIDERS)
    for slug, row in PROVIDERS.items():
        [offer] = Offer.objects.filter(provider__slug=slug)
        offer = reference_offer(slug)
        assert (offer.source, offer.confirmed, offer.status) == ("reference", False, Offer.Status.PUBLISHED)
        assert offer.title == OFFERS[slug]["title"]
        assert offer.description == row["note"]
        assert offer.columns == split_list(row["columns"])
        assert offer.languages == [code for code in services.LANGUAGES if code in split_list(row["languages"])]
        assert offer.assistance_types == split_list(OFFERS[slug]["assistance_types"])
        assert {a.code for a in offer.areas.all()} == set(split_list(row["areas"]))
        # An unconfirmed offer never invents a capacity or a validity.
        assert (offer.capacity, offer.valid_from, offer.valid_until, offer.created_by) == (None, None, None, None)
        assert offer.pk in Offer.objects.current().values_list("pk", flat=True)


def test_the_initial_offers_pass_the_offer_rules_so_the_provider_can_edit_them(reference):
    """Everything drafted from the files is what the offer services accept (languages, types, areas)."""
    for slug in PROVIDERS:
        offer = reference_offer(slug)
        offers.clean(offers.as_data(offer), provider=offer.provider, creating=False)


def test_regional_programmes_are_open_to_their_members_and_not_to_a_un_group(reference):
    for slug, organisation in REGIONAL_PROGRAMMES.items():
        offer = reference_offer(slug)
        assert offers.eligibility_of(offer) == {
            "regions": [], "organizations": [organisation], "states": [], "excluded_organizations": [],
        }  # fmt: skip


def test_unicri_is_open_to_its_un_regional_groups_and_the_others_to_every_state(reference):
    assert offers.eligibility_of(reference_offer("unicri")) == {
        "regions": ["African", "Asia-Pacific", "Eastern European", "GRULAC"],
        "organizations": [],
        "states": [],
        "excluded_organizations": [],
    }
    # The EU's P2P programme is for the EU's partner countries, not its members.
    assert offers.eligibility_of(reference_offer("eu-p2p"))["excluded_organizations"] == ["EU"]
    for slug in set(PROVIDERS) - set(REGIONAL_PROGRAMMES) - {"unicri", "eu-p2p"}:
        assert offers.eligibility_of(reference_offer(slug)) == {
            "regions": [], "organizations": [], "states": [], "excluded_organizations": [],
        }  # fmt: skip


def test_membership_decides_who_may_receive_a_regional_programme(reference):
    """Jamaica (CARICOM, OAS) may receive the CARICOM programme; Kenya (AU) may not, though the
    profile lists the Latin American and Caribbean group; Kenya may receive the AU's."""
    profiles = {p.offer.provider.slug: p for p in services.offer_profiles()}
    jamaica = services.applicant(State.objects.get(iso3="JAM"))
    kenya = services.applicant(State.objects.get(iso3="KEN"))
    assert routing.eligibility_refusal(profiles["caricom-1540"], jamaica) is None
    assert routing.eligibility_refusal(profiles["oas-cicte"], jamaica) is None
    assert routing.eligibility_refusal(profiles["au-1540"], jamaica)
    assert routing.eligibility_refusal(profiles["caricom-1540"], kenya)
    assert routing.eligibility_refusal(profiles["au-1540"], kenya) is None
    assert routing.eligibility_refusal(profiles["unicri"], kenya) is None
    assert routing.eligibility_refusal(profiles["opcw"], kenya) is None


def test_the_treaty_organisations_hold_their_mandate_on_the_provider_and_its_offer(reference):
    for slug in PROVIDERS:
        expected = MANDATES.get(slug, "")
        assert Provider.objects.get(slug=slug).mandate == expected
        assert reference_offer(slug).mandate == expected


def test_loading_twice_changes_nothing(reference):
    before, events = snapshot(), AuditEvent.objects.count()

    output = load()

    assert "Reference data up to date." in output
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_a_first_load_reports_and_audits_the_offers_it_drafts(reference):
    Offer.objects.all().delete()

    output = load()

    assert f"offers: {len(PROVIDERS)} created, 0 updated" in output
    assert Offer.objects.filter(source="reference", confirmed=False).count() == len(PROVIDERS)
    opcw = reference_offer("opcw")
    event = AuditEvent.objects.get(verb="reference.create", object_type="assistance.offer", object_id=str(opcw.pk))
    assert event.actor_label == "system"
    assert event.after["mandate"] == "CWC"


def test_a_reload_updates_an_unconfirmed_reference_offer_the_files_changed(reference, changed_reference):
    offer = reference_offer("vertic")

    output = load()

    offer.refresh_from_db()
    assert offer.title == f"{OFFERS['vertic']['title']} (revised)"
    assert (offer.source, offer.confirmed) == ("reference", False)
    assert f"offers: 0 created, {len(PROVIDERS)} updated" in output
    event = AuditEvent.objects.get(verb="reference.update", object_type="assistance.offer", object_id=str(offer.pk))
    assert event.before == {"title": OFFERS["vertic"]["title"]} and event.after == {"title": offer.title}
    assert Offer.objects.filter(provider__slug="vertic").count() == 1


def test_an_offer_the_provider_confirmed_is_never_touched_by_a_reload(reference, provider_chemical, changed_reference):
    offers.confirm(reference_offer("opcw"), acting_user=provider_chemical)
    before = snapshot("opcw")

    load()

    assert snapshot("opcw") == before
    assert before[0]["confirmed"] and before[0]["title"] == OFFERS["opcw"]["title"]
    assert reference_offer("iaea").title.endswith("(revised)")  # the unconfirmed ones follow the files


def test_an_offer_the_provider_edited_is_never_touched_and_gets_no_draft_beside_it(
    reference, provider_nuclear, changed_reference
):
    offer = reference_offer("iaea")
    offers.update(offer, {"capacity": 8, "capacity_period": "quarter"}, acting_user=provider_nuclear)
    before = snapshot("iaea")
    assert [(o["source"], o["confirmed"], o["capacity"]) for o in before] == [("provider", True, 8)]

    load()

    assert snapshot("iaea") == before
    assert not Offer.objects.filter(provider__slug="iaea", source="reference").exists()


def test_an_offer_an_expert_edited_for_the_provider_stays_as_edited(reference, expert, changed_reference):
    offer = reference_offer("who")
    offers.update(offer, {"description": "Biosafety training, as agreed by telephone."}, acting_user=expert)
    before = snapshot("who")
    assert [(o["source"], o["confirmed"]) for o in before] == [("expert", False)]

    load()

    assert snapshot("who") == before


def test_a_withdrawn_reference_offer_stays_withdrawn_and_as_it_was(reference, provider_chemical, changed_reference):
    offers.withdraw(reference_offer("opcw"), acting_user=provider_chemical)
    before = snapshot("opcw")

    load()

    assert snapshot("opcw") == before
    assert [o["status"] for o in before] == [Offer.Status.WITHDRAWN]


def test_a_provider_with_only_its_own_offers_gets_no_new_reference_draft(reference, provider_chemical):
    own = offers.create(
        {
            "title": "Legislation Help Desk",
            "description": "Review of draft chemical weapons legislation.",
            "areas": ["LEGISLATION"],
            "columns": ["CW"],
            "assistance_types": ["legislative_drafting"],
            "languages": ["en", "fr"],
            "mandate": "CWC",
            "capacity": 12,
        },
        acting_user=provider_chemical,
    )
    reference_offer("opcw").delete()
    events = AuditEvent.objects.count()

    output = load()

    assert list(Offer.objects.filter(provider__slug="opcw")) == [own]
    assert AuditEvent.objects.count() == events
    assert "Reference data up to date." in output


def test_a_provider_left_without_any_offer_gets_its_reference_draft_again(reference):
    reference_offer("wco").delete()

    output = load()

    offer = reference_offer("wco")
    assert (offer.confirmed, offer.title) == (False, OFFERS["wco"]["title"])
    assert "offers: 1 created" in output


# ---------------------------------------------------------------------------------------------
# The Django admin saves offers through the services; messages are read-only there


def admin_form(offer, **changes):
    """The admin change form of `offer` as a browser would post it, with `changes`."""
    data = offers.as_data(offer)
    values = {
        "title": data["title"],
        "description": data["description"],
        "areas": [a.pk for a in offer.areas.all()],
        "columns": data["columns"],
        "assistance_types": data["assistance_types"],
        "languages": data["languages"],
        "eligible_regions": [r.pk for r in offer.eligible_regions.all()],
        "eligible_organizations": [o.pk for o in offer.eligible_organizations.all()],
        "eligible_states": [s.pk for s in offer.eligible_states.all()],
        "mandate": offer.mandate,
        "capacity": offer.capacity or "",
        "capacity_period": offer.capacity_period,
        "valid_from": "",
        "valid_until": "",
        "contact": offer.contact,
        "status": offer.status,
        "_save": "Save",
    }
    return {**values, **changes}


def test_an_administrator_s_edit_in_the_admin_is_audited_unconfirmed_and_kept_by_a_reload(
    reference, admin_user, changed_reference
):
    offer = reference_offer("vertic")
    client = logged_in(admin_user)

    response = client.post(f"/admin/assistance/offer/{offer.pk}/change/", admin_form(offer, capacity=4))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.capacity, offer.source, offer.confirmed) == (4, "expert", False)
    event = AuditEvent.objects.get(verb="offer.update", object_type="assistance.offer", object_id=str(offer.pk))
    assert event.actor == admin_user and event.after["capacity"] == 4
    before = snapshot("vertic")
    load()
    assert snapshot("vertic") == before


def test_the_admin_refuses_what_the_offer_services_refuse_and_saves_nothing(reference, admin_user):
    offer = reference_offer("vertic")
    before, events = snapshot("vertic"), AuditEvent.objects.count()
    client = logged_in(admin_user)

    response = client.post(f"/admin/assistance/offer/{offer.pk}/change/", admin_form(offer, mandate="CWC"))

    assert response.status_code == 200
    assert "holds its mandate" in response.content.decode()
    assert snapshot("vertic") == before and AuditEvent.objects.count() == events


def test_the_admin_withdraws_offers_through_the_services(reference, admin_user):
    offer = reference_offer("wco")
    client = logged_in(admin_user)

    response = client.post(
        "/admin/assistance/offer/", {"action": "withdraw", "_selected_action": [offer.pk], "index": 0}
    )

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN and offer.withdrawn_at
    assert AuditEvent.objects.filter(verb="offer.withdraw", object_id=str(offer.pk), actor=admin_user).exists()
    assert client.post(f"/admin/assistance/offer/{offer.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_messages_are_read_only_in_the_admin(state_a, state_a_official, provider_chemical, admin_user):
    from assistance import conversation

    request = routed_request(state_a, state_a_official, columns=["CW"])
    opcw = Provider.objects.get(slug="opcw")
    message = conversation.post(request, opcw, body="When could you start?", acting_user=state_a_official)
    client = logged_in(admin_user)

    listing = client.get("/admin/assistance/message/")
    change = client.post(f"/admin/assistance/message/{message.pk}/change/", {"body": "Edited."})
    add = client.post("/admin/assistance/message/add/", {"body": "New.", "side": "state"})

    assert listing.status_code == 200 and str(request) in listing.content.decode()
    assert change.status_code == 403 and add.status_code == 403
    message.refresh_from_db()
    assert message.body == "When could you start?"
    assert list(request.messages.all()) == [message]
