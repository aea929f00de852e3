"""Real facts that must hold once the reference data is loaded."""

import io

import pytest
from django.core.management import call_command

from portal.audit.models import AuditEvent
from states.models import Membership, State, TreatyStatus

pytestmark = pytest.mark.django_db


def not_parties(treaty):
    parties = TreatyStatus.objects.filter(treaty__code=treaty, status="party").values("state_id")
    return set(State.objects.exclude(pk__in=parties).values_list("name", flat=True))


def test_there_are_193_member_states_in_five_regional_groups(reference):
    assert State.objects.count() == 193
    counts = {
        r: State.objects.filter(region__name=r).count()
        for r in ["African", "Asia-Pacific", "Eastern European", "GRULAC", "WEOG"]
    }
    assert counts == {"African": 54, "Asia-Pacific": 54, "Eastern European": 23, "GRULAC": 33, "WEOG": 29}


def test_egypt_and_israel_are_not_parties_to_the_cwc(reference):
    assert {"Egypt", "Israel"} <= not_parties("CWC")
    assert TreatyStatus.objects.get(state__iso3="ISR", treaty__code="CWC").status == "signatory"


def test_india_israel_pakistan_and_south_sudan_never_joined_the_npt(reference):
    assert {"India", "Israel", "Pakistan", "South Sudan"} <= not_parties("NPT")
    dprk = TreatyStatus.objects.get(state__iso3="PRK", treaty__code="NPT")
    assert dprk.status == "withdrawal_announced"


def test_non_un_members_are_kept_on_the_organisation_not_as_states(reference):
    western_sahara = Membership.objects.get(organization__code="AU", member_code="ESH")
    assert western_sahara.state is None
    assert not State.objects.filter(iso3="ESH").exists()
    assert Membership.objects.get(organization__code="ECOWAS", member_code="MLI").kind == "former"


def test_loading_twice_changes_nothing(reference):
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert "Reference data up to date." in out.getvalue()
    assert AuditEvent.objects.count() == events


def test_loading_after_a_data_change_updates_only_the_changed_row(reference):
    egypt = State.objects.get(iso3="EGY")
    egypt.official_name = "Something else"
    egypt.save()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    egypt.refresh_from_db()
    assert egypt.official_name == "Arab Republic of Egypt"
    assert "States: 0 created, 1 updated" in out.getvalue()
    event = AuditEvent.objects.filter(verb="reference.update", object_id=str(egypt.pk)).get()
    assert event.before == {"official_name": "Something else"}
    assert event.after == {"official_name": "Arab Republic of Egypt"}
    assert event.actor_label == "system"
