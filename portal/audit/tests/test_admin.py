"""The audit history in the Django admin: readable by administrators, never editable."""

import pytest

from portal.audit.context import reset_correlation_id, set_correlation_id
from portal.audit.models import AuditEvent
from portal.audit.services import record

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditevent/"


def record_in_request(correlation_id, *args, **kwargs):
    token = set_correlation_id(correlation_id)
    try:
        return record(*args, **kwargs)
    finally:
        reset_correlation_id(token)


@pytest.fixture
def event(state_a_official, expert):
    return record_in_request(
        "req-audit-admin-1",
        "user.update",
        state_a_official,
        actor=expert,
        before={"first_name": ""},
        after={"first_name": "Portia"},
    )


def test_an_administrator_browses_the_audit_history(client, admin_user, event):
    client.force_login(admin_user)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "user.update" in page
    assert "req-audit-admin-1" in page


def test_an_administrator_searches_the_audit_history_by_correlation_id(client, admin_user, event):
    client.force_login(admin_user)
    record_in_request("req-audit-admin-2", "user.update", admin_user, actor=admin_user)

    response = client.get(CHANGELIST, {"q": event.correlation_id})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [event]


def test_an_administrator_reads_one_event(client, admin_user, event):
    client.force_login(admin_user)

    response = client.get(f"{CHANGELIST}{event.pk}/change/")

    assert response.status_code == 200
    assert "Portia" in response.content.decode()


def test_nobody_adds_changes_or_deletes_audit_events(client, admin_user, event):
    client.force_login(admin_user)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}add/", {"verb": "forged"}).status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/change/", {"verb": "forged"}).status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.verb == "user.update"
    assert not AuditEvent.objects.filter(verb="forged").exists()


@pytest.mark.parametrize("persona", ["state_a_official", "expert", "provider_chemical"])
def test_other_roles_are_sent_to_the_admin_login(request, client, persona, event):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CHANGELIST}"


def test_the_public_is_sent_to_the_admin_login(client, reference):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
