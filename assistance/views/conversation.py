"""The conversation on a request between the State and one matched provider, for everyone who may read
it: the State's officials (all of their request's conversations), the provider's staff (their own),
the Committee's experts (every one, read-only). One page per (request, provider): the thread and,
for those who may write while the request is open, the reply form; and the download of a message's
document, through the same check (never a public media URL).

Who may read or write is `assistance.conversation`'s decision: a conversation the user may not read is
the 404 page, a refused message (an expert writing, a closed request) the thread with the reason and
its status (403, 409), a message the services find wanting the form with its errors (400).
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from assistance import conversation, services
from assistance.forms import MessageForm
from assistance.models import AssistanceRequest, Match, Message
from portal.accounts.decorators import role_required
from portal.core import uploads
from portal.core.exceptions import DomainError, InvalidInput, NotFound, NotVisible

conversation_required = role_required(
    lambda user: user.is_state_official or user.is_provider_staff or user.is_reviewer,
    gettext_lazy("Conversations on requests are for State officials, providers' staff and the Committee's experts."),
)

WITH_MATCHES = AssistanceRequest.objects.select_related("state").prefetch_related(
    Prefetch("matches", queryset=Match.objects.select_related("provider"))
)


def _conversation(request, pk, provider_slug):
    """The request and the provider of a conversation `request.user` may read; else NotVisible (404)."""
    obj = services.get_visible(request.user, pk, WITH_MATCHES)
    provider = next(
        (p for p in conversation.conversation_providers(request.user, obj) if p.slug == provider_slug), None
    )
    if provider is None:
        raise NotVisible(_("No conversation with this provider on request %(id)s.") % {"id": obj.pk})
    return obj, provider


def _back(user, obj):
    """The request's page for this reader: the State's, the provider's or the expert's."""
    if user.is_official_of(obj.state_id):
        return reverse("assistance:request_detail", args=[obj.pk])
    if user.is_reviewer:
        return reverse("assistance:expert_request", args=[obj.pk])
    return reverse("assistance:provider_request", args=[obj.pk])


def _page(request, obj, provider, *, form=None, error=None, status=200):
    user = request.user
    refusal = conversation.post_refusal(user, obj, provider)
    thread = conversation.thread(user, obj, provider)
    for message in thread:
        message.sender = obj.state.name if message.side == Message.Side.STATE else provider.name
        message.author_name = (message.author.get_full_name() or message.author.username) if message.author else ""
    context = {
        "obj": obj,
        "provider": provider,
        "thread": thread,
        "back_url": _back(user, obj),
        "can_write": refusal is None,
        "read_only_reason": refusal.message if refusal is not None else "",
        "form": (form or MessageForm()) if refusal is None or form is not None else None,
        "action_error": error,
        "writes_as_state": user.is_official_of(obj.state_id),
    }
    return render(request, "assistance/conversation.html", context, status=status)


@conversation_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, pk, provider_slug):
    """The conversation (GET), or a new message in it (POST: back to the thread once sent)."""
    obj, provider = _conversation(request, pk, provider_slug)
    if request.method != "POST":
        return _page(request, obj, provider)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, obj, provider, form=form, status=400)
    try:
        conversation.post(
            obj,
            provider,
            body=form.cleaned_data["body"],
            document=form.cleaned_data["document"],
            acting_user=request.user,
        )
    except InvalidInput as exc:
        form.add_service_errors(exc.errors)
        return _page(request, obj, provider, form=form, error=exc.message, status=exc.status)
    except DomainError as exc:
        if exc.status == 404:
            raise
        # The thread as it is now (a request closed meanwhile), with what was refused and why.
        obj, provider = _conversation(request, pk, provider_slug)
        return _page(request, obj, provider, form=form, error=exc.message, status=exc.status)
    messages.success(request, _("Your message was sent to %(to)s.") % {"to": _recipient(request.user, obj, provider)})
    return redirect("assistance:conversation", pk=obj.pk, provider_slug=provider.slug)


def _recipient(user, obj, provider):
    return provider.name if user.is_official_of(obj.state_id) else obj.state.name


@conversation_required
@require_safe
def message_document(request, pk, provider_slug, message_pk):
    """A message's document, to those who may read its conversation; never cached by a shared cache."""
    obj, provider = _conversation(request, pk, provider_slug)
    message = Message.objects.filter(pk=message_pk, request=obj, provider=provider).first()
    if message is None or not message.document:
        raise NotFound(_("No document is attached to this message."))
    return uploads.document_response(
        message.document,
        filename=message.document_name,
        missing=_("No document is attached to this message."),
    )
