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
