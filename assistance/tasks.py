"""Background work of the assistance process. Tasks take primary keys and are idempotent."""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance import services
from assistance.models import AssistanceRequest, Match, Message, Notification
from assistance.reasons import reason_texts
from portal.core import mail

logger = logging.getLogger(__name__)


@shared_task(name="assistance.route_request")
def route_request_task(job_id: int) -> str:
    """Route the request of a routing job. A duplicate or late message does nothing."""
    return services.route(job_id)


@shared_task(name="assistance.redrive_pending_jobs")
def redrive_pending_jobs_task() -> int:
    """Beat: send again the routing jobs whose message was lost (broker down, worker killed)."""
    return services.redrive_pending_jobs(older_than_seconds=settings.ASSISTANCE_REDRIVE_AFTER_SECONDS)


@shared_task(name="assistance.escalate_unclaimed")
def escalate_unclaimed_task() -> int:
    """Beat: widen the match of requests nobody claimed in time and alert the experts."""
    return services.escalate_unclaimed()


@shared_task(name="assistance.refresh_turnaround")
def refresh_turnaround_task() -> None:
    """Beat: recompute the cached turnaround figures of the dashboard."""
    from assistance.metrics import refresh_cached_figures

    refresh_cached_figures()


class WebhookError(Exception):
    """A provider's webhook did not accept the notification (network error or 5xx)."""


@shared_task(
    name="assistance.notify_provider",
    autoretry_for=(WebhookError,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=6,
)
def notify_provider_task(match_id: int) -> str:
    """Tell a matched provider: e-mail through Django's mail backend, and a signed webhook if it has one."""
    match = Match.objects.select_related("provider", "request__state", "request__area").filter(pk=match_id).first()
    if match is None:
        return "gone"
    provider, request = match.provider, match.request
    if provider.contact_email:
        _once(match, Notification.Channel.EMAIL, lambda: _email(match))
    if provider.webhook_url:
        _once(match, Notification.Channel.WEBHOOK, lambda: _webhook(match))
    Match.objects.filter(pk=match.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    logger.info("Provider %s notified of request %s", provider.slug, request.pk)
    return "sent"


def _once(match, channel, send):
    """Send on a channel unless it was already sent (a retry re-sends only what failed)."""
    notification, _ = Notification.objects.get_or_create(match=match, channel=channel)
    if notification.sent_at:
        return
    Notification.objects.filter(pk=notification.pk).update(attempts=notification.attempts + 1)
    try:
        send()
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(last_error=str(exc)[:1000])
        raise
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), last_error="")


def _payload(match) -> dict:
    request = match.request
    return {
        "event": "request.matched",
        "request": request.pk,
        "state": request.state.iso3,
        "area": request.area.code,
        "columns": request.columns,
        "title": request.title,
        "score": match.score,
        "reasons": _english_reasons(match),
        "url": f"/api/v1/assistance/requests/{request.pk}/",
    }


def _english_reasons(match) -> list[str]:
    """The webhook's reasons stay English sentences, as they were before reasons were stored
    language-neutral (the e-mail and the API give them in the reader's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return reason_texts(match.reasons, area=match.request.area)


def _email(match):
    request, provider = match.request, match.provider

    def compose():
        values = {"id": request.pk, "state": request.state.name, "title": request.title}
        subject = _("[1540 Portal] Assistance request #%(id)s from %(state)s") % values
        body = "\n".join(
            [
                _("%(state)s asks for assistance: %(title)s") % values,
                _("Area: %(area)s. Columns: %(columns)s.")
                % {"area": request.area.label, "columns": ", ".join(request.columns)},
                _("Why your organisation: %(reasons)s.")
                % {"reasons": "; ".join(reason_texts(match.reasons, area=request.area))},
                _("Claim it through the API: %(call)s")
                % {"call": f"POST /api/v1/assistance/requests/{request.pk}/claim/"},
                "",
            ]
        )
        return subject, body

    mail.send([mail.Recipient(provider.contact_email, mail.served_language(*provider.languages))], compose)


def _webhook(match):
    body = json.dumps(_payload(match), sort_keys=True).encode()
    signature = hmac.new(match.provider.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    outgoing = urllib.request.Request(  # noqa: S310 - the provider's own https URL, set by an administrator
        match.provider.webhook_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Portal-Signature": f"sha256={signature}"},
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=5) as response:  # noqa: S310
            if response.status >= 300:
                raise WebhookError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise WebhookError(f"HTTP {exc.code}") from exc
        logger.warning("Webhook of %s refused the notification: HTTP %s", match.provider.slug, exc.code)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise WebhookError(str(exc)) from exc


@shared_task(name="assistance.alert_experts")
def alert_experts_task(request_id: int, reason: str) -> int:
    """E-mail the Committee's experts about an unmatched or escalated request."""
    from portal.accounts.models import Role, User

    request = AssistanceRequest.objects.select_related("state", "area").filter(pk=request_id).first()
    if request is None:
        return 0
    recipients = mail.user_recipients(User.objects.filter(role=Role.EXPERT, is_active=True).order_by("pk"))
    # The reason is one of the task's own words ("unmatched", "escalated"): said in each language.
    reasons = {"unmatched": gettext_lazy("unmatched"), "escalated": gettext_lazy("escalated")}

    def compose():
        values = {
            "id": request.pk,
            "state": request.state.name,
            "title": request.title,
            "area": request.area.label,
            "columns": ", ".join(request.columns),
            "reason": reasons.get(reason, reason),
        }
        subject = _("[1540 Portal] Request #%(id)s is %(reason)s") % values
        body = (
            _("%(state)s: %(title)s (%(area)s, %(columns)s) is %(reason)s. Re-route it or assign a provider.") % values
        )
        return subject, body

    with transaction.atomic():
        return mail.send(recipients, compose)


@shared_task(name="assistance.notify_message", autoretry_for=(OSError,), retry_backoff=5, max_retries=6)
def notify_message_task(message_id: int) -> str:
    """E-mail the other side of a conversation about a new message, once."""
    from assistance import conversation

    message = (
        Message.objects.select_related("request__state", "provider").filter(pk=message_id, notified_at__isnull=True)
    ).first()
    if message is None:
        return "gone"
    request = message.request
    recipients = conversation.recipients(message)
    if recipients:

        def compose():
            sender = request.state.name if message.side == Message.Side.STATE else message.provider.name
            values = {"sender": sender, "id": request.pk, "title": request.title}
            lines = [_('%(sender)s wrote on the assistance request "%(title)s":') % values, "", message.body, ""]
            if message.document:
                lines.append(_("A document is attached on the portal."))
            lines.append(
                _("Reply on the portal: %(url)s")
                % {"url": f"/assistance/requests/{request.pk}/conversation/{message.provider.slug}/"}
            )
            return _("[1540 Portal] Message from %(sender)s on request #%(id)s") % values, "\n".join(lines) + "\n"

        mail.send(recipients, compose)
    Message.objects.filter(pk=message.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    return "sent" if recipients else "nobody"
