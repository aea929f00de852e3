from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time a background worker proved it was alive by running a task."""

    hostname = models.CharField(_("worker"), max_length=200, unique=True)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("worker heartbeat")
        ordering = ["-last_seen"]

    def __str__(self):
        return f"{self.hostname} ({self.last_seen:%Y-%m-%d %H:%M:%S})"


class IdempotencyRecord(models.Model):
    """The answer given to a POST with an Idempotency-Key, replayed when the client retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key", "path"], name="unique_idempotency_key")]

    def __str__(self):
        return f"{self.key} {self.path}"
