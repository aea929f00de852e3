"""Readiness checks: can this process reach what it needs to serve requests?"""

from contextlib import suppress

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections

from portal.core.models import WorkerHeartbeat


def check_database() -> str | None:
    """None when the database answers, else the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        drop_broken_connections()
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def drop_broken_connections() -> None:
    """Close each database connection that failed (outside a transaction), so that the next query
    connects afresh instead of failing again on a dead connection."""
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred and not conn.in_atomic_block:
            with suppress(DatabaseError):  # closing a dead connection may complain; it is dropped all the same
                conn.close()


def check_broker() -> str | None:
    """None when the Redis broker answers a PING (or when none is configured), else the reason."""
    if not settings.REDIS_URL:
        return None
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    finally:
        client.close()
    return None


def readiness() -> tuple[bool, dict]:
    """Whether the portal is ready, and a report of each dependency."""
    database = check_database()
    broker = check_broker()
    report = {
        "database": "ok" if database is None else f"down: {database}",
        "broker": ("ok" if broker is None else f"down: {broker}") if settings.REDIS_URL else "in-process",
    }
    if database is None:
        beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
        report["worker_last_seen"] = beat.last_seen.isoformat() if beat else None
    return database is None and broker is None, report
