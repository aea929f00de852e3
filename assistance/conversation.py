"""The conversation on a request between the State and each matched provider; never public.

A conversation is the pair (request, provider): the State's officials read and write all of the
request's conversations, a matched or claiming provider's staff only their own, the Committee's
experts read every one. Each message notifies the other side; a provider's first message on the
request is its "first response", a turnaround milestone stamped once.
"""

import os

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import MAX_TEXT, AssistanceRequest, Match, Message, Provider
from portal.accounts.roles import is_official_of, is_reviewer
from portal.audit.services import record
from portal.core import uploads
from portal.core.exceptions import InvalidInput, InvalidTransition, NotAllowed, NotVisible
from portal.core.mail import Recipient, served_language, unique, user_recipients
from portal.core.text import text_errors
from portal.core.usertext import check as check_language
from states.contacts import contact_recipients

R = AssistanceRequest.Status
# A conversation is open once the request is submitted and until it is closed or withdrawn.
OPEN_STATUSES = (R.SUBMITTED, R.ROUTED, R.UNMATCHED, R.CLAIMED, R.DELIVERED)


def conversation_providers(user, request: AssistanceRequest) -> list[Provider]:
    """The providers whose conversation on `request` `user` may read (the request's matches are read)."""
    matched = [match.provider for match in request.matches.all()]
    if is_reviewer(user) or is_official_of(user, request.state_id):
        return sorted(matched, key=lambda p: p.name)
    if user and user.is_authenticated and user.is_provider_staff:
        return [p for p in matched if p.pk == user.provider_id]
    return []


def thread_refusal(user, request: AssistanceRequest, provider: Provider):
    """Why `user` may not read the conversation between the State and `provider` (NotVisible: a 404)."""
    if provider not in conversation_providers(user, request):
        return NotVisible(_("No conversation with this provider on request %(id)s.") % {"id": request.pk})
    return None


def post_refusal(user, request: AssistanceRequest, provider: Provider):
    """Why `user` may not write in that conversation now, or None."""
    refusal = thread_refusal(user, request, provider)
    if refusal:
        return refusal
    if not (is_official_of(user, request.state_id) or getattr(user, "provider_id", None) == provider.pk):
        return NotAllowed(_("The Committee's experts read the conversations; the State and the provider write."))
    if request.status not in OPEN_STATUSES:
        return InvalidTransition(
            _("The request is %(s)s: its conversations are closed.") % {"s": request.get_status_display()}
        )
    return None


def thread(user, request: AssistanceRequest, provider: Provider):
    refusal = thread_refusal(user, request, provider)
    if refusal:
        raise refusal
    return list(
        Message.objects.filter(request=request, provider=provider).select_related("author").order_by("created_at", "id")
    )


def document_errors(document) -> list[str]:
    """The upload rules for a document attached to a message: PDF or word-processor file, size, content."""
    return uploads.document_errors(
        document,
        extensions=(".pdf", ".doc", ".docx", ".odt"),
        wrong_type=_("Attach a PDF or word-processor file (.pdf, .doc, .docx or .odt)."),
    )


@transaction.atomic
def post(request: AssistanceRequest, provider: Provider, *, body, document=None, acting_user, language=None) -> Message:
    """Write a message in the conversation between the State and `provider` on `request`, in `language`
    (by default the writer's interface language)."""
    request = AssistanceRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    request_matches = Match.objects.filter(request=request).select_related("provider")
    request._prefetched_objects_cache = {"matches": list(request_matches)}
    refusal = post_refusal(acting_user, request, provider)
    if refusal:
        raise refusal
    errors = {}
    body, problems = text_errors(body, max_length=MAX_TEXT, required=True)
    if problems:
        errors["body"] = problems
    if document is not None:
        problems = document_errors(document)
        if problems:
            errors["document"] = problems
    language = check_language(language, errors)
    if errors:
        raise InvalidInput(_("The message was not sent; nothing was saved."), errors=errors)
    side = Message.Side.STATE if is_official_of(acting_user, request.state_id) else Message.Side.PROVIDER
    message = Message(request=request, provider=provider, side=side, author=acting_user, body=body, language=language)
    if document is not None:
        message.document_name = os.path.basename(document.name)[:200]
        extension = os.path.splitext(document.name)[1].lower()
        # The stored name is ours, never the sender's.
        message.document.save(f"request-{request.pk}-{timezone.now():%Y%m%d%H%M%S%f}{extension}", document, save=False)
    message.save()
    record(
        "request.message",
        request,
        actor=acting_user,
        after={"provider": provider.slug, "side": side, "message": message.pk, "document": message.document_name},
    )
    if side == Message.Side.PROVIDER and request.first_response_at is None:
        AssistanceRequest.objects.filter(pk=request.pk, first_response_at__isnull=True).update(
            first_response_at=message.created_at
        )
        record("request.first_response", request, actor=acting_user, after={"provider": provider.slug})
    _notify(message.pk)  # sent once the transaction commits
    return message


def _notify(message_id):
    from portal.core.tasks import enqueue

    enqueue("assistance.notify_message", message_id)


def recipients(message: Message) -> list[Recipient]:
    """The other side, each in its language: the State's officials and points of contact, or the
    provider's desk (in the provider's first working language) and staff."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    if message.side == Message.Side.STATE:
        provider = message.provider
        desk = (
            [Recipient(provider.contact_email, served_language(*provider.languages))] if provider.contact_email else []
        )
        return unique(desk + user_recipients(users.filter(provider_id=provider.pk)))
    state_id = message.request.state_id
    return unique(user_recipients(users.filter(state_id=state_id)) + contact_recipients(state_id))
