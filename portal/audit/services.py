"""Writing the audit history. Call `record` inside the transaction of the write it describes."""

from django.db import models

from portal.audit.context import get_correlation_id
from portal.audit.models import AuditEvent

SYSTEM = "system"


def snapshot(obj: models.Model, fields) -> dict:
    """The given fields of a model instance as JSON-safe values, for `before` and `after`."""
    result = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        result[name] = value
    return result


def record(verb: str, obj: models.Model | None, *, actor, before=None, after=None, object_type=None) -> AuditEvent:
    """Store one audit event. `actor` is a user, or None for the system (commands, tasks)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else SYSTEM,
        verb=verb,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        correlation_id=get_correlation_id(),
    )
