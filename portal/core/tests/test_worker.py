"""The Celery wiring, proven with a real worker process consuming from Redis."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import enqueue, record_heartbeat


def database_url() -> str:
    """The URL of the test database, for a process outside this one."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(needs_postgres, redis_url, transactional_db):
    """A `celery -A portal worker` on its own queue, against the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@%h"
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield process, queue
    finally:
        celery_app.conf.task_default_queue = previous_queue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_real_worker_runs_an_enqueued_task_over_redis(worker):
    process, queue = worker
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "with REDIS_URL set, tasks must go through the broker"
    enqueue(record_heartbeat)  # autocommit: sent at once
    found = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname__startswith=queue).exists())
    if not found:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode(errors="replace")
        pytest.fail(f"the worker did not run the task within 30 s; its output:\n{output}")
    assert process.poll() is None, "the worker is still running"
