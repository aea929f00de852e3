"""Sending background work, and the portal's own housekeeping tasks."""

import logging
import socket

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError, OperationalError
from redis.exceptions import RedisError

from portal.audit.context import get_correlation_id
from portal.celery import CORRELATION_HEADER
from portal.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, KombuError, RedisError, ConnectionError, TimeoutError, OSError)


def enqueue(task, *args, **kwargs) -> None:
    """Send `task` (a task, or a registered task's name) once the current transaction commits, with the
    caller's correlation id.

    The one way the portal starts background work. A broker outage is logged, never raised:
    the write that asked for the task has already been committed, and whatever the task was
    for must be recoverable from the database (a durable job row that a beat task re-drives).
    """
    headers = {CORRELATION_HEADER: get_correlation_id()}

    def send_after_commit():
        _send(task, args, kwargs, headers)

    transaction.on_commit(send_after_commit, robust=True)


def _task_named(name: str):
    """The task registered under `name`: a services module enqueues by name, so that it need not import
    the tasks module that imports it (docs/architecture.md, "Layers")."""
    from portal.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()  # the installed apps' tasks modules (autodiscovery)
    return app.tasks[name]


def _send(task, args, kwargs, headers) -> None:
    if isinstance(task, str):
        task = _task_named(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, headers=headers)
    except BROKER_ERRORS:
        logger.warning("Broker unavailable: %s not sent now; it will be re-driven", task.name, exc_info=True)
    except Exception:
        # Anything else (a closed connection pool, a task failing in-process) must not fail the
        # request either: the write is committed and the durable job row is re-driven.
        logger.exception("Could not send %s; it will be re-driven", task.name)


@shared_task(bind=True, name="portal.core.tasks.record_heartbeat")
def record_heartbeat(self) -> str:
    """Note that a worker is alive (run every minute by beat; /readyz reports it)."""
    hostname = self.request.hostname or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"last_seen": timezone.now()})
    return hostname
