"""Background work of the assistance process. Tasks take primary keys and are idempotent."""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from assistance import services
from assistance.models import AssistanceRequest, Match, Message, Notification

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
        "reasons": match.reasons,
        "url": f"/api/v1/assistance/requests/{request.pk}/",
    }


def _email(match):
    request = match.request
    send_mail(
        subject=f"[1540 Portal] Assistance request #{request.pk} from {request.state.name}",
        message=(
            f"{request.state.name} asks for assistance: {request.title}\n"
            f"Area: {request.area.label}. Columns: {', '.join(request.columns)}.\n"
            f"Why your organisation: {'; '.join(match.reasons)}.\n"
            f"Claim it through the API: POST /api/v1/assistance/requests/{request.pk}/claim/\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[match.provider.contact_email],
    )


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
    recipients = list(
        User.objects.filter(role=Role.EXPERT, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if recipients:
        with transaction.atomic():
            send_mail(
                subject=f"[1540 Portal] Request #{request.pk} is {reason}",
                message=(
                    f"{request.state.name}: {request.title} ({request.area.label}, {', '.join(request.columns)}) "
                    f"is {reason}. Re-route it or assign a provider."
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
    return len(recipients)


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
        sender = request.state.name if message.side == Message.Side.STATE else message.provider.name
        where = f"/assistance/requests/{request.pk}/conversation/{message.provider.slug}/"
        send_mail(
            subject=f"[1540 Portal] Message from {sender} on request #{request.pk}",
            message=(
                f'{sender} wrote on the assistance request "{request.title}":\n\n{message.body}\n\n'
                f"{'A document is attached on the portal.' if message.document else ''}\n"
                f"Reply on the portal: {where}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    Message.objects.filter(pk=message.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    return "sent" if recipients else "nobody"
