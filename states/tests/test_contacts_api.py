"""A State's points of contact through the API: each role's rights, what the public learns, errors, queries."""

import json

import pytest

from portal.audit.models import AuditEvent
from states import contacts
from states.models import Contact
from states.tests.contacts_fixtures import MANAGE, PERSONAS, SEE, age, persona_user, poc_data, snapshot

pytestmark = pytest.mark.django_db

LIST = "/api/v1/states/JAM/contacts/"
CONTACT_FIELDS = {
    "id", "state", "kind", "name", "agency", "role", "email", "phone", "languages", "valid_from", "valid_until",
    "confirmed_at", "current", "overdue",
}  # fmt: skip
# Queries of the list endpoint whatever the number of contacts (pinned: a change must be deliberate).
LIST_QUERIES_OFFICIAL = 4  # token, its last use, the State, its contacts
LIST_QUERIES_PUBLIC = 2  # the State, the kinds designated


def url(contact, action=""):
    return f"/api/v1/contacts/{contact.pk}/{action}"


def client_for(request, name, state_a, state_a_official, api_client, token_client):
    user = persona_user(request, name, state_a, state_a_official)
    return api_client if user is None else token_client(user)


def no_personal_data(response):
    text = response.content.decode()
    for secret in ("Andrea", "Basil", "Former", "example.gov.jm", "876", "Ministry"):
        assert secret not in text


@pytest.mark.parametrize("name", PERSONAS)
def test_list_gives_the_contacts_to_those_who_may_see_them_and_the_kinds_to_others(
    request, name, state_a, state_a_official, api_client, token_client, jam_contacts
):
    client = client_for(request, name, state_a, state_a_official, api_client, token_client)

    response = client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    if name in SEE:
        assert all(set(row) == CONTACT_FIELDS for row in body)
        names = [row["name"] for row in body]
        expected = ["Ms Andrea Example", "Mr Basil Example"]
        assert names == (expected + ["Dr Former Example"] if name in MANAGE else expected)
        poc = body[0]
        assert poc["kind"] == "1540_poc" and poc["email"] == "poc@mfaft.example.gov.jm"
        assert poc["languages"] == ["en", "es"] and poc["valid_from"] == "2024-01-01" and poc["valid_until"] is None
        assert poc["current"] is True and poc["overdue"] is False and poc["state"] == "JAM"
    else:
        assert body == [
            {"kind": "1540_poc", "designated": True},
            {"kind": "cwc_national_authority", "designated": True},
            {"kind": "bwc_contact_point", "designated": False},
            {"kind": "iaea_focal_point", "designated": False},
            {"kind": "issue_champion", "designated": False},
        ]
        no_personal_data(response)


@pytest.mark.parametrize("name", PERSONAS)
def test_a_contacts_details_are_a_404_to_those_who_may_not_see_them(
    request, name, state_a, state_a_official, api_client, token_client, jam_contacts
):
    client = client_for(request, name, state_a, state_a_official, api_client, token_client)

    response = client.get(url(jam_contacts["poc"]))
    past = client.get(url(jam_contacts["past"]))

    if name in SEE:
        assert response.status_code == 200 and response.json()["name"] == "Ms Andrea Example"
        # A provider sees only the contacts in office.
        assert past.status_code == (200 if name in MANAGE else 404)
    else:
        assert response.status_code == 404 and past.status_code == 404
        assert response.json()["code"] == "not-found"
        no_personal_data(response)


@pytest.mark.parametrize("name", PERSONAS)
def test_who_may_add_change_delete_and_confirm(
    request, name, state_a, state_a_official, api_client, token_client, jam_contacts
):
    client = client_for(request, name, state_a, state_a_official, api_client, token_client)
    poc, past = jam_contacts["poc"], jam_contacts["past"]
    age(poc, 400)
    before = snapshot()

    added = client.post(LIST, poc_data(kind="issue_champion", name="Ms Champion"), format="json")
    changed = client.patch(url(poc), {"role": "Ambassador"}, format="json")
    confirmed = client.post(url(poc, "confirm/"))
    deleted = client.delete(url(past))

    if name in MANAGE:
        assert added.status_code == 201 and added.json()["name"] == "Ms Champion"
        assert changed.status_code == 200 and changed.json()["role"] == "Ambassador"
        assert deleted.status_code == 204 and not Contact.objects.filter(pk=past.pk).exists()
        if name == "official_a":
            assert confirmed.status_code == 200 and confirmed.json()["overdue"] is False
        else:  # the Committee edits, only the State confirms
            assert confirmed.status_code == 403
        verbs = list(AuditEvent.objects.filter(verb__startswith="contact.").values_list("verb", flat=True))
        assert verbs.count("contact.create") == 4 and "contact.update" in verbs and "contact.delete" in verbs
        return
    expected = {
        "anonymous": (401, 401, 401, 401),
        # The State is public, its contacts are not: a change is refused, a contact unseen is a 404.
        "official_b": (403, 404, 404, 404),
        "provider_withdrawn": (403, 404, 404, 404),
        "provider_never": (403, 404, 404, 404),
        # A provider sees the contacts in office (and so learns the change is refused), not the past one.
        "provider_matched": (403, 403, 403, 404),
    }[name]
    assert (added.status_code, changed.status_code, confirmed.status_code, deleted.status_code) == expected
    assert snapshot() == before


