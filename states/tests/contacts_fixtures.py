"""Fixtures and helpers shared by the tests of a State's points of contact (imported by those modules)."""

import datetime

import pytest
from django.utils import timezone

from assistance import services as assistance_services
from assistance.models import Match, Provider
from assistance.tests.helpers import routed_request
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from states import contacts
from states.models import Contact

# Who is who in these tests: each persona's user fixture (built by `persona_user`).
PERSONAS = [
    "anonymous",
    "official_a",
    "official_b",
    "provider_matched",
    "provider_withdrawn",
    "provider_never",
    "expert",
    "admin",
]
# Those who see Jamaica's contacts in full, and those who manage them.
SEE = {"official_a", "provider_matched", "expert", "admin"}
MANAGE = {"official_a", "expert", "admin"}


def poc_data(**overrides):
    data = {
        "kind": "1540_poc",
        "name": "Ms Andrea Example",
        "agency": "Ministry of Foreign Affairs and Foreign Trade",
        "role": "Director, Multilateral Affairs",
        "email": "poc@mfaft.example.gov.jm",
        "phone": "+1 876 555 0100 ext. 12",
        "languages": ["en", "es"],
        "valid_from": "2024-01-01",
        "valid_until": None,
    }
    data.update(overrides)
    return data


@pytest.fixture
def jam_contacts(state_a, state_a_official):
    """Jamaica's 1540 point of contact and CWC National Authority, current; and a past BWC contact."""
    poc = contacts.create(state_a, poc_data(), acting_user=state_a_official)
    cwc = contacts.create(
        state_a,
        poc_data(kind="cwc_national_authority", name="Mr Basil Example", email="cwc@na.example.gov.jm", languages=[]),
        acting_user=state_a_official,
    )
    past = contacts.create(
        state_a,
        poc_data(
            kind="bwc_contact_point",
            name="Dr Former Example",
            email="former@health.example.gov.jm",
            valid_from="2010-01-01",
            valid_until="2015-12-31",
        ),
        acting_user=state_a_official,
    )
    return {"poc": poc, "cwc": cwc, "past": past}


def snapshot():
    """Everything a contact call may change."""
    rows = list(Contact.objects.order_by("pk").values())
    return rows, AuditEvent.objects.filter(verb__startswith="contact.").count()


def persona_user(request, name, state_a, state_a_official):
    """The user of persona `name` (None for the public), building the request it needs."""
    if name == "anonymous":
        return None
    if name == "official_a":
        return state_a_official
    if name == "official_b":
        return request.getfixturevalue("state_b_official")
    if name == "expert":
        return request.getfixturevalue("expert")
    if name == "admin":
        return request.getfixturevalue("admin_user")
    if name == "provider_never":
        user = UserFactory(username="who-staff", role="provider", provider=Provider.objects.get(slug="who"))
        assert not Match.objects.filter(provider=user.provider).exists()
        return user
    provider = request.getfixturevalue("provider_chemical")
    routed = routed_request(state_a, state_a_official)
    assert Match.objects.filter(request=routed, provider=provider.provider).exists(), "the OPCW is matched"
    if name == "provider_withdrawn":
        assistance_services.withdraw(routed, acting_user=state_a_official)
    return provider


def age(contact, days):
    """Pretend the contact was last confirmed `days` ago."""
    Contact.objects.filter(pk=contact.pk).update(confirmed_at=timezone.now() - datetime.timedelta(days=days))
    contact.refresh_from_db()
    return contact
