"""The Celery application: `celery -A portal worker` and `celery -A portal beat`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# Message header that carries the enqueuing request's correlation id to the worker.
CORRELATION_HEADER = "portal_correlation_id"

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **_):
    """A worker keeps its database connection between tasks (CELERY_DB_REUSE_MAX); as for a web
    request, one past CONN_MAX_AGE or broken is closed here and a new one opened when needed.
    Not for eager tasks: those run inside the caller's request or transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()


@task_prerun.connect
def _bind_correlation_id(task_id=None, task=None, **_):
    """Audit events written by a task carry the correlation id of the request that enqueued it."""
    from portal.audit.context import set_correlation_id

    headers = getattr(task.request, "headers", None) or {}
    correlation_id = getattr(task.request, CORRELATION_HEADER, None) or headers.get(CORRELATION_HEADER)
    task.request._correlation_token = set_correlation_id(correlation_id or task_id)


@task_postrun.connect
def _unbind_correlation_id(task=None, **_):
    from portal.audit.context import reset_correlation_id

    token = getattr(task.request, "_correlation_token", None)
    if token is not None:
        reset_correlation_id(token)
