"""Whether the services some tests need are reachable; each function returns the reason if not."""

import os
import shutil

CHROMIUM = "/usr/bin/chromium"


def postgres_unavailable() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)"
    return None


def redis_unavailable(url: str) -> str | None:
    if not url:
        return "needs Redis and a worker: run with REDIS_URL=redis://... (CI does)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is not reachable: {exc}"
    return None


def browser_unavailable() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return "needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package (requirements-dev.txt)"
    return None
