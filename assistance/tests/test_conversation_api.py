"""The conversation on a request through the API: `GET|POST /api/v1/assistance/requests/{id}/messages/`.

The same rules as the pages (the services decide): the State's officials read and write every
conversation of their State's request, a matched provider's staff their own, the Committee's experts
read all and write none; the public 401, anyone else 404; a read-only token never writes. A denied call
changes nothing.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import conversation, services
from assistance.models import AssistanceRequest, Match, Message, Provider
from assistance.tests.helpers import routed_request
from assistance.tests.test_conversation import PDF
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def routed(state_a, state_a_official):
    """A chemical request of State A, not published, routed to the OPCW and the IAEA (not to the WHO)."""
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=False)
    Match.objects.get_or_create(
        request=request, provider=Provider.objects.get(slug="iaea"), defaults={"score": 1, "reasons": ["test"]}
    )
    assert not request.matches.filter(provider__slug="who").exists()
    return request


def url(request):
    return f"/api/v1/assistance/requests/{request.pk}/messages/"


def say(request, user, body, slug):
    return conversation.post(
        AssistanceRequest.objects.get(pk=request.pk), Provider.objects.get(slug=slug), body=body, acting_user=user
    )


@pytest.fixture
def talked(routed, state_a_official, provider_chemical, provider_nuclear):
    """Two messages in the OPCW's conversation, one in the IAEA's."""
    say(routed, state_a_official, "To the OPCW", "opcw")
    say(routed, provider_chemical, "From the OPCW", "opcw")
    say(routed, provider_nuclear, "From the IAEA", "iaea")
    return routed


def snapshot(request):
    request.refresh_from_db()
    return Message.objects.count(), AuditEvent.objects.count(), request.first_response_at, len(mail.outbox)


# ---------------------------------------------------------------------------------------------
# Reading

# persona: the bodies it reads without ?provider= (or the status it gets)
LISTS = {
    "public": 401, "official_a": ["To the OPCW", "From the OPCW", "From the IAEA"],
    "official_b": 404, "expert": ["To the OPCW", "From the OPCW", "From the IAEA"],
    "opcw": ["To the OPCW", "From the OPCW"], "iaea": ["From the IAEA"], "who": 404,
    "read_only_opcw": ["To the OPCW", "From the OPCW"],
}  # fmt: skip


@pytest.mark.parametrize("persona", LISTS)
def test_each_role_lists_the_messages_it_may_read(api_clients, talked, persona):
    response = api_clients[persona].get(url(talked))
    expected = LISTS[persona]
    if isinstance(expected, int):
        assert response.status_code == expected
        assert response.json()["detail"]
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(m["body"] for m in body["results"]) == sorted(expected)
    assert body["count"] == len(expected)


# persona: status of ?provider=opcw
ONE_THREAD = {"public": 401, "official_a": 200, "official_b": 404, "expert": 200, "opcw": 200, "iaea": 404,
              "who": 404, "read_only_opcw": 200}  # fmt: skip


@pytest.mark.parametrize("persona", ONE_THREAD)
def test_one_conversation_is_read_by_the_state_its_provider_and_the_experts(api_clients, talked, persona):
    response = api_clients[persona].get(url(talked), {"provider": "opcw"})
    assert response.status_code == ONE_THREAD[persona]
    if response.status_code == 200:
        assert [m["body"] for m in response.json()["results"]] == ["To the OPCW", "From the OPCW"]


def test_a_message_has_the_documented_shape(api_clients, talked):
    results = api_clients["official_a"].get(url(talked), {"provider": "opcw"}).json()["results"]
    first, second = results
    assert set(first) == {"id", "request", "provider", "side", "author", "body", "language", "document",
                          "document_name", "created_at"}  # fmt: skip
    assert (first["request"], first["provider"], first["side"], first["author"]) == (talked.pk, "opcw", "state",
                                                                                    "official-a")  # fmt: skip
    assert (second["side"], second["author"], second["document"], second["document_name"]) == (
        "provider",
        "opcw-staff",
        None,
        "",
    )


def test_an_unknown_provider_request_or_parameter_is_refused(api_clients, talked):
    client = api_clients["official_a"]
    assert client.get(url(talked), {"provider": "who"}).status_code == 404
    assert client.get("/api/v1/assistance/requests/999999/messages/").status_code == 404
    assert client.get("/api/v1/assistance/requests/abc/messages/").status_code == 404
    response = client.get(url(talked), {"colour": "red"})
    assert response.status_code == 400 and response.json()["code"] == "unknown-parameter"


def test_listing_runs_a_constant_number_of_queries(
    api_clients, talked, state_a_official, provider_chemical, django_assert_num_queries
):
    client = api_clients["official_a"]
    client.get("/api/v1/me/")  # the token's first use stamps it once: not this endpoint's queries
    with django_assert_num_queries(5) as first:  # token and user, the request, its matches, count, page
        client.get(url(talked))
    for n in range(10):
        if n % 3:
            say(talked, provider_chemical if n % 2 else state_a_official, f"More {n}", "opcw")
        else:
            say(talked, state_a_official, f"More {n}", "iaea")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url(talked))
    assert response.json()["count"] == 13


# ---------------------------------------------------------------------------------------------
# Writing

# persona: (body, status); a refused call changes nothing.
POSTS = {
    "public": ({"provider": "opcw", "body": "Hello"}, 401),
    "official_a": ({"provider": "opcw", "body": "Hello"}, 201),
    "official_b": ({"provider": "opcw", "body": "Hello"}, 404),
    "expert": ({"provider": "opcw", "body": "Hello"}, 403),
    "opcw": ({"body": "Hello"}, 201),
    "iaea": ({"provider": "opcw", "body": "Hello"}, 404),
    "who": ({"body": "Hello"}, 404),
    "read_only_opcw": ({"body": "Hello"}, 403),
}


@pytest.mark.parametrize("persona", POSTS)
def test_only_the_state_and_the_provider_write(api_clients, routed, persona):
    body, expected = POSTS[persona]
    before = snapshot(routed)
    response = api_clients[persona].post(url(routed), body, format="json")
    assert response.status_code == expected, response.content
    if expected != 201:
        assert response.json()["detail"]
        assert snapshot(routed) == before
        return
    message = Message.objects.get()
    assert response.json() == {
        "id": message.pk, "request": routed.pk, "provider": "opcw",
        "side": "state" if persona == "official_a" else "provider",
        "author": message.author.username, "body": "Hello", "language": "en", "document": None, "document_name": "",
        "created_at": response.json()["created_at"],
    }  # fmt: skip


def test_an_official_says_which_provider_and_the_body_is_checked(api_clients, routed):
    client = api_clients["official_a"]
    before = snapshot(routed)
    response = client.post(url(routed), {"body": "Hello"}, format="json")
    assert response.status_code == 400 and "provider" in response.json()["errors"]
    response = client.post(url(routed), {"provider": "opcw", "body": ""}, format="json")
    assert response.status_code == 400 and "body" in response.json()["errors"]
    response = client.post(url(routed), {"provider": "opcw", "body": "<script>x</script>"}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["body"]
    response = client.post(url(routed), {"provider": "opcw", "body": "Hi", "urgent": True}, format="json")
    assert response.status_code == 400 and "urgent" in response.json()["errors"]
    assert snapshot(routed) == before


def test_posting_after_withdrawal_is_a_conflict_and_saves_nothing(api_clients, routed, state_a_official):
    services.withdraw(AssistanceRequest.objects.get(pk=routed.pk), acting_user=state_a_official)
    before = snapshot(routed)
    for persona, body in (("official_a", {"provider": "opcw", "body": "Late"}), ("opcw", {"body": "Late"})):
        response = api_clients[persona].post(url(routed), body, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid-transition"
    assert snapshot(routed) == before
    assert api_clients["opcw"].get(url(routed)).status_code == 200  # still readable


def test_the_providers_first_message_stamps_the_first_response(api_clients, routed):
    api_clients["official_a"].post(url(routed), {"provider": "opcw", "body": "A question"}, format="json")
    routed.refresh_from_db()
    assert routed.first_response_at is None
    first = api_clients["opcw"].post(url(routed), {"body": "An answer"}, format="json").json()
    api_clients["opcw"].post(url(routed), {"body": "Another"}, format="json")
    routed.refresh_from_db()
    assert routed.first_response_at == Message.objects.get(pk=first["id"]).created_at


def test_a_retried_message_with_the_same_idempotency_key_is_sent_once(api_clients, routed):
    client = api_clients["opcw"]
    first = client.post(url(routed), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="msg-1")
    again = client.post(url(routed), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="msg-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Message.objects.count() == 1


def test_messages_e_mail_the_other_side(api_clients, routed, state_a_official, django_capture_on_commit_callbacks):
    Provider.objects.filter(slug="opcw").update(contact_email="desk@opcw.example")
    with django_capture_on_commit_callbacks(execute=True):
        api_clients["official_a"].post(url(routed), {"provider": "opcw", "body": "A question"}, format="json")
    assert mail.outbox[-1].to == ["desk@opcw.example", "opcw-staff@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        api_clients["opcw"].post(url(routed), {"body": "An answer"}, format="json")
    assert mail.outbox[-1].to == [state_a_official.email]
    assert len(mail.outbox) == 2


# ---------------------------------------------------------------------------------------------
# Documents (multipart)


def test_a_real_pdf_is_accepted_and_linked_for_readers_only(api_clients, page_clients, routed):
    document = SimpleUploadedFile("Our plan.pdf", PDF, content_type="application/pdf")
    response = api_clients["opcw"].post(url(routed), {"body": "Our plan", "document": document}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["document_name"] == "Our plan.pdf"
    link = body["document"]
    assert link.startswith("http://testserver/assistance/requests/") and "/documents/" in link
    message = Message.objects.get()
    assert "Our plan" not in message.document.name
    path = link.removeprefix("http://testserver")
    assert page_clients["official_a"].get(path).status_code == 200
    assert page_clients["iaea"].get(path).status_code == 404
    assert page_clients["official_b"].get(path).status_code == 404


@pytest.mark.parametrize(
    "name, content", [("tool.exe", b"MZ\x90\x00binary"), ("fake.pdf", b"This is not a PDF at all")]
)
def test_a_file_that_is_not_a_document_is_refused(api_clients, routed, name, content):
    before = snapshot(routed)
    document = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = api_clients["official_a"].post(
        url(routed), {"provider": "opcw", "body": "See attached", "document": document}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["document"]
    assert snapshot(routed) == before


def test_a_read_only_token_cannot_upload(api_clients, routed):
    document = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    response = api_clients["read_only_opcw"].post(
        url(routed), {"body": "Plan", "document": document}, format="multipart"
    )
    assert response.status_code == 403 and Message.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Turnaround


def test_the_turnaround_figures_give_the_time_to_first_response(api_clients, routed, provider_chemical):
    empty = api_clients["public"].get("/api/v1/assistance/turnaround/").json()
    assert empty["time_to_first_response"] == {"count": 0, "median_hours": None, "p90_hours": None}
    say(routed, provider_chemical, "Our answer", "opcw")
    figures = api_clients["public"].get("/api/v1/assistance/turnaround/", {"since": "2000-01-01"}).json()
    assert figures["time_to_first_response"]["count"] == 1
    assert figures["time_to_first_response"]["median_hours"] >= 0
    assert figures["time_to_route"]["count"] == 1  # the other stages keep their meaning
    by_provider_keys = [set(group) for group in figures["by_area"]]
    assert all("time_to_first_response" in keys for keys in by_provider_keys)


def test_a_published_request_keeps_its_conversations_private(api_clients, state_a, state_a_official):
    published = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=True)
    say(published, state_a_official, "Private question", "opcw")
    assert api_clients["official_b"].get(f"/api/v1/assistance/requests/{published.pk}/").status_code == 200
    for persona in ("official_b", "iaea", "who"):
        assert api_clients[persona].get(url(published)).status_code == 404, persona
        assert api_clients[persona].get(url(published), {"provider": "opcw"}).status_code == 404, persona
    before = Message.objects.count()
    response = api_clients["official_b"].post(url(published), {"provider": "opcw", "body": "Hi"}, format="json")
    assert response.status_code == 404 and Message.objects.count() == before
