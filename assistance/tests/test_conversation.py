"""The conversation on a request between the State and each matched provider, on the pages.

Personas: officials of the requesting State (A) and of another State (B), the Committee's expert and an
administrator, the staff of two matched providers (OPCW, IAEA), of a provider the request was not routed
to (WHO), and the public. A denied call changes nothing (no message, no audit event, no e-mail).
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance import conversation, services
from assistance.models import AssistanceRequest, Match, Message, Provider
from assistance.tests.helpers import routed_request
from portal.audit.models import AuditEvent
from portal.testing.factories import UserFactory
from portal.testing.pages import logged_in, text_of

pytestmark = pytest.mark.django_db

# A small but complete PDF: one empty page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def who_staff(reference):
    return UserFactory(username="who-staff", role="provider", provider=Provider.objects.get(slug="who"))


@pytest.fixture
def clients(page_clients, who_staff):
    return {**page_clients, "who": logged_in(who_staff)}


@pytest.fixture
def routed(state_a, state_a_official):
    """A chemical request of State A, not published, routed to the OPCW and the IAEA."""
    request = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=False)
    Match.objects.get_or_create(
        request=request, provider=Provider.objects.get(slug="iaea"), defaults={"score": 1, "reasons": ["test"]}
    )
    assert set(request.matches.values_list("provider__slug", flat=True)) >= {"opcw", "iaea"}
    assert not request.matches.filter(provider__slug="who").exists()
    return request


def thread_url(request, slug="opcw"):
    return reverse("assistance:conversation", args=[request.pk, slug])


def document_url(message):
    return reverse("assistance:message_document", args=[message.request_id, message.provider.slug, message.pk])


def say(request, user, body, slug="opcw", **kwargs):
    return conversation.post(
        AssistanceRequest.objects.get(pk=request.pk), Provider.objects.get(slug=slug), body=body, acting_user=user,
        **kwargs,
    )  # fmt: skip


def snapshot(request):
    request.refresh_from_db()
    return Message.objects.count(), AuditEvent.objects.count(), request.first_response_at, len(mail.outbox)


# ---------------------------------------------------------------------------------------------
# Who reads and who writes

READERS = {"official_a": 200, "expert": 200, "admin": 200, "opcw": 200}


@pytest.mark.parametrize("persona", ["anonymous", "official_a", "official_b", "expert", "admin", "opcw", "iaea", "who"])
def test_each_role_reads_only_the_conversations_it_may(clients, routed, state_a_official, persona):
    say(routed, state_a_official, "When could you start?")
    response = clients[persona].get(thread_url(routed))
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == READERS.get(persona, 404)
    if response.status_code == 200:
        assert "When could you start?" in text_of(response, "thread")
        assert f"#{routed.pk} {routed.title}" in response.content.decode()
    else:
        assert "When could you start?" not in response.content.decode()


def test_a_provider_reads_its_own_conversation_and_not_another_providers(clients, routed, state_a_official):
    say(routed, state_a_official, "A question for the IAEA", slug="iaea")
    assert clients["iaea"].get(thread_url(routed, "iaea")).status_code == 200
    assert clients["opcw"].get(thread_url(routed, "iaea")).status_code == 404
    assert clients["official_a"].get(thread_url(routed, "unknown-provider")).status_code == 404
    assert clients["official_a"].get(thread_url(routed, "who")).status_code == 404  # not matched


# persona: (status, side of the saved message or None)
WRITERS = {
    "anonymous": (302, None), "official_a": (302, "state"), "official_b": (404, None), "expert": (403, None),
    "admin": (403, None), "opcw": (302, "provider"), "iaea": (404, None), "who": (404, None),
}  # fmt: skip


@pytest.mark.parametrize("persona", WRITERS)
def test_only_the_state_and_the_provider_write_in_their_conversation(clients, routed, persona):
    before = snapshot(routed)
    response = clients[persona].post(thread_url(routed), {"body": "Our question\nin two lines"})
    status, side = WRITERS[persona]
    assert response.status_code == status
    if side is None:
        assert snapshot(routed) == before
        if status == 403:
            assert "experts read the conversations" in text_of(response, "conversation-error")
        return
    assert response["Location"] == thread_url(routed)
    message = Message.objects.get()
    assert (message.side, message.provider.slug, message.body) == (side, "opcw", "Our question\nin two lines")
    page = clients[persona].get(response["Location"])
    assert "Your message was sent to" in page.content.decode()
    assert "Our question<br>in two lines" in page.content.decode()


def test_the_thread_shows_sender_side_time_and_the_body_as_text(clients, routed, state_a_official, provider_chemical):
    say(routed, state_a_official, "Is 2 < 3 & 4 > 1?\nSecond line")
    say(routed, provider_chemical, "We can start in May.")
    response = clients["expert"].get(thread_url(routed))
    html = response.content.decode()
    thread = text_of(response, "thread")
    assert thread.index("Is 2 < 3 & 4 > 1?") < thread.index("We can start in May.")
    assert "Jamaica · official-a" in thread and "State" in thread
    assert "Organisation for the Prohibition of Chemical Weapons" in thread and "opcw-staff" in thread
    assert "Is 2 &lt; 3 &amp; 4 &gt; 1?<br>Second line" in html
    assert "<time datetime=" in html
    # The expert reads and never writes: no form, the reason instead.
    assert 'id="reply-form"' not in html
    assert "experts read the conversations" in text_of(response, "read-only")


def test_the_state_and_the_provider_see_the_reply_form(clients, routed):
    for persona in ("official_a", "opcw"):
        html = clients[persona].get(thread_url(routed)).content.decode()
        assert 'id="reply-form"' in html and 'enctype="multipart/form-data"' in html
    assert "Write to Organisation for the Prohibition" in clients["official_a"].get(thread_url(routed)).content.decode()
    assert "Write to Jamaica" in clients["opcw"].get(thread_url(routed)).content.decode()


def test_an_empty_message_comes_back_with_its_error_and_nothing_is_saved(clients, routed):
    before = snapshot(routed)
    response = clients["official_a"].post(thread_url(routed), {"body": "   "})
    assert response.status_code == 400
    assert "This field is required." in text_of(response, "id_body-error")
    assert 'aria-invalid="true"' in response.content.decode()
    assert snapshot(routed) == before
    response = clients["official_a"].post(thread_url(routed), {"body": "<b>bold</b>"})
    assert response.status_code == 400 and "Plain text only" in text_of(response, "id_body-error")
    assert snapshot(routed) == before


@pytest.mark.parametrize("persona", ["official_a", "opcw"])
def test_after_withdrawal_the_conversation_is_read_only(clients, routed, state_a_official, persona):
    say(routed, state_a_official, "Before the withdrawal")
    services.withdraw(AssistanceRequest.objects.get(pk=routed.pk), acting_user=state_a_official)
    before = snapshot(routed)
    response = clients[persona].post(thread_url(routed), {"body": "After the withdrawal"})
    assert response.status_code == 409
    assert "its conversations are closed" in text_of(response, "conversation-error")
    assert snapshot(routed) == before
    page = clients[persona].get(thread_url(routed))
    assert page.status_code == 200 and "Before the withdrawal" in text_of(page, "thread")
    assert 'id="reply-form"' not in page.content.decode()
    assert "its conversations are closed" in text_of(page, "read-only")


# ---------------------------------------------------------------------------------------------
# First response, notifications


def test_the_providers_first_message_is_its_first_response_stamped_once(
    routed, state_a_official, provider_chemical, provider_nuclear
):
    say(routed, state_a_official, "A question from the State")
    routed.refresh_from_db()
    assert routed.first_response_at is None  # the State's message is no response
    first = say(routed, provider_chemical, "Our answer")
    routed.refresh_from_db()
    assert routed.first_response_at == first.created_at
    say(routed, provider_chemical, "A second answer")
    say(routed, provider_nuclear, "The IAEA's first message", slug="iaea")
    routed.refresh_from_db()
    assert routed.first_response_at == first.created_at
    assert AuditEvent.objects.filter(verb="request.first_response").count() == 1


def test_each_message_e_mails_the_other_side(
    clients, routed, state_a_official, provider_chemical, django_capture_on_commit_callbacks
):
    Provider.objects.filter(slug="opcw").update(contact_email="desk@opcw.example")
    colleague = UserFactory(username="opcw-colleague", role="provider", provider=Provider.objects.get(slug="opcw"))
    with django_capture_on_commit_callbacks(execute=True):
        clients["official_a"].post(thread_url(routed), {"body": "When could you start?"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["desk@opcw.example", provider_chemical.email, colleague.email]
    assert "Jamaica" in mail.outbox[0].subject and "When could you start?" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        clients["opcw"].post(thread_url(routed), {"body": "In May."})
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == [state_a_official.email]
    assert "In May." in mail.outbox[1].body
    assert Message.objects.filter(notified_at__isnull=True).count() == 0


# ---------------------------------------------------------------------------------------------
# Documents


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    "name, content",
    [("setup.exe", b"MZ\x90\x00 not a document"), ("report.pdf", b"MZ\x90\x00 an executable named .pdf"),
     ("empty.pdf", b"")],
)  # fmt: skip
def test_a_document_that_is_not_a_real_pdf_or_word_file_is_refused(clients, routed, name, content):
    before = snapshot(routed)
    response = clients["official_a"].post(
        thread_url(routed), {"body": "See attached", "document": upload(name, content)}
    )
    assert response.status_code == 400
    assert text_of(response, "id_document-error")
    assert snapshot(routed) == before


def test_a_document_over_the_size_limit_is_refused(clients, routed, settings):
    settings.MAX_UPLOAD_MB = 0.0001  # about 100 bytes
    before = snapshot(routed)
    response = clients["opcw"].post(thread_url(routed), {"body": "Big", "document": upload("big.pdf", PDF)})
    assert response.status_code == 400 and "larger than" in text_of(response, "id_document-error")
    assert snapshot(routed) == before


def test_a_real_pdf_is_kept_under_our_name_and_downloaded_only_by_readers(clients, routed):
    response = clients["official_a"].post(
        thread_url(routed), {"body": "Our draft bill", "document": upload("Draft bill (confidential).pdf", PDF)}
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.document_name == "Draft bill (confidential).pdf"
    assert "confidential" not in message.document.name and "Draft" not in message.document.name
    assert message.document.name.startswith("assistance/messages/request-") and message.document.name.endswith(".pdf")
    page = clients["opcw"].get(thread_url(routed))
    assert f'href="{document_url(message)}"' in page.content.decode()
    assert "/media/" not in page.content.decode()
    for persona in ("official_a", "opcw", "expert", "admin"):
        download = clients[persona].get(document_url(message))
        assert download.status_code == 200, persona
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Cache-Control"] == "private, no-store"
        assert "attachment" in download["Content-Disposition"]
    for persona in ("official_b", "iaea", "who"):
        assert clients[persona].get(document_url(message)).status_code == 404, persona
    assert clients["anonymous"].get(document_url(message)).status_code == 302
    # Through another conversation's address, or a message without a document: 404.
    other = reverse("assistance:message_document", args=[routed.pk, "iaea", message.pk])
    assert clients["official_a"].get(other).status_code == 404
    plain = Message.objects.create(request=routed, provider=message.provider, side="state", body="No file")
    assert clients["official_a"].get(document_url(plain)).status_code == 404


def test_a_word_file_is_accepted(clients, routed):
    docx = b"PK\x03\x04" + b"\x00" * 60
    response = clients["opcw"].post(thread_url(routed), {"body": "Our plan", "document": upload("plan.docx", docx)})
    assert response.status_code == 302
    assert Message.objects.get().document.name.endswith(".docx")


# ---------------------------------------------------------------------------------------------
# The conversations on the request's pages


def test_the_officials_page_lists_a_conversation_per_matched_provider(clients, routed, state_a_official):
    say(routed, state_a_official, "To the OPCW")
    response = clients["official_a"].get(reverse("assistance:request_detail", args=[routed.pk]))
    section = text_of(response, "conversations")
    assert "Organisation for the Prohibition of Chemical Weapons" in section and "1 message" in section
    assert "International Atomic Energy Agency" in section and "Ask a question" in section
    html = response.content.decode()
    assert f'href="{thread_url(routed, "iaea")}"' in html and f'href="{thread_url(routed, "opcw")}"' in html
    rows = response.context["conversations"]
    by_slug = {c["provider"].slug: (c["count"], c["ask"]) for c in rows}
    assert by_slug["opcw"] == (1, False) and by_slug["iaea"] == (0, True)


def test_the_providers_page_lists_only_its_own_conversation(clients, routed, state_a_official):
    say(routed, state_a_official, "To the IAEA", slug="iaea")
    response = clients["opcw"].get(reverse("assistance:provider_request", args=[routed.pk]))
    rows = response.context["conversations"]
    assert [(c["provider"].slug, c["count"]) for c in rows] == [("opcw", 0)]
    assert f'href="{thread_url(routed, "opcw")}"' in response.content.decode()
    assert thread_url(routed, "iaea") not in response.content.decode()


def test_the_experts_page_has_every_conversation_read_only(clients, routed, state_a_official):
    say(routed, state_a_official, "To the IAEA", slug="iaea")
    response = clients["expert"].get(reverse("assistance:expert_request", args=[routed.pk]))
    rows = {c["provider"].slug: c for c in response.context["conversations"]}
    assert rows["iaea"]["count"] == 1 and rows["opcw"]["count"] == 0
    assert not any(c["ask"] for c in rows.values())


def test_the_thread_page_runs_a_constant_number_of_queries(
    clients, routed, state_a_official, provider_chemical, django_assert_num_queries
):
    say(routed, state_a_official, "One")
    client = clients["official_a"]
    with django_assert_num_queries(5) as first:  # session, user, the request, its matches, the messages
        client.get(thread_url(routed))
    for n in range(6):
        say(routed, provider_chemical if n % 2 else state_a_official, f"Message {n}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(thread_url(routed))
    assert text_of(response, "thread").count("Message ") == 6


def test_the_turnaround_page_shows_the_time_to_first_response(clients, routed, provider_chemical):
    say(routed, provider_chemical, "Our answer")
    response = clients["expert"].get(reverse("assistance:turnaround"), {"since": "2000-01-01"})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["time_to_first_response"]["count"] == 1
    assert figures["time_to_first_response"]["median_hours"] is not None
    row = text_of(response, "first-response")
    assert row.startswith("Time to first response 1")


def test_a_published_request_keeps_its_conversations_private(clients, state_a, state_a_official):
    published = routed_request(state_a, state_a_official, preferred_providers=["opcw"], consent_to_publish=True)
    say(published, state_a_official, "Private question")
    assert clients["official_b"].get(reverse("assistance:public_request", args=[published.pk])).status_code == 200
    for persona in ("official_b", "iaea", "who"):
        response = clients[persona].get(thread_url(published))
        assert response.status_code == 404, persona
        assert "Private question" not in response.content.decode()
    message = Message.objects.get()
    assert clients["official_b"].get(document_url(message)).status_code == 404
