"""The Celery wiring, proven with a real worker process consuming from Redis."""

import uuid

import pytest
from django.conf import settings

from portal.celery import app as celery_app
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import enqueue, record_heartbeat
from portal.testing.processes import Worker, wait_for


@pytest.fixture
def worker(needs_postgres, redis_url, transactional_db):
    """A worker on its own queue, against the test database and the configured Redis."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = Worker(redis_url, queue=queue).start()
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        celery_app.conf.task_default_queue = previous_queue
        worker.stop()


@pytest.mark.redis
def test_a_real_worker_runs_an_enqueued_task_over_redis(worker):
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "with REDIS_URL set, tasks must go through the broker"
    enqueue(record_heartbeat)  # autocommit: sent at once
    if not wait_for(lambda: WorkerHeartbeat.objects.filter(hostname__startswith=worker.queue).exists()):
        pytest.fail(f"the worker did not run the task within 30 s; its output:\n{worker.output()}")
    assert worker.process.poll() is None, "the worker is still running"