def test_a_read_only_token_changes_nothing(state_a_official, token_client, jam_contacts):
    client = token_client(state_a_official, read_only=True)
    before = snapshot()

    responses = [
        client.post(LIST, poc_data(), format="json"),
        client.patch(url(jam_contacts["poc"]), {"name": "Changed"}, format="json"),
        client.post(url(jam_contacts["poc"], "confirm/")),
        client.delete(url(jam_contacts["poc"])),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert {r.json()["code"] for r in responses} == {"read-only-token"}
    assert snapshot() == before
    assert client.get(LIST).json()[0]["name"] == "Ms Andrea Example"  # reading is what it is for


def test_an_official_keeps_the_contacts_current(state_a_official, token_client, jam_contacts):
    client = token_client(state_a_official)
    poc = age(jam_contacts["poc"], 400)
    assert client.get(url(poc)).json()["overdue"] is True

    response = client.post(url(poc, "confirm/"))

    assert response.status_code == 200
    assert response.json()["overdue"] is False
    event = AuditEvent.objects.filter(verb="contact.confirm").get()
    assert event.actor_label == "official-a" and event.object_id == str(poc.pk)
    # An edit by the State confirms too; the fields not sent are kept.
    age(poc, 400)
    response = client.patch(url(poc), {"phone": "+1 876 555 0111", "valid_until": "2030-12-31"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "+1 876 555 0111" and body["valid_until"] == "2030-12-31"
    assert body["name"] == "Ms Andrea Example" and body["overdue"] is False


def test_a_provider_loses_sight_when_the_request_is_withdrawn(
    state_a, state_a_official, provider_chemical, token_client, jam_contacts
):
    from assistance import services
    from assistance.tests.helpers import routed_request

    client = token_client(provider_chemical)
    routed = routed_request(state_a, state_a_official)
    assert client.get(url(jam_contacts["poc"])).status_code == 200

    services.withdraw(routed, acting_user=state_a_official)

    assert client.get(url(jam_contacts["poc"])).status_code == 404
    assert "name" not in client.get(LIST).json()[0]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "ambassador"}, "kind"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"email": "nobody"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"languages": ["de"]}, "languages"),
        ({"languages": "en"}, "languages"),
        ({"valid_from": "2024-13-01"}, "valid_from"),
        ({"valid_from": "2024-06-01", "valid_until": "2024-05-01"}, "valid_until"),
        ({"nickname": "Andy"}, "nickname"),
        ({"agency": "<script>x</script>"}, "agency"),
    ],
)
def test_invalid_input_is_a_400_and_saves_nothing(state_a_official, token_client, jam_contacts, body, field):
    client = token_client(state_a_official)
    before = snapshot()

    created = client.post(LIST, {**poc_data(), **body}, format="json")
    changed = client.patch(url(jam_contacts["poc"]), body, format="json")

    for response in (created, changed):
        assert response.status_code == 400, response.content
        assert response.json()["code"] in ("invalid", "unknown-field")
        assert field in response.json()["errors"]
    assert snapshot() == before


def test_errors_for_unknown_states_contacts_and_parameters(state_a_official, token_client, api_client, jam_contacts):
    client = token_client(state_a_official)
    assert client.get("/api/v1/states/XXX/contacts/").status_code == 404
    assert api_client.get("/api/v1/states/XXX/contacts/").status_code == 404
    assert client.get("/api/v1/contacts/999999999/").status_code == 404
    assert client.get("/api/v1/contacts/abc/").status_code == 404
    assert client.get(LIST, {"kind": "1540_poc"}).json()["code"] == "unknown-parameter"
    assert client.get("/api/v1/states/jam/contacts/").status_code == 200  # the code in any case


def test_a_retried_post_adds_the_contact_once(state_a_official, token_client, jam_contacts):
    client = token_client(state_a_official)
    headers = {"HTTP_IDEMPOTENCY_KEY": "add-champion-1"}
    data = json.dumps(poc_data(kind="issue_champion", name="Ms Champion"))

    first = client.post(LIST, data, content_type="application/json", **headers)
    again = client.post(LIST, data, content_type="application/json", **headers)

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Contact.objects.filter(name="Ms Champion").count() == 1


def test_list_queries_do_not_grow_with_the_contacts(
    state_a, state_a_official, token_client, api_client, jam_contacts, django_assert_num_queries
):
    client = token_client(state_a_official)
    client.get(LIST)  # the token's last use is written once a minute; warm it up as other tests do
    for n in range(10):
        contacts.create(state_a, poc_data(kind="issue_champion", name=f"Champion {n}"), acting_user=state_a_official)

    with django_assert_num_queries(LIST_QUERIES_OFFICIAL - 1):
        assert len(client.get(LIST).json()) == 13
    with django_assert_num_queries(LIST_QUERIES_PUBLIC):
        assert len(api_client.get(LIST).json()) == 5
