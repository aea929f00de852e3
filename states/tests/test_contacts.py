"""A State's points of contact: who sees and changes them, validation, audit, staleness, notifications."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from assistance import conversation
from assistance.models import AssistanceRequest, Provider
from assistance.tests.helpers import routed_request
from portal.audit.models import AuditEvent
from portal.core.exceptions import InvalidInput, NotAllowed, NotVisible
from states import contacts
from states.models import Contact
from states.tests.contacts_fixtures import (
    MANAGE,
    PERSONAS,
    SEE,
    age,
    persona_user,
    poc_data,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", PERSONAS)
def test_who_sees_a_states_contacts(request, name, state_a, state_a_official, jam_contacts):
    user = persona_user(request, name, state_a, state_a_official)

    visible = contacts.visible_contacts(user, state_a)

    if name in MANAGE:
        # Those who keep the contacts see them all, past ones included, in the order of the kinds.
        assert [c.name for c in visible] == ["Ms Andrea Example", "Mr Basil Example", "Dr Former Example"]
    elif name in SEE:
        # A provider working on one of the State's requests sees the contacts in office today.
        assert [c.name for c in visible] == ["Ms Andrea Example", "Mr Basil Example"]
    else:
        assert visible == []
    for contact in jam_contacts.values():
        if name in MANAGE or (name in SEE and contact is not jam_contacts["past"]):
            assert contacts.get_visible(user, contact.pk) == contact
        else:
            with pytest.raises(NotVisible):
                contacts.get_visible(user, contact.pk)


@pytest.mark.parametrize("name", PERSONAS)
def test_who_changes_a_states_contacts(request, name, state_a, state_a_official, jam_contacts):
    user = persona_user(request, name, state_a, state_a_official)
    poc = jam_contacts["poc"]
    before = snapshot()

    if name in MANAGE:
        added = contacts.create(state_a, poc_data(kind="issue_champion", name="Ms Champion"), acting_user=user)
        changed = contacts.update(poc, {"role": "Ambassador"}, acting_user=user)
        contacts.delete(jam_contacts["past"], acting_user=user)
        assert added.state == state_a and added.created_by == user
        assert changed.role == "Ambassador" and changed.updated_by == user
        assert not Contact.objects.filter(pk=jam_contacts["past"].pk).exists()
        return
    with pytest.raises(NotAllowed):
        contacts.create(state_a, poc_data(name="Intruder"), acting_user=user)
    with pytest.raises(NotAllowed):
        contacts.update(poc, {"name": "Intruder"}, acting_user=user)
    with pytest.raises(NotAllowed):
        contacts.delete(poc, acting_user=user)
    with pytest.raises(NotAllowed):
        contacts.confirm(poc, acting_user=user)
    assert snapshot() == before


def test_each_change_is_audited(state_a, state_a_official, expert):
    contact = contacts.create(state_a, poc_data(), acting_user=state_a_official)
    contacts.update(contact, {"phone": "+1 876 555 0199"}, acting_user=expert)
    contacts.confirm(contact, acting_user=state_a_official)
    contacts.delete(contact, acting_user=state_a_official)

    events = list(AuditEvent.objects.filter(verb__startswith="contact.").order_by("id"))
    assert [(e.verb, e.actor_label, e.object_id) for e in events] == [
        ("contact.create", "official-a", str(contact.pk)),
        ("contact.update", "expert", str(contact.pk)),
        ("contact.confirm", "official-a", str(contact.pk)),
        ("contact.delete", "official-a", str(contact.pk)),
    ]
    assert events[0].after["email"] == "poc@mfaft.example.gov.jm" and events[0].after["state"] == "JAM"
    assert events[1].before["phone"] == "+1 876 555 0100 ext. 12"
    assert events[1].after["phone"] == "+1 876 555 0199"
    assert events[3].before["name"] == "Ms Andrea Example"


def test_only_the_states_officials_confirm_and_an_edit_by_them_confirms(state_a, state_a_official, expert):
    contact = age(contacts.create(state_a, poc_data(), acting_user=expert), 400)
    assert contacts.stale_contacts(state_a) == [contact]

    # The Committee may edit a contact, but that does not stand for the State's confirmation.
    contacts.update(contact, {"role": "Minister"}, acting_user=expert)
    assert contacts.stale_contacts(state_a) == [contact]
    with pytest.raises(NotAllowed):
        contacts.confirm(contact, acting_user=expert)

    contacts.confirm(contact, acting_user=state_a_official)
    assert contacts.stale_contacts(state_a) == []
    age(contact, 400)
    contacts.update(contact, {"role": "Director"}, acting_user=state_a_official)
    assert contacts.stale_contacts(state_a) == []


def test_stale_after_a_year_unless_ended(state_a, state_a_official, jam_contacts):
    poc = age(jam_contacts["poc"], 364)
    assert contacts.stale_contacts(state_a) == []
    assert not contacts.is_overdue(poc)

    poc = age(poc, 366)
    age(jam_contacts["past"], 2000)  # ended: nobody asks the State to confirm it
    assert contacts.stale_contacts(state_a) == [poc]
    assert contacts.is_overdue(poc)
    assert not contacts.is_overdue(Contact.objects.get(pk=jam_contacts["past"].pk))


def test_public_learns_only_which_kinds_are_designated(state_a, state_b, jam_contacts):
    assert contacts.designated_kinds(state_a) == [
        {"kind": "1540_poc", "label": "1540 national point of contact", "designated": True},
        {"kind": "cwc_national_authority", "label": "CWC National Authority", "designated": True},
        # Only a past BWC contact: not designated today.
        {"kind": "bwc_contact_point", "label": "BWC national contact point", "designated": False},
        {"kind": "iaea_focal_point", "label": "IAEA / NPT focal point", "designated": False},
        {"kind": "issue_champion", "label": "issue champion", "designated": False},
    ]
    assert not any(entry["designated"] for entry in contacts.designated_kinds(state_b))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "ambassador"}, "kind"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"agency": "<b>MFA</b>"}, "agency"),
        ({"role": "Director\x07"}, "role"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "+1"}, "phone"),
        ({"languages": ["en", "de"]}, "languages"),
        ({"languages": "en"}, "languages"),
        ({"valid_from": "2024-02-30"}, "valid_from"),
        ({"valid_from": "2024-06-01", "valid_until": "2024-05-31"}, "valid_until"),
    ],
)
def test_invalid_contacts_are_refused_and_nothing_is_saved(state_a, state_a_official, jam_contacts, change, field):
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        contacts.create(state_a, poc_data(**change), acting_user=state_a_official)
    assert field in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        contacts.update(jam_contacts["poc"], change, acting_user=state_a_official)
    assert field in refused.value.errors
    assert snapshot() == before


def test_languages_are_kept_in_canonical_order_once_each(state_a, state_a_official):
    contact = contacts.create(state_a, poc_data(languages=["pt", "en", "pt", "ar"]), acting_user=state_a_official)
    assert contact.languages == ["ar", "en", "pt"]


def test_provider_access_follows_the_request(state_a, state_a_official, state_b, provider_chemical, jam_contacts):
    assert not contacts.can_see(provider_chemical, state_a.pk)

    routed = routed_request(state_a, state_a_official)
    assert contacts.can_see(provider_chemical, state_a.pk)
    assert not contacts.can_see(provider_chemical, state_b.pk)  # only the State whose request it is

    for status in ("claimed", "delivered"):
        AssistanceRequest.objects.filter(pk=routed.pk).update(status=status)
        assert contacts.can_see(provider_chemical, state_a.pk), status
    for status in ("closed", "withdrawn"):
        AssistanceRequest.objects.filter(pk=routed.pk).update(status=status)
        assert not contacts.can_see(provider_chemical, state_a.pk), status
    # Seeing never means changing.
    AssistanceRequest.objects.filter(pk=routed.pk).update(status="routed")
    with pytest.raises(NotAllowed):
        contacts.update(jam_contacts["poc"], {"name": "Intruder"}, acting_user=provider_chemical)


def test_contact_recipients_are_the_current_contacts_once_each(state_a, state_a_official, jam_contacts):
    contacts.create(state_a, poc_data(kind="issue_champion", name="Same address"), acting_user=state_a_official)
    assert [r.address for r in contacts.contact_recipients(state_a.pk)] == [
        "poc@mfaft.example.gov.jm",
        "cwc@na.example.gov.jm",
    ]


def test_a_providers_message_also_goes_to_the_states_contacts(
    state_a, state_a_official, provider_chemical, jam_contacts, django_capture_on_commit_callbacks
):
    routed = routed_request(state_a, state_a_official)
    opcw = Provider.objects.get(slug="opcw")
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation.post(routed, opcw, body="Could we meet in May?", acting_user=provider_chemical)

    assert [r.address for r in conversation.recipients(message)] == [
        state_a_official.email,
        "poc@mfaft.example.gov.jm",
        "cwc@na.example.gov.jm",
    ]
    assert mail.outbox[-1].to == [state_a_official.email, "poc@mfaft.example.gov.jm", "cwc@na.example.gov.jm"]


def test_the_state_page_section_context(state_a, state_a_official, expert, jam_contacts, rf):
    age(jam_contacts["poc"], 400)

    def section(user):
        request = rf.get("/states/JAM/")
        request.user = user or AnonymousUser()
        return contacts.contacts_section(request, state_a)

    official = section(state_a_official)
    assert official["contacts_may_see"] and official["contacts_may_manage"]
    assert [c.name for c in official["contacts_overdue"]] == ["Ms Andrea Example"]
    committee = section(expert)
    assert committee["contacts_may_manage"] and committee["contacts_overdue"] == []  # flagged to the State
    public = section(None)
    assert not public["contacts_may_see"] and public["contacts_shown"] == [] and not public["contacts_may_manage"]
    assert [e["designated"] for e in public["contacts_designated"]] == [True, True, False, False, False]
